package io.mosn4j.api.router;

import io.mosn4j.api.stream.LocalReply;
import java.time.Duration;

/** A route a request matched: where it goes, or what the proxy answers instead. Immutable. */
public interface RouteInfo {
    /** The route's {@code name}, or null. */
    String name();

    String virtualHostName();

    /** The route table's {@code router_config_name}. */
    String routerName();

    /** The cluster to send the request to; null for a direct response. */
    String clusterName();

    /** The route's timeout (request end to response headers), or null for the default. */
    Duration timeout();

    /** The configured answer of a {@code direct_response} route, or null. */
    LocalReply directResponse();

    /**
     * What the filter named {@code filterName} parsed from this route's (or its virtual host's)
     * {@code per_filter_config} at load, or null.
     */
    Object perFilterConfig(String filterName);

    /**
     * The route's {@code hash_policy}, in order (the first one the request has a value for wins),
     * empty when it has none. Consistent-hashing balancers key requests on it.
     */
    default java.util.List<HashPolicy> hashPolicy() {
        return java.util.List.of();
    }
}
