package io.mosn4j.stats;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Gauge;
import io.mosn4j.api.stats.Histogram;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import java.util.Map;

/**
 * MOSN's {@code downstream} metrics of one listener ({@code listener="name"}) that a proxy counts,
 * under MOSN's keys: requests by status class and code, request time. The same group's connections
 * and bytes are the listener's ({@link ListenerMetrics}). Got once per proxy filter build and shared
 * by its connections; every update is a per-loop cell.
 */
public final class DownstreamMetrics {
    /** The codes MOSN counts one by one (others go to {@code request_other_code}); before NONE, which uses them. */
    private static final int[] CODES = {200, 206, 302, 304, 400, 403, 404, 416, 499, 500, 502, 503, 504};
    public static final DownstreamMetrics NONE = new DownstreamMetrics(StatsScope.NONE);

    public final Counter requestTotal;
    public final Gauge requestActive;
    public final Counter requestReset;
    public final Counter requestFailed;
    public final Histogram requestTime;
    public final Counter requestTimeTotal;
    public final Counter request2xx;
    public final Counter request3xx;
    public final Counter request4xx;
    public final Counter request5xx;
    private final Counter[] byCode = new Counter[600];
    private final Counter otherCode;

    public DownstreamMetrics(StatsScope s) {
        requestTotal = s.counter("request_total");
        requestActive = s.gauge("request_active");
        requestReset = s.counter("request_reset");
        requestFailed = s.counter("request_failed");
        requestTime = s.histogram("request_time");
        requestTimeTotal = s.counter("request_time_total");
        request2xx = s.counter("request_2xx_total");
        request3xx = s.counter("request_3xx_total");
        request4xx = s.counter("request_4xx_total");
        request5xx = s.counter("request_5xx_total");
        for (int c : CODES) {
            byCode[c] = s.counter("request_" + c + "_total");
        }
        otherCode = s.counter("request_other_code");
    }

    public static DownstreamMetrics of(Stats stats, String listener) {
        return new DownstreamMetrics(stats.scope("downstream", Map.of("listener", listener)));
    }

    /** A request ended with {@code status} (0: no response was sent) after {@code nanos}. */
    public void requestDone(int status, long nanos, boolean reset) {
        requestActive.dec();
        requestTime.record(nanos);
        requestTimeTotal.add(nanos);
        if (reset) {
            requestReset.inc();
        }
        if (status <= 0) {
            requestFailed.inc();
            return;
        }
        Counter c = status < byCode.length ? byCode[status] : null;
        (c == null ? otherCode : c).inc();
        switch (status / 100) {
            case 2 -> request2xx.inc();
            case 3 -> request3xx.inc();
            case 4 -> request4xx.inc();
            case 5 -> {
                request5xx.inc();
                requestFailed.inc();
            }
            default -> {}
        }
    }
}
