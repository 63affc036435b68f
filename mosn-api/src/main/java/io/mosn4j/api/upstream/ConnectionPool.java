package io.mosn4j.api.upstream;

/**
 * Upstream connections of one protocol to one host, owned by one event loop (so it needs no
 * locks). HTTP/1 hands out an idle keep-alive connection per stream, multiplexed protocols a stream
 * slot on a shared connection. All methods are called on the pool's event loop.
 */
public interface ConnectionPool {

    /**
     * Finds or opens a connection able to carry one more stream and hands it to {@code callback},
     * now or later. The returned handle withdraws a request still waiting (its stream timed out
     * or was reset).
     */
    Cancellable acquire(PoolCallback callback);

    /**
     * The host left its cluster or the cluster was removed: hand out nothing more (waiting
     * requests fail), close idle connections now and busy ones when their streams end.
     */
    void drain();

    /** Whether the pool holds no connection and no waiting request (a drained pool can be dropped). */
    boolean isEmpty();
}
