package io.netty.channel.epoll;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_KEEPALIVE;
import static io.netty.channel.ChannelOption.SO_LINGER;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.SO_SNDBUF;
import static io.netty.channel.ChannelOption.TCP_NODELAY;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;
import java.io.IOException;
import java.util.Map;

/**
 * The options of an {@link AcceptedEpollChannel}: the socket options a proxy sets on a downstream
 * connection, read from and written to the socket when asked, never on creation. Netty's own socket
 * config makes two system calls for every new connection: TCP_NODELAY, which an accepted socket
 * inherits from the listening one, and SO_SNDBUF, which it reads to size a gathering write. Here that
 * size starts unbounded, as on Netty's other channels, and Netty's write loop lowers it when a write
 * falls short (the kernel grows a new connection's send buffer as it sets up, so the listener's would
 * be far too small); setting SO_SNDBUF sizes it from the buffer the kernel grants, as Netty's does.
 */
final class AcceptedEpollChannelConfig extends EpollChannelConfig implements SocketChannelConfig {
    private volatile boolean allowHalfClosure;

    AcceptedEpollChannelConfig(AcceptedEpollChannel channel, boolean noDelayInherited) {
        super(channel);
        if (!noDelayInherited) {
            setTcpNoDelay(true);
        }
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR, SO_LINGER, IP_TOS, ALLOW_HALF_CLOSURE);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        Object v;
        if (option == SO_RCVBUF) {
            v = getReceiveBufferSize();
        } else if (option == SO_SNDBUF) {
            v = getSendBufferSize();
        } else if (option == TCP_NODELAY) {
            v = isTcpNoDelay();
        } else if (option == SO_KEEPALIVE) {
            v = isKeepAlive();
        } else if (option == SO_REUSEADDR) {
            v = isReuseAddress();
        } else if (option == SO_LINGER) {
            v = getSoLinger();
        } else if (option == IP_TOS) {
            v = getTrafficClass();
        } else if (option == ALLOW_HALF_CLOSURE) {
            v = isAllowHalfClosure();
        } else {
            return super.getOption(option);
        }
        return (T) v;
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** A socket option read that cannot fail on an open socket; on a closed one Netty's configs throw too. */
    private interface SocketGet<T> {
        T get() throws IOException;
    }

    /** A socket option write, as {@link SocketGet}. */
    private interface SocketSet {
        void set() throws IOException;
    }

    private static <T> T socket(SocketGet<T> get) {
        try {
            return get.get();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    private static void set(SocketSet set) {
        try {
            set.set();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    @Override
    public boolean isTcpNoDelay() {
        return socket(() -> socket().isTcpNoDelay());
    }

    @Override
    public AcceptedEpollChannelConfig setTcpNoDelay(boolean on) {
        set(() -> socket().setTcpNoDelay(on));
        return this;
    }

    @Override
    public int getSoLinger() {
        return socket(() -> socket().getSoLinger());
    }

    /**
     * Only 0 (close resets the connection) or a negative value (off): a positive linger makes
     * {@code close} wait for the peer, and the close runs on the connection's event loop.
     */
    @Override
    public AcceptedEpollChannelConfig setSoLinger(int seconds) {
        if (seconds > 0) {
            throw new IllegalArgumentException("SO_LINGER " + seconds + ": a lingering close would block the event loop; 0 or -1 only");
        }
        set(() -> socket().setSoLinger(seconds));
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return socket(() -> socket().getSendBufferSize());
    }

    @Override
    public AcceptedEpollChannelConfig setSendBufferSize(int size) {
        set(() -> socket().setSendBufferSize(size));
        // twice what the kernel granted: it may drain the buffer while a write is being put together
        int granted = getSendBufferSize();
        if (granted > 0) {
            setMaxBytesPerGatheringWrite((long) granted << 1);
        }
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return socket(() -> socket().getReceiveBufferSize());
    }

    @Override
    public AcceptedEpollChannelConfig setReceiveBufferSize(int size) {
        set(() -> socket().setReceiveBufferSize(size));
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return socket(() -> socket().isKeepAlive());
    }

    @Override
    public AcceptedEpollChannelConfig setKeepAlive(boolean on) {
        set(() -> socket().setKeepAlive(on));
        return this;
    }

    @Override
    public int getTrafficClass() {
        return socket(() -> socket().getTrafficClass());
    }

    @Override
    public AcceptedEpollChannelConfig setTrafficClass(int trafficClass) {
        set(() -> socket().setTrafficClass(trafficClass));
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return socket(() -> socket().isReuseAddress());
    }

    @Override
    public AcceptedEpollChannelConfig setReuseAddress(boolean on) {
        set(() -> socket().setReuseAddress(on));
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this; // as java.net's sockets: a hint no Linux socket takes
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public AcceptedEpollChannelConfig setAllowHalfClosure(boolean allow) {
        allowHalfClosure = allow;
        return this;
    }

    // the rest only narrow the return type to this config (SocketChannelConfig asks for it)

    @Override
    public AcceptedEpollChannelConfig setConnectTimeoutMillis(int millis) {
        super.setConnectTimeoutMillis(millis);
        return this;
    }

    @Override
    @Deprecated
    public AcceptedEpollChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public AcceptedEpollChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark waterMark) {
        super.setWriteBufferWaterMark(waterMark);
        return this;
    }
}
