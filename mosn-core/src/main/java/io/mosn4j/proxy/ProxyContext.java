package io.mosn4j.proxy;

import io.mosn4j.router.RouteTable;
import io.mosn4j.server.Transport;
import io.mosn4j.upstream.ClusterSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a {@code proxy} listener's streams need: its route table and the config snapshot's
 * clusters, the transport for upstream connections, and the server-wide count of streams in flight
 * (for graceful drain).
 */
public record ProxyContext(RouteTable routes, ClusterSet clusters, Transport transport, AtomicInteger activeStreams) {
    /** MOSN's global default when a route sets no timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Envoy's default stream idle timeout: no body bytes either way for this long ends a stream. */
    public static final Duration STREAM_IDLE_TIMEOUT = Duration.ofMinutes(5);
}
