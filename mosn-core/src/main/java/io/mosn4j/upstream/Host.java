package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostStats;
import io.mosn4j.stats.LoopTally;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream host of a cluster. Its identity is its address within the cluster: a cluster update
 * that keeps the address keeps this object, with its pools (held per event loop by
 * {@link LoopCluster}), health and counters; weight and metadata take the new values.
 *
 * <p>Health is a set of flags, as in MOSN: a failed active health check and an outlier ejection
 * each take the host out of rotation, and it is healthy again only when neither holds. A change
 * of health is reported to the cluster, which has every event loop rebuild its balancer.
 */
public final class Host implements HostInfo {
    /** An active health check failed {@code unhealthy_threshold} times in a row. */
    public static final int FAILED_ACTIVE_HC = 1;
    /** Outlier detection ({@code fault_tolerance}) ejected the host. */
    public static final int FAILED_OUTLIER_CHECK = 2;

    private final String address;
    private final InetSocketAddress socketAddress;
    private volatile int weight;
    private volatile Map<String, String> metadata;
    private final AtomicInteger healthFlags = new AtomicInteger();
    /**
     * {@link System#nanoTime()} when the host joined a running cluster or became healthy again, for
     * slow start; 0 for hosts there from the start (MOSN starts them at their full weight).
     */
    private volatile long healthySince;
    /** Told when the host's health changes: its cluster's refresh. */
    private volatile Runnable healthListener;
    private volatile String hostname;
    private final Counters stats = new Counters();
    /** This host's record in its cluster's {@code outlier_detection}, or null when the cluster has none. */
    volatile OutlierDetector.HostState outlier;
    /** MOSN's {@code upstream{cluster,host}} metrics, set when its cluster is published. */
    io.mosn4j.stats.UpstreamMetrics metrics = io.mosn4j.stats.UpstreamMetrics.NONE;

    public Host(String address, InetSocketAddress socketAddress, int weight, Map<String, String> metadata) {
        this.address = address;
        this.socketAddress = socketAddress;
        this.weight = weight;
        this.metadata = Map.copyOf(metadata);
    }

    /** Takes the settings of an update that kept this host. */
    void update(int weight, Map<String, String> metadata) {
        this.weight = weight;
        this.metadata = Map.copyOf(metadata);
    }

    /** The host was added to a cluster already running: slow start applies from now. */
    void joined() {
        healthySince = System.nanoTime();
    }

