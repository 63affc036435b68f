package io.mosn4j.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many downstream connections are open against a {@code max_connections} (a listener's or the
 * server's): taken on accept, given back when the connection closes. Thread-safe: the loops
 * accepting (each its own socket's, with reuseport) take, the connections' loops give back.
 */
final class ConnectionLimit {
    private final AtomicInteger open = new AtomicInteger();
    /** 0: no limit. Changed by a listener update; connections already open stay. */
    private volatile int max;

    ConnectionLimit(int max) {
        this.max = max;
    }

    /** Counts one more connection, or returns false (counting nothing) when {@code max} are open. */
    boolean tryAcquire() {
        while (true) {
            int n = open.get();
            int m = max;
            if (m > 0 && n >= m) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        open.decrementAndGet();
    }

    int max() {
        return max;
    }

    void max(int max) {
        this.max = max;
    }

    int open() {
        return open.get();
    }
}
