package io.mosn4j.api.filter;

/** When a request filter runs, relative to the router's work (MOSN's receive phases). */
public enum ReceiverPhase {
    /** Before the route is chosen: may change what routing sees. */
    BEFORE_ROUTE,
    /** After the route is chosen, before a host is: sees {@code route()}. */
    AFTER_ROUTE,
    /** After the upstream host is chosen, before the request goes out: sees {@code requestInfo().upstreamHost()}. */
    AFTER_CHOOSE_HOST
}
