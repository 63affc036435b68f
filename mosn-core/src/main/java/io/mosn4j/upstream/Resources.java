package io.mosn4j.upstream;

import io.mosn4j.api.upstream.ClusterResources;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's circuit breakers. One instance lives as long as its cluster name, across updates,
 * so what is in use is never forgotten when the limits change. An unlimited budget counts nothing.
 * Each refusal is counted ({@code cluster.NAME.request_overflow}, {@code .request_pending_overflow}
 * and {@code .request_retry_overflow}, MOSN's names for the last two, and
 * {@code .connection_overflow}: a connection not opened at {@code max_connections}).
 */
final class Resources implements ClusterResources {
    private final Limit connections;
    private final Limit pending;
    private final Limit requests;
    private final Limit retries;

    Resources() {
        this("", Stats.NONE);
    }

    Resources(String cluster, Stats stats) {
        String p = "cluster." + cluster + ".";
        connections = new Limit(stats.counter(p + "connection_overflow"));
        pending = new Limit(stats.counter(p + "request_pending_overflow"));
        requests = new Limit(stats.counter(p + "request_overflow"));
        retries = new Limit(stats.counter(p + "request_retry_overflow"));
    }

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
        private final Counter overflows;

        Limit(Counter overflows) {
            this.overflows = overflows;
        }

        @Override
        public boolean tryAcquire() {
            long m = max;
            if (m == 0) {
                return true;
            }
            while (true) {
                long u = used.get();
                if (u >= m) {
                    overflows.inc();
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
