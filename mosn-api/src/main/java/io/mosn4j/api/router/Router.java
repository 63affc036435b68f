package io.mosn4j.api.router;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;

/**
 * One route table ({@code router_config_name}): virtual hosts and their routes. Immutable: an
 * update swaps the whole table; a stream keeps the table it matched against. Protocol-neutral: it
 * matches on header blocks (an RPC call's service and method are headers) and on the request's
 * variables; a request without {@code :path} matches no path condition.
 */
public interface Router {
    String name();

    /**
     * The route for {@code request}, or null when no virtual host or route matches. {@code info} is
     * the request's record, read by variable and DSL conditions; null when there is none.
     */
    RouteInfo route(Headers request, RequestInfo info);
}
