package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostStats;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * An upstream host of a cluster. Its identity is its address within the cluster: a cluster update
 * that keeps the address keeps this object, with its pools (held per event loop by
 * {@link LoopCluster}), health and counters; weight and metadata take the new values.
 */
public final class Host implements HostInfo {
    private final String address;
    private final InetSocketAddress socketAddress;
    private volatile int weight;
    private volatile Map<String, String> metadata;
    private volatile boolean healthy = true;
    private final Counters stats = new Counters();
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

    @Override
    public String address() {
        return address;
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
        return healthy;
    }

    public void setHealthy(boolean healthy) {
        this.healthy = healthy;
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

    /** Striped counters: every event loop updates them without contending on one cache line. */
    public static final class Counters implements HostStats {
        final LongAdder activeRequests = new LongAdder();
        final LongAdder totalRequests = new LongAdder();
        final LongAdder activeConnections = new LongAdder();
        final LongAdder connectFailures = new LongAdder();

        public void requestStarted() {
            activeRequests.increment();
            totalRequests.increment();
        }

        public void requestEnded() {
            activeRequests.decrement();
        }

        @Override
        public long activeRequests() {
            return activeRequests.sum();
        }

        @Override
        public long activeConnections() {
            return activeConnections.sum();
        }

        @Override
        public long totalRequests() {
            return totalRequests.sum();
        }

        @Override
        public long connectFailures() {
            return connectFailures.sum();
        }
    }
}
