package io.mosn4j.api.router;

import io.mosn4j.api.stream.LocalReply;
import java.time.Duration;

/** A route a request matched: where it goes, or what the proxy answers instead. Immutable. */
public interface RouteInfo {
    /**
     * The request attribute ({@link io.mosn4j.api.stream.RequestInfo#setAttribute}, an Integer) a
     * filter sets to send that many copies of the request to each of its route's mirrors instead
     * of one (MOSN's {@code mirror} filter's {@code amplification}).
     */
    String MIRROR_COPIES = "mosn.mirror.copies";

    /**
     * The request attribute (a {@code Map<String, String>}) a filter sets, after routing and before
     * the host is chosen, to add to the host metadata the route's {@link #metadataMatch()} asks
     * for; its keys win over the route's (MOSN's {@code x-mosn-router-meta} variable, which its
     * {@code header_to_metadata} filter fills).
     */
    String METADATA_MATCH = "x-mosn-router-meta";

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

    /**
     * The host metadata the route's {@code metadata_match} asks for ({@code filter_metadata.mosn.lb}),
     * which subset load balancing ({@code lb_subset_config}) picks hosts by; empty when none. A
     * route with {@code weighted_clusters} may ask more of the cluster it picked (that cluster's own
     * {@code metadata_match}, over this one): the balancer reads the request's whole set from
     * {@link io.mosn4j.api.upstream.LoadBalancerContext#metadataMatch()}.
     */
    default java.util.Map<String, String> metadataMatch() {
        return java.util.Map.of();
    }
}
