package io.mosn4j.api.upstream;

/**
 * One circuit-breaker budget of a cluster (connections, pending requests, requests, retries),
 * shared by every event loop. {@link #tryAcquire} fails when the budget is spent; each success is
 * paired with one {@link #release}. A budget of 0 means unlimited and costs nothing.
 */
public interface ResourceLimit {
    boolean tryAcquire();

    /**
     * Counts one more use even past the maximum (paired with one {@link #release} like a
     * successful {@link #tryAcquire}): for what must happen anyway, such as a pool's first connection.
     */
    void acquire();

    void release();

    /** The configured maximum, or 0 for unlimited. */
    long max();

    /** In use now (counted only when limited). */
    long current();
}
