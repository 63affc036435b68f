package io.mosn4j.upstream;

import io.mosn4j.api.upstream.ConnectionLimitException;
import io.mosn4j.api.upstream.Connector;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.network.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Opens connections to one host from one event loop with its cluster's settings: connect timeout,
 * no Nagle, a write buffer of {@code conn_buffer_limit_bytes} whose high-water mark is the
 * backpressure signal, and the cluster's transport. Counts them against {@code max_connections}
 * and in the host's statistics.
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
        int high = Math.max(cluster.connectionBufferLimit(), minBufferBytes);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        security.init(ch);
                        ch.pipeline().addLast(handler);
                    }
                });
        ChannelFuture f = b.connect(host.socketAddress());
        Host.Counters stats = host.stats();
        f.addListener(done -> {
            var hm = host.metrics();
            var cm = cluster.metrics();
            if (done.isSuccess()) {
                stats.activeConnections.increment();
                hm.connectionTotal.inc();
                hm.connectionActive.inc();
                cm.connectionTotal.inc();
                cm.connectionActive.inc();
                f.channel().closeFuture().addListener(closed -> {
                    stats.activeConnections.decrement();
                    hm.connectionActive.dec();
                    hm.connectionClose.inc();
                    cm.connectionActive.dec();
                    cm.connectionClose.inc();
                    connections.release();
                });
                result.setSuccess(f.channel());
            } else {
                stats.connectFailures.increment();
                hm.connectionConFail.inc();
                cm.connectionConFail.inc();
                connections.release();
                result.setFailure(done.cause());
            }
        });
        return result;
    }

    @Override
    public String toString() {
        return host.address();
    }
}
