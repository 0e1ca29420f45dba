/*
 * The async form of the server: binds the listener of the chosen mode (but grpc, which is
 * GrpcServer) and stops it again.
 */
package com.github.latbench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** A listening server of one mode, on the event loops of its {@link Transport}. */
final class Server implements Running {

    /** How long stop waits for the event loops to end; the contract allows 2 s for the whole exit. */
    private static final long STOP_TIMEOUT_MILLIS = 1500;
    /** The longest a graceful shutdown of the event loops may take. */
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 500;
    /**
     * How long stop waits for the HTTP connections to close: an HTTP/2 one sends GOAWAY and waits
     * up to {@link HttpPipelines#GRACEFUL_SHUTDOWN_MILLIS} for its open streams.
     */
    private static final long CLOSE_CONNECTIONS_MILLIS = HttpPipelines.GRACEFUL_SHUTDOWN_MILLIS + 200;

    /** The TLS versions of every TLS listener. */
    static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Transport transport;
    private final Channel listener;
    private final int threads;
    private final boolean tls;
    /** The open connections of the HTTP mode, closed through their pipelines at stop; else null. */
    private final ChannelGroup connections;

    private Server(Transport transport, Channel listener, int threads, boolean tls, ChannelGroup connections) {
        this.transport = transport;
        this.listener = listener;
        this.threads = threads;
        this.tls = tls;
        this.connections = connections;
    }

    /** Binds cfg.listen() and serves cfg.mode() on it, in plain TCP. */
    static Server start(Config cfg) throws Exception {
        return start(cfg, null);
    }

    /**
     * Binds cfg.listen() and serves cfg.mode() on it, over TLS with identity unless it is null; it
     * throws if the address cannot be bound.
     */
    static Server start(Config cfg, TlsIdentity identity) throws Exception {
        SslContext ssl = identity == null ? null : sslContext(identity, cfg.mode());
        Transport t = Transport.create(cfg.threads());
        ChannelGroup connections = cfg.mode().equals("http") ? new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)
                : null;
        try {
            InetSocketAddress listen = resolve(cfg.listen());
            ServerBootstrap b = new ServerBootstrap()
                    .group(t.boss(), t.workers())
                    .channel(t.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer(cfg, t, ssl, connections));
            configureMode(b, cfg.mode());
            Channel ch = b.bind(listen).syncUninterruptibly().channel();
            return new Server(t, ch, cfg.threads(), ssl != null, connections);
        } catch (Exception e) {
            shutdown(t);
            throw new Exception("listen tcp " + Config.format(cfg.listen()) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the TLS context of mode (echo or http) for identity: the JDK's TLS 1.2 and 1.3, and
     * for http ALPN h2 and http/1.1. Echo negotiates no ALPN: it accepts a client that offers any.
     */
    static SslContext sslContext(TlsIdentity identity, String mode) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(identity.key(), identity.chain())
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_PROTOCOLS);
        if (mode.equals("http")) {
            HttpPipelines.configureTls(b);
        }
        return b.build();
    }

    /** Sets the child options a mode needs beyond the common ones. */
    private static void configureMode(ServerBootstrap b, String mode) {
        switch (mode) {
            // Echo answers a half close with what it still has to send, then closes.
            case "echo" -> b.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            // A proxied client is read only once its backend connection is up.
            case "proxy" -> b.childOption(ChannelOption.AUTO_READ, false);
            default -> { }
        }
    }

    /**
     * Returns the handler that sets up the pipeline of each accepted connection; ssl is null for
     * plain TCP, connections the group of the HTTP mode's connections.
     */
    private static ChannelHandler initializer(Config cfg, Transport t, SslContext ssl, ChannelGroup connections)
            throws UnknownHostException {
        return switch (cfg.mode()) {
            case "echo" -> ssl == null ? new EchoHandler() : tlsEchoInitializer(ssl);
            case "http" -> httpInitializer(Bodies.newPattern(), ssl, connections);
            case "proxy" -> new ProxyConnector(resolve(cfg.backend()), t.channel());
            default -> throw new IllegalArgumentException("unknown mode " + cfg.mode());
        };
    }

    /** Returns the initializer of an echo connection over TLS: the handshake, then the echo. */
    private static ChannelHandler tlsEchoInitializer(SslContext ssl) {
        EchoHandler echo = new EchoHandler();
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc()), echo);
            }
        };
    }

    /**
     * Returns the initializer of an HTTP connection, which serves bodies from pattern: in plain TCP
     * HTTP/1.1 or, after the HTTP/2 preface, h2c; over TLS what ALPN chose.
     */
    private static ChannelHandler httpInitializer(ByteBuf pattern, SslContext ssl, ChannelGroup connections) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.add(ch);
                if (ssl == null) {
                    ch.pipeline().addLast(new HttpPipelines.PrefaceDetector(pattern));
                } else {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpPipelines.Negotiator(pattern));
                }
            }
        };
    }

    /** Resolves a possibly unresolved address once, at start. */
    static InetSocketAddress resolve(InetSocketAddress a) throws UnknownHostException {
        if (!a.isUnresolved()) {
            return a;
        }
        InetSocketAddress r = new InetSocketAddress(a.getHostString(), a.getPort());
        if (r.isUnresolved()) {
            throw new UnknownHostException("no such host " + a.getHostString());
        }
        return r;
    }

    @Override
    public String localAddress() {
        return Config.format((InetSocketAddress) listener.localAddress());
    }

    @Override
    public String describe() {
        return "io=async listen=" + localAddress() + " threads=" + threads + " transport=" + transport.name()
                + " tls=" + (tls ? "on" : "off");
    }

    /**
     * Closes the listener and every connection and waits, boundedly, for the event loops to end.
     * The HTTP mode closes its connections through their pipelines first, so that an HTTP/2 one
     * sends GOAWAY (and a TLS one close_notify) before it closes.
     */
    @Override
    public void stop() {
        listener.close().awaitUninterruptibly(STOP_TIMEOUT_MILLIS);
        if (connections != null) {
            connections.close().awaitUninterruptibly(CLOSE_CONNECTIONS_MILLIS);
        }
        shutdown(transport);
    }

    /** Shuts the event loops of t down without a quiet period and waits for them, boundedly. */
    private static void shutdown(Transport t) {
        t.boss().shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        t.workers().shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MILLIS);
        t.boss().terminationFuture().awaitUninterruptibly(STOP_TIMEOUT_MILLIS);
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        t.workers().terminationFuture().awaitUninterruptibly(Math.max(left, 0));
    }
}
