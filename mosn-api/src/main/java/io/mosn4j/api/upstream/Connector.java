package io.mosn4j.api.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.Future;

/**
 * Opens connections to one host for a connection pool: on the pool's event loop, with the
 * cluster's settings (connect timeout, no Nagle, write buffer of {@code conn_buffer_limit_bytes})
 * and its transport security, so a pool never sets these up itself. Counts the connections it
 * opens against the cluster's {@code max_connections}.
 */
public interface Connector {

    /**
     * Connects, then adds {@code handler} (typically a {@code ChannelInitializer} that installs the
     * codec) after the transport's own handlers (TLS, when the cluster has it). The future, done
     * on the pool's event loop, holds the connected channel, or fails when the connection cannot
     * be made, with {@link ConnectionLimitException} when {@code max_connections} is reached (even
     * after {@link #canConnect} said yes: another event loop may have taken the last one meanwhile).
     *
     * @param minBufferBytes the write buffer this protocol needs at least (a frame's size)
     */
    Future<Channel> connect(ChannelHandler handler, int minBufferBytes);

    /**
     * As {@link #connect}, but opens the connection even when {@code max_connections} is reached
     * (it still counts against it). Only for a pool that has no connection at all: pools live per
     * event loop, so a pool that had to wait for a connection while other loops hold all of the
     * cluster's would wait until its requests time out. As in Envoy, each pool may always have one.
     */
    Future<Channel> connectFirst(ChannelHandler handler, int minBufferBytes);

    /**
     * Whether the cluster's {@code max_connections} allows one more connection now. A no is the
     * pool wanting a connection the circuit breaker refuses, and is counted as a connection overflow.
     */
    boolean canConnect();
}
