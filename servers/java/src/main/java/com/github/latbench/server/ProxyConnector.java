/*
 * The proxy mode: dials the backend for each accepted client and joins the two with relays.
 */
package com.github.latbench.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;

/**
 * The first handler of a proxied client connection, which is accepted with auto-read off. On
 * activation it connects to the backend on the client's own event loop; once connected it
 * replaces itself with a {@link RelayHandler} and starts reading the client. If the backend cannot
 * be reached, it closes the client.
 */
@Sharable
final class ProxyConnector extends ChannelInboundHandlerAdapter {

    /** How long a client waits for its backend connection before it is closed. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final InetSocketAddress backend;
    private final Bootstrap template;

    ProxyConnector(InetSocketAddress backend, Class<? extends Channel> channelClass) {
        this.backend = backend;
        this.template = new Bootstrap()
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        template.clone(client.eventLoop())
                .handler(new RelayHandler(client))
                .connect(backend)
                .addListener((ChannelFuture f) -> connected(ctx, f));
        ctx.fireChannelActive();
    }

    /** Starts relaying once the backend connection f is up, or closes the client. */
    private void connected(ChannelHandlerContext ctx, ChannelFuture f) {
        Channel client = ctx.channel();
        if (!f.isSuccess()) {
            client.close();
        } else if (!client.isActive()) {
            f.channel().close();
        } else {
            ctx.pipeline().replace(this, "relay", new RelayHandler(f.channel()));
            client.config().setAutoRead(true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
