package io.mosn4j.api.upstream;

/** Counters of one host across all event loops. Thread-safe; updates are cheap (striped). */
public interface HostStats {
    /** Requests sent to the host and not finished yet. */
    long activeRequests();

    /** Open connections to the host. */
    long activeConnections();

    /** Requests sent to the host since it was added. */
    long totalRequests();

    /** Connections to the host that failed to open. */
    long connectFailures();
}
