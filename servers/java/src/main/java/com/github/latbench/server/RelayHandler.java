/*
 * One direction of the proxy relay: what one channel reads is written to its peer.
 */
package com.github.latbench.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Relays what its channel reads to peer, flushing once per read batch. Backpressure: when its own
 * channel stops being writable, the peer, which writes into it, stops reading until it drains.
 * When its channel closes, the peer is flushed and closed too. Both channels run on the same event
 * loop, so no locking is needed.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    RelayHandler(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise()); // A failed write fires exceptionCaught on the peer.
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // Its channelInactive closes the peer.
    }

    /** Closes ch once everything written to it so far is flushed. */
    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
