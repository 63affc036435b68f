package io.netty.channel.epoll;

import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A connection accepted by a {@link ListenerEpollChannel}: Netty's epoll stream channel without the
 * system calls Netty's {@link EpollSocketChannel} makes for every new connection and a proxy need
 * not. {@code strace} of one request on a new connection showed them; nginx makes none of them:
 * <ul>
 *   <li>{@code getsockname} for the local address: it is the listener's (looked up on first use,
 *       or before the close, when the listener is bound to a wildcard address);
 *   <li>{@code setsockopt(TCP_NODELAY)} and {@code getsockopt(SO_SNDBUF)}: see {@link AcceptedEpollChannelConfig};
 *   <li>{@code epoll_ctl(ADD)} then {@code epoll_ctl(MOD)} to add read interest: the socket joins the
 *       epoll set with read interest when it will read at once (auto-read);
 *   <li>{@code getsockopt(SO_LINGER)} before closing (this channel refuses a positive linger) and
 *       {@code epoll_ctl(DEL)}: the socket is closed before it is deregistered, and a closed
 *       descriptor leaves the epoll set by itself. That holds while this process holds the only
 *       descriptor of the socket: mosn4j starts no process that inherits one and hands none over.
 *       A connection handed to another process (a hot upgrade passing its sockets) must leave the
 *       epoll set first, as Netty's channel does.
 * </ul>
 * A listener with a filter that turns auto-read off as it is installed ({@code tcp_proxy}, until its
 * upstream connects) pays one {@code epoll_ctl(MOD)} to take the read interest back.
 * It lives in Netty's package because the channel classes it builds on open their constructors and
 * socket there only. Everything else (reads, writes, splice, half-closure) is Netty's.
 */
final class AcceptedEpollChannel extends AbstractEpollStreamChannel implements SocketChannel {
    private final ListenerEpollChannel parent;
    private final AcceptedEpollChannelConfig config;
    private final InetSocketAddress remote;
    private volatile InetSocketAddress local;

    /**
     * @param local the listener's address, or null when it is a wildcard (then the socket is asked)
     * @param noDelayInherited whether the listening socket has TCP_NODELAY, which an accepted socket inherits
     */
    AcceptedEpollChannel(ListenerEpollChannel parent, LinuxSocket fd, InetSocketAddress remote, InetSocketAddress local,
                         boolean noDelayInherited) {
        super(fd, false); // not "active" yet: Netty's constructors would look up both addresses
        this.parent = parent;
        this.remote = remote;
        this.local = local;
        active = true;
        config = new AcceptedEpollChannelConfig(this, noDelayInherited);
    }

    @Override
    public ServerSocketChannel parent() {
        return parent;
    }

    @Override
    public AcceptedEpollChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected SocketAddress localAddress0() {
        InetSocketAddress l = local;
        // asked of the socket on its loop (or before it has one) only: elsewhere a close could come
        // between the check and the call, and the number might by then be another connection's
        if (l == null && (!isRegistered() || eventLoop().inEventLoop()) && socket.isOpen()) {
            local = l = socket.localAddress();
        }
        return l;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        if (config.isAutoRead()) {
            // joins the epoll set ready to read (epoll_ctl ADD with EPOLLIN), as the pipeline asks
            // for a read as soon as it is active; a handler that turns auto-read off before that
            // clears the interest again, as it would on Netty's channel
            try {
                setFlag(Native.EPOLLIN);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // not registered yet: only the interest is recorded
            }
        }
        super.doRegister(promise);
    }

    @Override
    protected void doDeregister() throws Exception {
        try {
            if (!isActive() && socket.isOpen()) {
                // closing (Netty's close ends the channel, deregisters, then closes the socket): close
                // it first, and the registration's cancel sees it closed and skips epoll_ctl(DEL)
                localAddress0(); // a wildcard listener's connection not asked yet: its address outlives the socket
                socket.close();
            }
        } finally {
            super.doDeregister();
        }
    }
}
