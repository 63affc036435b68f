package io.mosn4j.proxy;

import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.config.Protocols;
import io.mosn4j.stream.xprotocol.XProtocols;
import io.mosn4j.router.RouteTable;
import io.mosn4j.server.Transport;
import io.mosn4j.upstream.Cluster;
import io.mosn4j.upstream.ClusterSet;
import io.mosn4j.upstream.ConnectionPool;
import io.mosn4j.upstream.Host;
import io.mosn4j.upstream.Http1Pool;
import io.mosn4j.upstream.Http2Pool;
import io.mosn4j.upstream.XPool;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a {@code proxy} listener's streams need: its route table and the config snapshot's
 * clusters, the transport for upstream connections, the server-wide count of streams in flight
 * (for graceful drain), and the protocol its upstream connections speak.
 */
public record ProxyContext(RouteTable routes, ClusterSet clusters, Transport transport, AtomicInteger activeStreams,
                           String upstreamProtocol) {
    /** MOSN's global default when a route sets no timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Envoy's default stream idle timeout: no body bytes either way for this long ends a stream. */
    public static final Duration STREAM_IDLE_TIMEOUT = Duration.ofMinutes(5);

    /** A context whose upstreams speak HTTP/1. */
    public ProxyContext(RouteTable routes, ClusterSet clusters, Transport transport, AtomicInteger activeStreams) {
        this(routes, clusters, transport, activeStreams, Protocols.HTTP1);
    }

    /** The pool of {@code loop} for {@code host}, in this proxy's upstream protocol. */
    public ConnectionPool pool(Host host, Cluster cluster, EventLoop loop) {
        String protocol = upstreamProtocol;
        if (host.existingPool(loop, protocol) instanceof ConnectionPool existing) {
            return existing; // the common case: no factory lambda built per request
        }
        if (protocol.equals(Protocols.HTTP2)) {
            return host.pool(loop, Protocols.HTTP2, l -> new Http2Pool(l, transport, host, cluster));
        }
        XProtocol rpc = XProtocols.get(protocol);
        if (rpc != null) {
            return host.pool(loop, protocol, l -> new XPool(l, transport, host, cluster, rpc));
        }
        return host.pool(loop, Protocols.HTTP1, l -> new Http1Pool(l, transport, host, cluster));
    }
}
