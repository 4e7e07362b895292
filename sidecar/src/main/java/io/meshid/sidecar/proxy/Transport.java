package io.meshid.sidecar.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The sidecar's Netty transport: Linux epoll when the native library loads, NIO otherwise. One
 * small group of event loops serves every listener and every upstream connection (an upstream
 * connection lives on the event loop of the downstream connection it serves, so a request never
 * changes threads). Immutable and thread-safe.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel) {

    /** Epoll where available, else NIO. */
    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return nio();
    }

    /** NIO, on every platform. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** A group of {@code threads} event loops (0: one per core, at most 4). */
    public EventLoopGroup newGroup(int threads) {
        int n = threads > 0 ? threads : Math.min(4, Runtime.getRuntime().availableProcessors());
        return new MultiThreadIoEventLoopGroup(n, ioHandlerFactory);
    }
}
