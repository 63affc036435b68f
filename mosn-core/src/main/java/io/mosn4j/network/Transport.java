package io.mosn4j.network;

import io.mosn4j.loop.LoopThread;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.ListenerEpollChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The native epoll transport where it loads (MOSN's raw-epoll model), NIO elsewhere. On epoll the
 * listening sockets are {@link ListenerEpollChannel}s, whose connections skip the system calls
 * Netty's own channel makes for each (six of them); upstream connections are Netty's.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
                        Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {

    public static Transport best() {
        if (!Boolean.getBoolean("mosn4j.nio") && Epoll.isAvailable()) {
            return new Transport("epoll", RepairedEpollIoHandler.newFactory(), ListenerEpollChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** The UDP channel of this transport (DNS queries). */
    public Class<? extends DatagramChannel> datagramChannel() {
        return name.equals("epoll") ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** Whether listening sockets can share an address, one per event loop ({@code SO_REUSEPORT}): epoll only. */
    public boolean reusePort() {
        return name.equals("epoll");
    }

    public EventLoopGroup newGroup(int threads, String name) {
        DefaultThreadFactory loopThreads = new DefaultThreadFactory(name, false) {
            @Override
            protected Thread newThread(Runnable task, String threadName) {
                return new LoopThread(threadGroup, task, threadName); // keeps its turn's clock reading
            }
        };
        return new MultiThreadIoEventLoopGroup(threads, loopThreads, ioHandlerFactory);
    }
}
