/*
 * The choice of Netty transport: native epoll where it loads, NIO otherwise.
 */
package com.github.latbench.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The event loops and channel classes of one transport: one boss thread that accepts and a group of
 * worker threads that serve the connections.
 */
record Transport(String name, EventLoopGroup boss, EventLoopGroup workers,
        Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> channel) {

    /** Returns the epoll transport when the native library is available, else NIO. */
    static Transport create(int workerThreads) {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", new EpollEventLoopGroup(1), new EpollEventLoopGroup(workerThreads),
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", new NioEventLoopGroup(1), new NioEventLoopGroup(workerThreads),
                NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
