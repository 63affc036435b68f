package io.mosn4j.api.upstream;

/**
 * A cluster's circuit breakers ({@code circuit_breakers}: {@code max_connections},
 * {@code max_pending_requests}, {@code max_requests}, {@code max_retries}). A request refused by one
 * is answered with {@link io.mosn4j.api.stream.ProxyError#OVERFLOW}.
 */
public interface ClusterResources {
    ResourceLimit connections();

    /** Requests waiting in a connection pool for a connection. */
    ResourceLimit pendingRequests();

    /** Requests in flight to the cluster. */
    ResourceLimit requests();

    ResourceLimit retries();
}
