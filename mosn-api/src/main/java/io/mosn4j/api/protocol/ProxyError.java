package io.mosn4j.api.protocol;

/**
 * Why the proxy answers a request itself instead of forwarding the upstream's answer. A protocol
 * maps each to its own response status (see {@link XProtocol#errorResponse}).
 */
public enum ProxyError {
    /** No route matched the request. */
    NO_ROUTE,
    /**
     * The route's cluster has no host to send to, none could be connected to, or the upstream
     * connection broke (a reset, bytes that are not the protocol) before the answer: MOSN counts
     * all of these as "no healthy upstream".
     */
    NO_HEALTHY_UPSTREAM,
    /** A limit was reached (circuit breaker, pending requests). */
    OVERFLOW,
    /** The upstream did not answer in time. */
    TIMEOUT,
    /** The request could not be encoded or decoded. */
    CODEC,
    /** The request body could not be deserialized. */
    DESERIALIZATION,
    /** A filter refused the request. */
    PERMISSION_DENIED,
    /** Anything else: an internal error (not an upstream failure, which is {@link #NO_HEALTHY_UPSTREAM}). */
    UNKNOWN
}
