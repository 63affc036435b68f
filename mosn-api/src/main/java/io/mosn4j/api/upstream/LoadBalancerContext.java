package io.mosn4j.api.upstream;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import java.util.Map;

/**
 * What a load balancer may consider when choosing a host for one request. Used on the request's
 * event loop, during {@link LoadBalancer#choose}.
 */
public interface LoadBalancerContext {

    /** A hash of the request for consistent hashing (the route's hash policy), or -1 when none. */
    long hashKey();

    /** The metadata a subset of hosts must carry (the route's {@code metadata_match}), empty when none. */
    Map<String, String> metadataMatch();

    /** Whether {@code host} should be avoided if another is available (a retry's earlier choice). */
    boolean shouldAvoid(HostInfo host);

    /** The request's headers, or null for a connection-level choice (tcp_proxy). */
    Headers requestHeaders();

    /** The request's record, or null for a connection-level choice. */
    RequestInfo requestInfo();
}
