package io.mosn4j.api.protocol;

/** How upstream connections of a protocol carry requests. */
public enum PoolMode {
    /**
     * Many requests in flight on one connection, told apart by request id: the proxy shares one
     * connection per event loop and host among all downstream connections, remapping ids.
     */
    MULTIPLEX,
    /** One request at a time per connection, the response before the next request (HTTP/1 style). */
    PING_PONG,
    /** Each downstream connection gets upstream connections of its own, closed with it. */
    BOUND
}
