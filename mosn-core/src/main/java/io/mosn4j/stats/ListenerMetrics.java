package io.mosn4j.stats;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Gauge;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import java.util.Map;

/**
 * MOSN's {@code downstream} metrics of one listener ({@code listener="name"}) that its connections
 * count whatever their filters ({@code tcp_proxy} as much as {@code proxy}): connections and the
 * bytes on them. The requests' keys of the same group are {@link DownstreamMetrics}', kept only
 * where a proxy makes requests, as in MOSN. Every update is a per-loop cell.
 */
public final class ListenerMetrics {
    public final Counter connectionTotal;
    public final Counter connectionDestroy;
    public final Gauge connectionActive;
    public final Counter bytesReadTotal;
    public final Counter bytesWriteTotal;

    private final boolean enabled;

    private ListenerMetrics(StatsScope s) {
        enabled = s != StatsScope.NONE;
        connectionTotal = s.counter("connection_total");
        connectionDestroy = s.counter("connection_destroy");
        connectionActive = s.gauge("connection_active");
        bytesReadTotal = s.counter("bytes_read_total");
        bytesWriteTotal = s.counter("bytes_write_total");
    }

    public static ListenerMetrics of(Stats stats, String listener) {
        return new ListenerMetrics(stats.scope("downstream", Map.of("listener", listener)));
    }

    /** False when the stats_matcher rejects the whole group: then nothing is counted. */
    public boolean enabled() {
        return enabled;
    }
}
