/*
 * The HTTP mode of the async form: GET /bytes/N, GET /delay/D/bytes/N and GET /health behind
 * Netty's HttpServerCodec.
 */
package com.github.latbench.server;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
import static io.netty.handler.codec.http.HttpResponseStatus.METHOD_NOT_ALLOWED;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;
import static io.netty.handler.codec.http.HttpVersion.HTTP_1_1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Answers each decoded request as soon as its head arrives (request bodies are read and dropped),
 * in order, flushing once per read batch so pipelined requests share a flush. Bodies of /bytes/N
 * are slices of one shared pattern buffer: nothing is copied or allocated per byte. A request the
 * decoder could not parse gets 400 and the connection is closed. One instance per connection.
 *
 * <p>GET /delay/D/bytes/N waits on a timer of the connection's event loop, which goes on serving
 * other connections meanwhile. While the timer runs the connection stops reading, and requests
 * already decoded wait in a queue, so that answers stay in request order.
 */
final class HttpHandler extends ChannelInboundHandlerAdapter {

    /** Stands in the queue for a broken request body, which ends the connection in its turn. */
    private static final Object BROKEN_BODY = new Object();
    private static final AsciiString OCTET_STREAM = AsciiString.cached("application/octet-stream");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString ALLOW_GET_HEAD = AsciiString.cached("GET, HEAD");
    /** Our own header names and values are constants, so they need no validation per response. */
    private static final HttpHeadersFactory HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final ByteBuf pattern;
    /** Set once a response that closes the connection is written; later requests are ignored. */
    private boolean closing;
    /** The timer of the /delay answer being waited for, or null. */
    private ScheduledFuture<?> timer;
    /** Requests (or BROKEN_BODY) decoded while the timer runs, answered after it in order. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();

    HttpHandler(ByteBuf pattern) {
        this.pattern = pattern;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            Object item = isBrokenBody(msg) ? BROKEN_BODY : msg;
            if (timer != null && (item instanceof HttpRequest || item == BROKEN_BODY)) {
                waiting.add(item); // The request head needs no release: only contents are counted.
            } else {
                dispatch(ctx, item);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Reports whether msg is request content the decoder failed on. A request line or header it
     * failed on comes as a failed full request instead (an HttpContent too), which gets a 400.
     */
    private static boolean isBrokenBody(Object msg) {
        return !(msg instanceof HttpRequest) && msg instanceof HttpContent c && c.decoderResult().isFailure();
    }

    /** Answers a request, or ends the connection for BROKEN_BODY; other content is dropped. */
    private void dispatch(ChannelHandlerContext ctx, Object item) {
        if (item instanceof HttpRequest req) {
            onRequest(ctx, req);
        } else if (item == BROKEN_BODY) {
            closing = true; // A broken request body: its response is written, nothing else.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        waiting.clear();
        ctx.fireChannelInactive();
    }

    /** Reads only while the connection is writable and no /delay answer is being waited for. */
    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() && timer == null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // Resets and the like end the connection; nothing to log per connection.
    }

    /** Routes one request and writes its response, unflushed. */
    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
        if (closing) {
            return;
        }
        if (req.decoderResult().isFailure()) {
            writeText(ctx, BAD_REQUEST, Route.MALFORMED_TEXT, new Reply(false, false));
            return;
        }
        if (req.protocolVersion().majorVersion() != 1) {
            writeText(ctx, HTTP_VERSION_NOT_SUPPORTED, Route.BAD_VERSION_TEXT, new Reply(false, false));
            return;
        }
        Reply reply = new Reply(HttpUtil.isKeepAlive(req), req.protocolVersion() == HttpVersion.HTTP_1_0);
        HttpMethod method = req.method();
        boolean head = method == HttpMethod.HEAD;
        Route route = Route.of(method == HttpMethod.GET || head, Bodies.path(req.uri()));
        if (!route.isBytes()) {
            writeText(ctx, HttpResponseStatus.valueOf(route.status()), route.text(), reply);
        } else if (!route.delayed()) {
            writeBytes(ctx, route.size(), head, reply);
        } else {
            delay(ctx, route, head, reply);
        }
    }

    /** How to end a response: keep the connection open or close it, and for which HTTP version. */
    private record Reply(boolean keepAlive, boolean http10) {
    }

    /**
     * Answers a /delay request when the timer fires, on this connection's event loop, then the
     * requests that arrived meanwhile; reading stops until then.
     */
    private void delay(ChannelHandlerContext ctx, Route route, boolean head, Reply reply) {
        timer = ctx.executor().schedule(() -> {
            timer = null;
            writeBytes(ctx, route.size(), head, reply);
            while (timer == null && !waiting.isEmpty()) {
                dispatch(ctx, waiting.poll());
            }
            ctx.flush();
            updateAutoRead(ctx);
        }, route.delayNanos(), TimeUnit.NANOSECONDS);
        updateAutoRead(ctx);
    }

    /** Answers GET /bytes/N with N pattern bytes. */
    private void writeBytes(ChannelHandlerContext ctx, int n, boolean head, Reply reply) {
        if (head || n <= pattern.capacity()) {
            ByteBuf body = head ? Unpooled.EMPTY_BUFFER : pattern.retainedSlice(0, n);
            HttpResponse res = new DefaultFullHttpResponse(HTTP_1_1, OK, body, HEADERS, HEADERS);
            setHeaders(res.headers(), OCTET_STREAM, n, reply);
            writeLast(ctx, res, reply);
            return;
        }
        HttpResponse res = new DefaultHttpResponse(HTTP_1_1, OK, HEADERS);
        setHeaders(res.headers(), OCTET_STREAM, n, reply);
        ctx.write(res, ctx.voidPromise());
        for (int left = n; left > 0; left -= pattern.capacity()) {
            int k = Math.min(left, pattern.capacity());
            ctx.write(new DefaultHttpContent(pattern.retainedSlice(0, k)), ctx.voidPromise());
        }
        writeLast(ctx, LastHttpContent.EMPTY_LAST_CONTENT, reply);
    }

    /** Writes a small text/plain response. */
    private void writeText(ChannelHandlerContext ctx, HttpResponseStatus status, String text, Reply reply) {
        ByteBuf body = Unpooled.wrappedBuffer(text.getBytes(CharsetUtil.UTF_8));
        HttpResponse res = new DefaultFullHttpResponse(HTTP_1_1, status, body, HEADERS, HEADERS);
        setHeaders(res.headers(), TEXT_PLAIN, body.readableBytes(), reply);
        if (status == METHOD_NOT_ALLOWED) {
            res.headers().set(HttpHeaderNames.ALLOW, ALLOW_GET_HEAD);
        }
        writeLast(ctx, res, reply);
    }

    /**
     * Sets Content-Type, Content-Length and, where needed, Connection: close, or keep-alive for an
     * HTTP/1.0 client that asked for it.
     */
    private static void setHeaders(HttpHeaders h, AsciiString type, int length, Reply reply) {
        h.set(HttpHeaderNames.CONTENT_TYPE, type);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        if (!reply.keepAlive()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (reply.http10()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /**
     * Writes the last part of a response; if the response ends the connection, it is closed once
     * that write is done and later requests are ignored.
     */
    private void writeLast(ChannelHandlerContext ctx, Object msg, Reply reply) {
        if (reply.keepAlive()) {
            ctx.write(msg, ctx.voidPromise());
            return;
        }
        closing = true;
        ctx.write(msg).addListener(ChannelFutureListener.CLOSE);
    }
}