    void onHealthChange(Runnable listener) {
        this.healthListener = listener;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public String hostname() {
        return hostname;
    }

    /** The config's {@code hostname} (null or empty: none). */
    void setHostname(String hostname) {
        this.hostname = hostname == null || hostname.isEmpty() ? null : hostname;
    }

    @Override
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public boolean healthy() {
        return healthFlags.get() == 0;
    }

    public boolean hasHealthFlag(int flag) {
        return (healthFlags.get() & flag) != 0;
    }

    /** Sets {@code flag}; true when that made a healthy host unhealthy. */
    public boolean setHealthFlag(int flag) {
        int before = healthFlags.getAndUpdate(f -> f | flag);
        boolean changed = before == 0;
        if (changed) {
            notifyHealth();
        }
        return changed;
    }

    /** Clears {@code flag}; true when that made the host healthy again. */
    public boolean clearHealthFlag(int flag) {
        int before = healthFlags.getAndUpdate(f -> f & ~flag);
        boolean changed = before == flag;
        if (changed) {
            healthySince = System.nanoTime();
            notifyHealth();
        }
        return changed;
    }

    /** When the host last became healthy or joined (for slow start), 0 when it has been there from the start. */
    long healthySince() {
        return healthySince;
    }

    private void notifyHealth() {
        Runnable l = healthListener;
        if (l != null) {
            l.run();
        }
    }

    /**
     * How a request to this host ended, for its cluster's {@code outlier_detection} (if any): the
     * response's status; 503 for a failed connect or a reset before the answer, 504 for a timeout.
     * Any event loop; cheap when the cluster has no outlier detection.
     */
    public void outlierResult(int status) {
        OutlierDetector.HostState s = outlier;
        if (s != null) {
            s.result(status);
        }
    }

    /** Its success rate over the last {@code outlier_detection} interval (percent), or -1 when not measured. */
    public double outlierSuccessRate() {
        OutlierDetector.HostState s = outlier;
        return s == null ? -1 : s.successRate;
    }

    @Override
    public Counters stats() {
        return stats;
    }

    public io.mosn4j.stats.UpstreamMetrics metrics() {
        return metrics;
    }

    @Override
    public String toString() {
        return address;
    }

    /** A host's load, as balancers read it: every event loop counts in its own row (no shared cache line, no atomic add). */
    public static final class Counters implements HostStats {
        private static final int ACTIVE_REQUESTS = 0;
        private static final int TOTAL_REQUESTS = 1;
        private static final int ACTIVE_CONNECTIONS = 2;
        private static final int CONNECT_FAILURES = 3;
        /** Updated on every request by its loop: per-loop rows, no atomic instruction per update. */
        private final LoopTally counts = new LoopTally(4);
        /** Kept only for balancers that read them ({@code LB_PEAK_EWMA}): a response costs a lock then. */
        volatile boolean trackLatency;
        final PeakEwma latency = new PeakEwma();
        final PeakEwma serverErrors = new PeakEwma();
        final PeakEwma clientErrors = new PeakEwma();

        /** Whether the host's latency is averaged: only when its cluster's balancer reads it. */
        public boolean tracksLatency() {
            return trackLatency;
        }

        /** Averages latency from now on (its cluster does this for {@code LB_PEAK_EWMA}; benchmarks and tests too). */
        public void trackLatency(boolean on) {
            trackLatency = on;
        }

        public void requestStarted() {
            counts.add(ACTIVE_REQUESTS, 1);
            counts.add(TOTAL_REQUESTS, 1);
        }

        public void requestEnded() {
            counts.add(ACTIVE_REQUESTS, -1);
        }

        void connected() {
            counts.add(ACTIVE_CONNECTIONS, 1);
        }

        void disconnected() {
            counts.add(ACTIVE_CONNECTIONS, -1);
        }

        void connectFailed() {
            counts.add(CONNECT_FAILURES, 1);
        }

        /** A response's headers arrived after {@code nanos}: its status class and latency feed the EWMAs. */
        public void responded(int status, long nanos) {
            if (!trackLatency) {
                return;
            }
            long now = System.nanoTime();
            boolean server = status >= 500;
            boolean client = status >= 400 && status < 500;
            if (!server && !client) {
                latency.observe(nanos, now, true); // as MOSN: errors do not count towards latency
            }
            serverErrors.observe(server ? 1 : 0, now, false);
            clientErrors.observe(client ? 1 : 0, now, false);
        }

        @Override
        public long activeRequests() {
            return counts.sum(ACTIVE_REQUESTS);
        }

        @Override
        public long activeConnections() {
            return counts.sum(ACTIVE_CONNECTIONS);
        }

        @Override
        public long totalRequests() {
            return counts.sum(TOTAL_REQUESTS);
        }

        @Override
        public long connectFailures() {
            return counts.sum(CONNECT_FAILURES);
        }
    }

    /**
     * An exponentially weighted moving average over time (Finagle's peak EWMA): each sample pulls
     * the value towards it with weight {@code 1 - e^(-elapsed/τ)}, τ = 10 s; with {@code peak}, a
     * sample above the value replaces it at once, so a slowing host is avoided at its first slow
     * answer and comes back gradually.
     */
    static final class PeakEwma {
        static final double TAU_NANOS = 10e9;
        private volatile double value;
        private volatile long stamp;
        private volatile boolean sampled;

        synchronized void observe(double sample, long now, boolean peak) {
            if (!sampled) {
                value = sample;
                stamp = now;
                sampled = true;
                return;
            }
            double w = Math.exp(-Math.max(0, now - stamp) / TAU_NANOS);
            value = peak && sample > value ? sample : value * w + sample * (1 - w);
            stamp = now;
        }

        /** The average now, or -1 before the first sample. */
        double value() {
            return sampled ? value : -1;
        }

        /** The average decayed towards zero for the time since the last sample (an idle host looks better and better). */
        double decayed(long now) {
            if (!sampled) {
                return -1;
            }
            return value * Math.exp(-Math.max(0, now - stamp) / TAU_NANOS);
        }
    }
}
