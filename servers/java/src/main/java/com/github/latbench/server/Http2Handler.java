/*
 * The HTTP mode over HTTP/2: the routes of HttpHandler behind Netty's Http2FrameCodec.
 */
package com.github.latbench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Answers each HTTP/2 request (a stream's first HEADERS frame) at once, as {@link HttpHandler}
 * answers HTTP/1.1: GET or HEAD /bytes/N, /health, /delay/D/bytes/N, 404, 405 and 400, through
 * {@link Route}. A response is a HEADERS frame with {@code :status}, {@code content-type} and
 * {@code content-length}, and the body as DATA frames of slices of the shared pattern (the codec's
 * flow controller splits them to the peer's frame size and sends them as its windows allow). A
 * request without {@code :method} or {@code :path} gets 400; the codec itself resets streams with
 * malformed headers and ends the connection on a broken frame. One instance per connection.
 *
 * <p>Streams are independent: a /delay answer waits on a timer of the connection's event loop
 * while the other streams go on. Request bodies are read and dropped, and their bytes given back
 * to the flow-control windows at once.
 */
final class Http2Handler extends ChannelInboundHandlerAdapter {

    private static final AsciiString OCTET_STREAM = AsciiString.cached("application/octet-stream");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString ALLOW_GET_HEAD = AsciiString.cached("GET, HEAD");

    private final ByteBuf pattern;
    /**
     * The highest stream that has had its request: a client opens streams in increasing order, so
     * a HEADERS frame on a stream not above it is the trailers of a request already answered.
     */
    private int lastRequestStream;

    Http2Handler(ByteBuf pattern) {
        this.pattern = pattern;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame h) {
                int id = h.stream().id();
                if (id > lastRequestStream) {
                    lastRequestStream = id;
                    onRequest(ctx, h.stream(), h.headers());
                }
            } else if (msg instanceof Http2DataFrame d && d.initialFlowControlledBytes() > 0) {
                // The body is dropped: its bytes count as read, so the windows open again.
                ctx.write(new DefaultHttp2WindowUpdateFrame(d.initialFlowControlledBytes()).stream(d.stream()),
                        ctx.newPromise());
            }
            // SETTINGS, PING, GOAWAY, RST_STREAM and the rest are the codec's business.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    /**
     * A stream error (a bad frame on one stream) resets that stream, as the codec leaves it to us;
     * a connection error is the codec's own: it sends GOAWAY with its error code and closes. Any
     * other exception (a reset by the peer, say) closes the connection, with GOAWAY.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException e) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()).stream(e.stream()), ctx.newPromise());
        } else if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
            ctx.close(); // Nothing to log per connection.
        }
    }

    /** Routes one request and writes its response, unflushed, or schedules it for /delay. */
    private void onRequest(ChannelHandlerContext ctx, Http2FrameStream stream, Http2Headers req) {
        CharSequence method = req.method();
        CharSequence path = req.path();
        if (method == null || path == null) {
            writeText(ctx, stream, Route.BAD_REQUEST, Route.MALFORMED_TEXT, false);
            return;
        }
        boolean head = HttpMethod.HEAD.asciiName().contentEquals(method);
        boolean get = HttpMethod.GET.asciiName().contentEquals(method);
        Route route = Route.of(get || head, Bodies.path(path.toString()));
        if (!route.isBytes()) {
            writeText(ctx, stream, route.status(), route.text(), head);
        } else if (!route.delayed()) {
            writeBytes(ctx, stream, route.size(), head);
        } else {
            ctx.executor().schedule(() -> {
                writeBytes(ctx, stream, route.size(), head);
                ctx.flush();
            }, route.delayNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Returns response headers with a status, a content type and a content length. */
    private static Http2Headers headers(int status, AsciiString type, int length) {
        Http2Headers h = new DefaultHttp2Headers(false); // Our own names and values: no validation.
        h.status(HttpResponseStatus.valueOf(status).codeAsText());
        h.set(HttpHeaderNames.CONTENT_TYPE, type);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        return h;
    }

    /**
     * Answers with n pattern bytes (only the headers for HEAD). Every write has a promise of its
     * own: a stream the client has reset in the meantime fails just that promise, quietly.
     */
    private void writeBytes(ChannelHandlerContext ctx, Http2FrameStream stream, int n, boolean head) {
        boolean noBody = head || n == 0;
        ctx.write(new DefaultHttp2HeadersFrame(headers(Route.OK, OCTET_STREAM, n), noBody).stream(stream),
                ctx.newPromise());
        if (noBody) {
            return;
        }
        for (int left = n; left > 0; left -= pattern.capacity()) {
            int k = Math.min(left, pattern.capacity());
            ctx.write(new DefaultHttp2DataFrame(pattern.retainedSlice(0, k), left == k).stream(stream),
                    ctx.newPromise());
        }
    }

    /** Answers with a small text/plain body (only the headers for HEAD). */
    private static void writeText(ChannelHandlerContext ctx, Http2FrameStream stream, int status, String text,
            boolean head) {
        byte[] body = text.getBytes(CharsetUtil.UTF_8);
        Http2Headers h = headers(status, TEXT_PLAIN, body.length);
        if (status == Route.METHOD_NOT_ALLOWED) {
            h.set(HttpHeaderNames.ALLOW, ALLOW_GET_HEAD);
        }
        ctx.write(new DefaultHttp2HeadersFrame(h, head).stream(stream), ctx.newPromise());
        if (!head) {
            ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(stream), ctx.newPromise());
        }
    }
}
