package io.mosn4j.upstream;

import io.mosn4j.api.upstream.ClusterResources;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.config.ClusterConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's circuit breakers. One instance lives as long as its cluster name, across updates,
 * so what is in use is never forgotten when the limits change. An unlimited budget counts nothing.
 */
final class Resources implements ClusterResources {
    private final Limit connections = new Limit();
    private final Limit pending = new Limit();
    private final Limit requests = new Limit();
    private final Limit retries = new Limit();

    void apply(ClusterConfig.ThresholdsConfig t) {
        connections.max = t.maxConnections();
        pending.max = t.maxPendingRequests();
        requests.max = t.maxRequests();
        retries.max = t.maxRetries();
    }

    @Override
    public ResourceLimit connections() {
        return connections;
    }

    @Override
    public ResourceLimit pendingRequests() {
        return pending;
    }

    @Override
    public ResourceLimit requests() {
        return requests;
    }

    @Override
    public ResourceLimit retries() {
        return retries;
    }

    /**
     * One budget. Counting starts only while a maximum is set; a release without a matching counted
     * acquire (the limit was set in between) is absorbed by never going below zero.
     */
    static final class Limit implements ResourceLimit {
        private volatile long max;
        private final AtomicLong used = new AtomicLong();

        @Override
        public boolean tryAcquire() {
            long m = max;
            if (m == 0) {
                return true;
            }
            while (true) {
                long u = used.get();
                if (u >= m) {
                    return false;
                }
                if (used.compareAndSet(u, u + 1)) {
                    return true;
                }
            }
        }

        @Override
        public void acquire() {
            if (max != 0) {
                used.incrementAndGet();
            }
        }

        @Override
        public void release() {
            if (max == 0 && used.get() == 0) {
                return;
            }
            used.getAndUpdate(u -> u > 0 ? u - 1 : 0);
        }

        @Override
        public long max() {
            return max;
        }

        @Override
        public long current() {
            return used.get();
        }
    }
}
