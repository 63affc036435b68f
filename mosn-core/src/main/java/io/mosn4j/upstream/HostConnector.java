package io.mosn4j.upstream;

import io.mosn4j.api.upstream.ConnectionLimitException;
import io.mosn4j.api.upstream.Connector;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.network.ByteCounter;
import io.mosn4j.network.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Opens connections to one host from one event loop with its cluster's settings: connect timeout,
 * no Nagle, a write buffer of {@code conn_buffer_limit_bytes} whose high-water mark is the
 * backpressure signal, and the cluster's transport (TLS: the connection is handed over once its
 * handshake is done). Counts them against {@code max_connections} and in the host's statistics,
 * and their bytes in the cluster's.
 */
final class HostConnector implements Connector {
    private final EventLoop loop;
    private final Transport transport;
    private final Host host;
    private final Cluster cluster;
    private final ResourceLimit connections;
    private final UpstreamTransport security;

    HostConnector(EventLoop loop, Transport transport, Host host, Cluster cluster, UpstreamTransport security) {
        this.loop = loop;
        this.transport = transport;
        this.host = host;
        this.cluster = cluster;
        this.connections = cluster.resources().connections();
        this.security = security;
    }

    @Override
    public boolean canConnect() {
        ResourceLimit c = connections;
        if (c.max() == 0 || c.current() < c.max()) {
            return true;
        }
        // at max_connections: the pool wanted a connection it may not open (its request waits for
        // one of its own), counted as a connection overflow; a slot freed meanwhile is taken back
        if (c.tryAcquire()) {
            c.release();
            return true;
        }
        return false;
    }

    @Override
    public Future<Channel> connect(ChannelHandler handler, int minBufferBytes) {
        if (!connections.tryAcquire()) {
            return loop.newFailedFuture(new ConnectionLimitException("cluster " + cluster.name() + ": max_connections (" + connections.max() + ") reached"));
        }
        return open(handler, minBufferBytes);
    }

    @Override
    public Future<Channel> connectFirst(ChannelHandler handler, int minBufferBytes) {
        if (!connections.tryAcquire()) {
            connections.acquire(); // past the limit, still counted: released when it closes
        }
        return open(handler, minBufferBytes);
    }

    private Future<Channel> open(ChannelHandler handler, int minBufferBytes) {
        Promise<Channel> result = loop.newPromise();
        open(handler, minBufferBytes, security, result);
        return result;
    }

    /**
     * Connects with {@code via}; the protocol's {@code handler} goes in once the transport is ready
     * (after the TLS handshake), so a connection whose handshake fails never reaches the protocol.
     */
    private void open(ChannelHandler handler, int minBufferBytes, UpstreamTransport via, Promise<Channel> result) {
        int high = Math.max(cluster.connectionBufferLimit(), minBufferBytes);
        Future<?>[] ready = new Future<?>[1];
        ByteCounter bytes = cluster.byteCounter();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                // TCP_NODELAY is Netty's default for a socket channel: not set again (a system call per connection)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (bytes != null) {
                            bytes.install(ch); // at the socket, below TLS: the bytes on the wire
                        }
                        ready[0] = via.init(ch);
                        if (ready[0] == null) {
                            ch.pipeline().addLast(handler);
                        }
                    }
                });
        ChannelFuture f = b.connect(host.socketAddress());
        Host.Counters stats = host.stats();
        var hm = host.metrics();
        var cm = cluster.metrics();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                stats.connectFailed();
                hm.connectionConFail.inc();
                cm.connectionConFail.inc();
                connections.release();
                result.setFailure(done.cause());
                return;
            }
            Channel ch = f.channel();
            stats.connected();
            hm.connectionTotal.inc();
            hm.connectionActive.inc();
            cm.connectionTotal.inc();
            cm.connectionActive.inc();
            ch.closeFuture().addListener(closed -> {
                stats.disconnected();
                hm.connectionActive.dec();
                hm.connectionClose.inc();
                cm.connectionActive.dec();
                cm.connectionClose.inc();
                connections.release();
            });
            if (ready[0] == null) {
                result.setSuccess(ch);
                return;
            }
            ready[0].addListener(handshake -> {
                if (handshake.isSuccess() && ch.isActive()) {
                    ChannelHandlerContext last = ch.pipeline().lastContext();
                    ch.pipeline().addLast(handler);
                    last.fireChannelActive(); // the protocol sees the connection start, as it would in plaintext
                    result.trySuccess(ch);
                    return;
                }
                Throwable cause = handshake.cause() != null ? handshake.cause() : new java.nio.channels.ClosedChannelException();
                ch.close();
                UpstreamTransport again = via.fallBack(host.address(), cause);
                if (again != null) {
                    connections.acquire(); // the failed one releases its own when it closes
                    open(handler, minBufferBytes, again, result);
                    return;
                }
                stats.connectFailed();
                hm.connectionConFail.inc();
                cm.connectionConFail.inc();
                result.tryFailure(cause);
            });
        });
    }

    @Override
    public String toString() {
        return host.address();
    }
}
