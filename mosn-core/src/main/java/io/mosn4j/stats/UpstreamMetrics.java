package io.mosn4j.stats;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Gauge;
import io.mosn4j.api.stats.Histogram;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import java.util.Map;

/**
 * MOSN's {@code upstream} metrics of one cluster ({@code cluster="c"}) or one of its hosts
 * ({@code cluster="c",host="ip:port"}), under MOSN's keys. The proxy updates a host's and its
 * cluster's together. The cluster-only keys (retries, circuit-breaker overflow) are bumped on the
 * cluster's. Health checks count in MOSN's {@code healthcheck} group; outlier ejection can bump
 * {@code requestFailureEject} here.
 */
public final class UpstreamMetrics {
    public static final UpstreamMetrics NONE = new UpstreamMetrics(StatsScope.NONE, false);

    public final Counter connectionTotal;
    public final Counter connectionClose;
    public final Gauge connectionActive;
    public final Counter connectionConFail;
    public final Counter requestTotal;
    public final Gauge requestActive;
    public final Counter requestLocalReset;
    public final Counter requestRemoteReset;
    public final Counter requestTimeout;
    public final Counter requestFailureEject;
    public final Counter requestPendingOverflow;
    public final Histogram requestDurationTime;
    public final Counter requestDurationTimeTotal;
    public final Counter responseSuccess;
    public final Counter responseFailed;
    public final Counter response2xx;
    public final Counter response4xx;
    public final Counter response5xx;
    /** Cluster only (a no-op on a host's). */
    public final Counter requestRetry;
    public final Counter requestRetryOverflow;
    /**
     * Cluster only, as in MOSN: the bytes of all the cluster's connections, both ways, under MOSN's
     * keys ({@code connection_bytes_write} has no {@code _total} in MOSN either).
     */
    public final Counter bytesReadTotal;
    public final Counter bytesWriteTotal;

    private UpstreamMetrics(StatsScope s, boolean cluster) {
        connectionTotal = s.counter("connection_total");
        connectionClose = s.counter("connection_close");
        connectionActive = s.gauge("connection_active");
        connectionConFail = s.counter("connection_con_fail");
        requestTotal = s.counter("request_total");
        requestActive = s.gauge("request_active");
        requestLocalReset = s.counter("request_local_reset");
        requestRemoteReset = s.counter("request_remote_reset");
        requestTimeout = s.counter("request_timeout");
        requestFailureEject = s.counter("request_failure_eject");
        requestPendingOverflow = s.counter("request_pending_overflow");
        requestDurationTime = s.histogram("request_duration_time");
        requestDurationTimeTotal = s.counter("request_duration_time_total");
        responseSuccess = s.counter("response_success");
        responseFailed = s.counter("response_failed");
        response2xx = s.counter("response_2xx_total");
        response4xx = s.counter("response_4xx_total");
        response5xx = s.counter("response_5xx_total");
        requestRetry = cluster ? s.counter("request_retry") : Counter.NONE;
        requestRetryOverflow = cluster ? s.counter("request_retry_overflow") : Counter.NONE;
        bytesReadTotal = cluster ? s.counter("connection_bytes_read_total") : Counter.NONE;
        bytesWriteTotal = cluster ? s.counter("connection_bytes_write") : Counter.NONE;
    }

    /** A counter that bumps two: a component's own by name and MOSN's group key. */
    public static Counter both(Counter a, Counter b) {
        return new Counter() {
            @Override
            public void inc() {
                a.inc();
                b.inc();
            }

            @Override
            public void add(long n) {
                a.add(n);
                b.add(n);
            }

            @Override
            public long get() {
                return a.get();
            }
        };
    }

    public static UpstreamMetrics cluster(Stats stats, String cluster) {
        return new UpstreamMetrics(stats.scope("upstream", Map.of("cluster", cluster)), true);
    }

    public static UpstreamMetrics host(Stats stats, String cluster, String host) {
        return new UpstreamMetrics(stats.scope("upstream", Map.of("cluster", cluster, "host", host)), false);
    }

    /** An upstream response's headers arrived with {@code status} (a protocol's own status mapped to HTTP's). */
    public void response(int status) {
        switch (status / 100) {
            case 2 -> response2xx.inc();
            case 4 -> response4xx.inc();
            case 5 -> response5xx.inc();
            default -> {}
        }
        if (status >= 500) {
            responseFailed.inc();
        } else {
            responseSuccess.inc();
        }
    }
}
