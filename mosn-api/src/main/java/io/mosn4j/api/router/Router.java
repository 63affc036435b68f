package io.mosn4j.api.router;

import io.mosn4j.api.stream.Headers;

/**
 * One route table ({@code router_config_name}): virtual hosts and their routes. Immutable: an
 * update swaps the whole table; a stream keeps the table it matched against.
 */
public interface Router {
    String name();

    /** The route for {@code request}, or null when no virtual host or route matches. */
    RouteInfo route(Headers request);
}
