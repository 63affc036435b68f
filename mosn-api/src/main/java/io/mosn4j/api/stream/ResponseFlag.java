package io.mosn4j.api.stream;

/**
 * What went wrong with a request, as MOSN's and Envoy's response flags name it; access logs print
 * the {@link #shortName()}s ({@code %response_flag%}). A request may carry several.
 */
public enum ResponseFlag {
    /** The health check filter answered locally (LH). */
    FAILED_LOCAL_HEALTH_CHECK("LH"),
    /** No healthy host in the cluster (UH). */
    NO_HEALTHY_UPSTREAM("UH"),
    /** The upstream did not answer within the timeout (UT). */
    UPSTREAM_REQUEST_TIMEOUT("UT"),
    /** The proxy reset the stream itself (LR). */
    LOCAL_RESET("LR"),
    /** The upstream reset the stream (UR). */
    UPSTREAM_REMOTE_RESET("UR"),
    /** The upstream connection could not be established (UF). */
    UPSTREAM_CONNECTION_FAILURE("UF"),
    /** The upstream connection closed before the response ended (UC). */
    UPSTREAM_CONNECTION_TERMINATION("UC"),
    /** A circuit breaker refused the request (UO). */
    UPSTREAM_OVERFLOW("UO"),
    /** No route matched (NR). */
    NO_ROUTE_FOUND("NR"),
    /** A fault filter delayed the request (DI). */
    DELAY_INJECTED("DI"),
    /** A fault filter aborted the request (FI). */
    FAULT_INJECTED("FI"),
    /** A rate limit refused the request (RL). */
    RATE_LIMITED("RL"),
    /** A filter refused the request as unauthorized (UAEX). */
    UNAUTHORIZED("UAEX"),
    /** The request was larger than a limit (mosn's ReqEntityTooLarge). */
    REQUEST_ENTITY_TOO_LARGE("RETL"),
    /** The client went away or broke the stream (DC). */
    DOWNSTREAM_CONNECTION_TERMINATION("DC"),
    /** The client broke the protocol (DPE). */
    DOWNSTREAM_PROTOCOL_ERROR("DPE"),
    /** No bytes moved either way for the stream idle timeout (SI). */
    STREAM_IDLE_TIMEOUT("SI"),
    /** The upstream answered with something that is not its protocol (UPE). */
    UPSTREAM_PROTOCOL_ERROR("UPE"),
    /** The route names a cluster that does not exist, e.g. one a control plane removed (Envoy's NC). */
    NO_CLUSTER_FOUND("NC");

    private final String shortName;

    ResponseFlag(String shortName) {
        this.shortName = shortName;
    }

    public String shortName() {
        return shortName;
    }

    /** This flag's bit in {@link RequestInfo#responseFlags()}. */
    public int bit() {
        return 1 << ordinal();
    }
}
