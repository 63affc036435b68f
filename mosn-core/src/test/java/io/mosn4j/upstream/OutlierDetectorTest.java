package io.mosn4j.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.config.OutlierDetectionConfig;
import io.mosn4j.stats.StatsRegistry;
import io.netty.channel.DefaultEventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final StatsRegistry stats = new StatsRegistry();
    private OutlierDetector detector;

    @AfterEach
    void stop() {
        if (detector != null) {
            detector.stop();
        }
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static OutlierDetectionConfig config(Integer consecutive5xx, Duration interval, Duration base, Integer maxPercent,
                                                 Integer enforcingGateway, Integer enforcingFailurePercentage) {
        return new OutlierDetectionConfig(consecutive5xx, interval, base, maxPercent, null, null, null, null, null, null,
                enforcingGateway, null, enforcingFailurePercentage, null, 10, null, null, null);
    }

    private List<Host> hosts(int n, OutlierDetectionConfig config) {
        List<Host> hs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hs.add(new Host("10.0.0." + i + ":80", new InetSocketAddress("10.0.0." + i, 80), 1, Map.of()));
        }
        detector = new OutlierDetector("c", config, loop, stats);
        detector.setHosts(hs);
        detector.start();
        return hs;
    }

    private long counter(String key) {
        return stats.counter("cluster.c.outlier_detection." + key).get();
    }

    @Test
    void consecutive5xxEjectsAtOnceWithinTheCapAndTheHostReturnsAfterTheBaseTime() throws Exception {
        List<Host> hs = hosts(2, config(3, Duration.ofMillis(50), Duration.ofMillis(300), 50, null, null));
        Host a = hs.get(0);
        Host b = hs.get(1);
        a.outlierResult(503);
        a.outlierResult(500);
        a.outlierResult(200); // a success ends the run
        a.outlierResult(503);
        a.outlierResult(503);
        assertThat(a.healthy()).isTrue();
        a.outlierResult(502);
        assertThat(a.hasHealthFlag(Host.FAILED_OUTLIER_CHECK)).isTrue();
        assertThat(counter("ejections_enforced_consecutive_5xx")).isEqualTo(1);
        assertThat(counter("ejections")).isEqualTo(1);

        // a second host out would be 100% of the cluster, over max_ejection_percent 50
        for (int i = 0; i < 3; i++) {
            b.outlierResult(503);
        }
        assertThat(b.healthy()).isTrue();
        assertThat(counter("ejections_overflow")).isEqualTo(1);

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!a.healthy() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(a.healthy()).as("back after base_ejection_time").isTrue();
        assertThat(counter("recoveries")).isEqualTo(1);
    }

    @Test
    void gatewayFailuresAreOnlyDetectedUnlessEnforced() {
        List<Host> hs = hosts(1, config(100, Duration.ofSeconds(10), Duration.ofSeconds(30), 100, null, null));
        for (int i = 0; i < 5; i++) {
            hs.get(0).outlierResult(504);
        }
        assertThat(counter("ejections_detected_consecutive_gateway_failure")).isEqualTo(1);
        assertThat(hs.get(0).healthy()).as("enforcing_consecutive_gateway_failure defaults to 0, as in Envoy").isTrue();
    }

    @Test
    void failurePercentageEjectsAtTheInterval() throws Exception {
        List<Host> hs = hosts(5, config(1000, Duration.ofMillis(200), Duration.ofSeconds(30), 100, null, 100));
        for (int i = 0; i < 10; i++) {
            for (Host h : hs) {
                h.outlierResult(h == hs.get(2) ? 503 : 200);
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (hs.get(2).healthy() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(hs.get(2).hasHealthFlag(Host.FAILED_OUTLIER_CHECK)).isTrue();
        assertThat(counter("ejections_enforced_failure_percentage")).isEqualTo(1);
        assertThat(hs.stream().filter(Host::healthy).count()).isEqualTo(4);
    }

    @Test
    void stoppingReturnsTheHostsItEjected() {
        List<Host> hs = hosts(1, config(1, Duration.ofSeconds(10), Duration.ofSeconds(30), 100, null, null));
        hs.get(0).outlierResult(500);
        assertThat(hs.get(0).healthy()).isFalse();
        detector.stop();
        detector = null;
        assertThat(hs.get(0).healthy()).isTrue();
        hs.get(0).outlierResult(500); // no detector any more: nothing happens
        assertThat(hs.get(0).healthy()).isTrue();
    }
}
