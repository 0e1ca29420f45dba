/*
 * The pipelines of the HTTP mode: HTTP/1.1 and HTTP/2, chosen by the first bytes of a plain
 * connection (h2c with prior knowledge) or by ALPN on a TLS one.
 */
package com.github.latbench.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds the HTTP/1.1 and HTTP/2 pipelines of one connection of the HTTP mode. */
final class HttpPipelines {

    /**
     * SETTINGS_MAX_CONCURRENT_STREAMS of the HTTP/2 server: the contract asks for at least 100; a
     * bound keeps one connection from queueing unbounded work.
     */
    static final int MAX_CONCURRENT_STREAMS = 1000;

    /**
     * How long a closing HTTP/2 connection (at SIGTERM) waits, after its GOAWAY, for the streams
     * still open before it closes anyway: short, as the whole exit has 2 s.
     */
    static final long GRACEFUL_SHUTDOWN_MILLIS = 300;

    /** The client connection preface of HTTP/2 (RFC 9113, section 3.4). */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The ALPN of the HTTP mode over TLS: h2 first, then http/1.1; no ALPN at all is HTTP/1.1. */
    static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // The only behaviours the JDK provider supports: with no protocol in common the
            // handshake goes on without ALPN, and the connection speaks the fallback, HTTP/1.1.
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    private HttpPipelines() {
    }

    /**
     * Configures b for the HTTP mode over TLS: ALPN h2 and http/1.1, and the cipher suites HTTP/2
     * allows (RFC 9113, appendix A bans the others; the list has the TLS 1.3 suites too).
     */
    static SslContextBuilder configureTls(SslContextBuilder b) {
        return b.applicationProtocolConfig(ALPN)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    }

    /** Appends HTTP/1.1 as part 1 of the contract has it: the codec and an {@link HttpHandler}. */
    static void http1(ChannelPipeline p, ByteBuf pattern) {
        p.addLast(new HttpServerCodec(), new HttpHandler(pattern));
    }

    /** Appends HTTP/2: the frame codec and an {@link Http2Handler}. */
    static void http2(ChannelPipeline p, ByteBuf pattern) {
        p.addLast(newHttp2Codec(), new Http2Handler(pattern));
    }

    /**
     * Returns the server's HTTP/2 frame codec: Netty's defaults (flow control, PING answers,
     * header validation, 64 KiB windows) but for the limit on concurrent streams and the short
     * graceful shutdown.
     */
    private static Http2FrameCodec newHttp2Codec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                .gracefulShutdownTimeoutMillis(GRACEFUL_SHUTDOWN_MILLIS)
                .build();
    }

    /**
     * The first handler of a plain HTTP connection: it waits for the first bytes, then puts HTTP/2
     * in its place if they are the connection preface, HTTP/1.1 as soon as they differ from it.
     * The bytes it has seen go on to the new handlers.
     */
    static final class PrefaceDetector extends ByteToMessageDecoder {

        private final ByteBuf pattern;

        PrefaceDetector(ByteBuf pattern) {
            this.pattern = pattern;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.length);
            int at = in.readerIndex();
            for (int i = 0; i < n; i++) {
                if (in.getByte(at + i) != PREFACE[i]) {
                    switchTo(ctx, false);
                    return;
                }
            }
            if (n == PREFACE.length) {
                switchTo(ctx, true);
            }
            // Otherwise a prefix of the preface: wait for more.
        }

        /** Puts the pipeline of HTTP/2 or HTTP/1.1 in the place of this handler. */
        private void switchTo(ChannelHandlerContext ctx, boolean h2) {
            ChannelPipeline p = ctx.pipeline(); // This handler is the last one of a plain connection.
            if (h2) {
                http2(p, pattern);
            } else {
                http1(p, pattern);
            }
            p.remove(this); // Hands what it has read on to the handlers just added, once decode returns.
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // Resets and the like end the connection; nothing to log per connection.
        }
    }

    /**
     * Follows the TLS handshake of an HTTP connection: the pipeline of the protocol ALPN chose,
     * HTTP/1.1 when there is none. A failed handshake closes the connection, without a log line.
     */
    static final class Negotiator extends ApplicationProtocolNegotiationHandler {

        private final ByteBuf pattern;

        Negotiator(ByteBuf pattern) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.pattern = pattern;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), pattern);
            } else {
                http1(ctx.pipeline(), pattern);
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
