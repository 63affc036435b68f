package io.mosn4j.api.stream;

/**
 * Why the proxy answers a request itself instead of forwarding the upstream's answer. Each codec
 * renders it in its protocol: HTTP a status ({@link #httpStatus()}), gRPC a {@code grpc-status},
 * RPC protocols their own response status (MOSN's mapping).
 */
public enum ProxyError {
    /** No route matched the request. */
    NO_ROUTE(404),
    /**
     * No host to send to: the cluster is missing or empty, every host is unhealthy, the connection
     * failed, or the upstream reset the request before answering (MOSN maps all of these to its
     * "no healthy upstream" code).
     */
    NO_HEALTHY_UPSTREAM(502),
    /** A limit was reached (circuit breaker, pending requests, requests in flight). */
    OVERFLOW(503),
    /** The upstream did not answer in time. */
    TIMEOUT(504),
    /** The request could not be encoded or decoded. */
    CODEC(400),
    /** The request body could not be deserialized. */
    DESERIALIZATION(400),
    /** A filter refused the request. */
    PERMISSION_DENIED(403),
    /** The request is larger than a limit allows. */
    PAYLOAD_TOO_LARGE(413),
    /** Anything else. */
    UNKNOWN(500);

    private final int httpStatus;

    ProxyError(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status an HTTP codec answers with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The error behind an HTTP status a filter chose, for protocols that have no HTTP statuses. */
    public static ProxyError forHttpStatus(int status) {
        return switch (status) {
            case 404 -> NO_ROUTE;
            case 502 -> NO_HEALTHY_UPSTREAM;
            case 429, 503 -> OVERFLOW;
            case 408, 504 -> TIMEOUT;
            case 400 -> CODEC;
            case 401, 403 -> PERMISSION_DENIED;
            case 413 -> PAYLOAD_TOO_LARGE;
            default -> UNKNOWN;
        };
    }
}
