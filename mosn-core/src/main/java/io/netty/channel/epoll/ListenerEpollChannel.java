package io.netty.channel.epoll;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.unix.NativeInetAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A listening socket on the epoll transport whose connections are {@link AcceptedEpollChannel}s.
 * At bind it sets TCP_NODELAY on the listening socket (Linux copies it to every accepted socket), so
 * no connection needs a call of its own for it. Options: {@code SO_BACKLOG}, {@code SO_REUSEADDR}
 * (on by default, as java.nio does), {@code SO_RCVBUF}, {@code TCP_FASTOPEN} and
 * {@link EpollChannelOption#SO_REUSEPORT}.
 */
public final class ListenerEpollChannel extends AbstractEpollServerChannel implements ServerSocketChannel {
    private final Config config;
    private volatile InetSocketAddress childLocal;
    private volatile boolean childNoDelay;

    public ListenerEpollChannel() {
        super(LinuxSocket.newSocketStream(), false);
        config = new Config(this);
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        try {
            socket.setTcpNoDelay(true);
            childNoDelay = true;
        } catch (IOException e) {
            childNoDelay = false; // each connection sets it then
        }
        InetSocketAddress bound = (InetSocketAddress) localAddress0();
        childLocal = bound.getAddress().isAnyLocalAddress() ? null : bound;
        int fastOpen = config.getTcpFastopen();
        if (fastOpen > 0 && Native.IS_SUPPORTING_TCP_FASTOPEN_SERVER) {
            socket.setTcpFastOpen(fastOpen);
        }
        socket.listen(config.getBacklog());
        active = true;
        submitCurrentOps();
    }

    @Override
    protected Channel newChildChannel(int fd, byte[] address, int offset, int len) {
        return new AcceptedEpollChannel(this, new LinuxSocket(fd), NativeInetAddress.address(address, offset, len),
                childLocal, childNoDelay);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    public Config config() {
        return config;
    }

    /** Netty's server socket options, and {@code SO_REUSEPORT}. */
    public static final class Config extends EpollServerChannelConfig {
        Config(ListenerEpollChannel channel) {
            super(channel);
            setReuseAddress(true);
        }

        @SuppressWarnings("unchecked")
        @Override
        public <T> T getOption(ChannelOption<T> option) {
            if (option == EpollChannelOption.SO_REUSEPORT) {
                try {
                    return (T) Boolean.valueOf(socket().isReusePort());
                } catch (IOException e) {
                    throw new ChannelException(e);
                }
            }
            return super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            if (option == EpollChannelOption.SO_REUSEPORT) {
                validate(option, value);
                try {
                    socket().setReusePort((Boolean) value);
                } catch (IOException e) {
                    throw new ChannelException(e);
                }
                return true;
            }
            return super.setOption(option, value);
        }
    }
}
