package io.mosn4j.proxy;

import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.upstream.WorkerClusters;
import io.mosn4j.network.Addresses;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;

/**
 * The {@code proxy} filter's side of one downstream connection: what every stream on it shares
 * (its event loop, timers, the loop's view of the clusters, its protocols) and the maker of one
 * {@link DownstreamStream} per request. Lives on the connection's event loop.
 */
final class ProxyConnection implements ServerStreamHandler {
    final ProxyFilter filter;
    final EventLoop loop;
    final StreamTimeouts timeouts;
    final WorkerClusters clusters;
    final StreamCounter streams;
    final io.mosn4j.stats.DownstreamMetrics metrics;
    /** The codec the connection's requests go upstream with. */
    final ProtocolCodec upstreamCodec;
    private final String protocol;
    private final long id = io.mosn4j.api.network.ConnectionIds.next();
    private final Channel channel;
    /** Set by the listener before the proxy is installed; null for plaintext. */
    private final DownstreamTls tls;

    ProxyConnection(ProxyFilter filter, Channel channel, ProtocolCodec downstream, ProtocolCodec upstream) {
        this.filter = filter;
        this.channel = channel;
        this.tls = DownstreamTls.of(channel);
        this.loop = channel.eventLoop();
        this.timeouts = filter.timeouts(loop);
        this.clusters = filter.clusters(loop);
        this.streams = filter.counter(loop);
        this.metrics = filter.metrics;
        this.protocol = downstream.name();
        this.upstreamCodec = upstream;
    }

    @Override
    public StreamReceiver newStream(ServerStream stream) {
        return new DownstreamStream(this, stream);
    }

    String protocol() {
        return protocol;
    }

    String listenerName() {
        return filter.listenerName();
    }

    long id() {
        return id;
    }

    /**
     * The connection's addresses as listener filters left them, looked up when a request first asks
     * (an access log asks on every request: the lookup searches the channel's attributes).
     */
    private SocketAddress local;
    private SocketAddress remote;

    SocketAddress localAddress() {
        SocketAddress a = local;
        if (a == null) {
            local = a = Addresses.local(channel);
        }
        return a;
    }

    SocketAddress remoteAddress() {
        SocketAddress a = remote;
        if (a == null) {
            remote = a = Addresses.remote(channel);
        }
        return a;
    }

    DownstreamTls tls() {
        return tls;
    }
}
