/*
 * The async form of the server: binds the listener of the chosen mode and stops it again.
 */
package com.github.latbench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/** A listening server of one mode, on the event loops of its {@link Transport}. */
final class Server implements Running {

    /** How long stop waits for the event loops to end; the contract allows 2 s for the whole exit. */
    private static final long STOP_TIMEOUT_MILLIS = 1500;
    /** The longest a graceful shutdown of the event loops may take. */
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 500;

    private final Transport transport;
    private final Channel listener;
    private final int threads;

    private Server(Transport transport, Channel listener, int threads) {
        this.transport = transport;
        this.listener = listener;
        this.threads = threads;
    }

    /** Binds cfg.listen() and serves cfg.mode() on it; it throws if the address cannot be bound. */
    static Server start(Config cfg) throws Exception {
        Transport t = Transport.create(cfg.threads());
        try {
            InetSocketAddress listen = resolve(cfg.listen());
            ServerBootstrap b = new ServerBootstrap()
                    .group(t.boss(), t.workers())
                    .channel(t.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer(cfg, t));
            configureMode(b, cfg.mode());
            Channel ch = b.bind(listen).syncUninterruptibly().channel();
            return new Server(t, ch, cfg.threads());
        } catch (Exception e) {
            shutdown(t);
            throw new Exception("listen tcp " + Config.format(cfg.listen()) + ": " + e.getMessage(), e);
        }
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

    /** Returns the handler that sets up the pipeline of each accepted connection. */
    private static ChannelHandler initializer(Config cfg, Transport t) throws UnknownHostException {
        return switch (cfg.mode()) {
            case "echo" -> new EchoHandler();
            case "http" -> httpInitializer(Bodies.newPattern());
            case "proxy" -> new ProxyConnector(resolve(cfg.backend()), t.channel());
            default -> throw new IllegalArgumentException("unknown mode " + cfg.mode());
        };
    }

    /** Returns the initializer of an HTTP connection, which serves bodies from pattern. */
    private static ChannelHandler httpInitializer(ByteBuf pattern) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpHandler(pattern));
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
        return "io=async listen=" + localAddress() + " threads=" + threads + " transport=" + transport.name();
    }

    /** Closes the listener and every connection and waits, boundedly, for the event loops to end. */
    @Override
    public void stop() {
        listener.close().awaitUninterruptibly(STOP_TIMEOUT_MILLIS);
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
