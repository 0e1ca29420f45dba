/*
 * The grpc mode: grpc-java's Netty server (its own shaded Netty) serving EchoService.
 */
package com.github.latbench.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The gRPC server of --mode grpc: {@code latbench.echo.v1.Echo} over HTTP/2, h2c with prior
 * knowledge in plain TCP, h2 (ALPN) over TLS with the JDK's TLS. grpc-java runs on the Netty it
 * shades (4.2; the other modes are on the server's Netty 4.1), with event loops of its own made
 * here: one that accepts and --threads that serve, native epoll where it loads, else NIO. The
 * service runs on those event loops (a direct executor: it never blocks). Everything else is
 * grpc-java's default: 4 MiB inbound messages (a larger one gets RESOURCE_EXHAUSTED), no
 * compression of replies, UNIMPLEMENTED for unknown methods.
 */
final class GrpcServer implements Running {

    /** How long stop waits for the calls in progress after GOAWAY, then for the forced close. */
    private static final long GRACE_MILLIS = 200;
    /** The longest a graceful shutdown of the event loops may take. */
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 500;

    private final io.grpc.Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final String transport;
    private final int threads;
    private final boolean tls;

    private GrpcServer(io.grpc.Server server, EventLoopGroup boss, EventLoopGroup workers, String transport,
            int threads, boolean tls) {
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.transport = transport;
        this.threads = threads;
        this.tls = tls;
    }

    /** Binds cfg.listen() and serves gRPC on it, over TLS with identity unless it is null. */
    static GrpcServer start(Config cfg, TlsIdentity identity) throws Exception {
        SslContext ssl = identity == null ? null : sslContext(identity);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(cfg.threads(), io);
        try {
            InetSocketAddress listen = Server.resolve(cfg.listen());
            NettyServerBuilder b = NettyServerBuilder.forAddress(listen)
                    .channelType(channel)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .directExecutor()
                    .addService(new EchoService());
            if (ssl != null) {
                b.sslContext(ssl);
            }
            io.grpc.Server server = b.build().start();
            return new GrpcServer(server, boss, workers, epoll ? "epoll" : "nio", cfg.threads(), ssl != null);
        } catch (Exception e) {
            shutdown(boss, workers);
            String why = e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                why = e.getCause().getMessage(); // grpc wraps the bind error: "Failed to bind to address ..."
            }
            throw new Exception("listen tcp " + Config.format(cfg.listen()) + ": " + why, e);
        }
    }

    /**
     * Returns the TLS context of gRPC for identity: grpc-java's settings for HTTP/2 (ALPN h2, the
     * cipher suites HTTP/2 allows) on the JDK's TLS 1.2 and 1.3.
     */
    static SslContext sslContext(TlsIdentity identity) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(identity.key(), identity.chain());
        return GrpcSslContexts.configure(b, SslProvider.JDK).protocols(Server.TLS_PROTOCOLS).build();
    }

    @Override
    public String localAddress() {
        return Config.format((InetSocketAddress) server.getListenSockets().get(0));
    }

    @Override
    public String describe() {
        return "io=async listen=" + localAddress() + " threads=" + threads + " transport=" + transport
                + " tls=" + (tls ? "on" : "off");
    }

    /**
     * Stops the server: GOAWAY to every connection, a short wait for the calls in progress, then
     * the rest cancelled and the event loops ended, all within the 2 s the contract allows.
     */
    @Override
    public void stop() {
        server.shutdown();
        try {
            if (!server.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        shutdown(boss, workers);
    }

    /** Shuts the event loops down without a quiet period and waits for them, boundedly. */
    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        boss.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        workers.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
    }
}
