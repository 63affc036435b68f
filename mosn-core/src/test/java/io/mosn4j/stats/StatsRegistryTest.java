package io.mosn4j.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Histogram;
import io.mosn4j.api.stats.StatsScope;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StatsRegistryTest {
    @Test
    void everyValueFallsInABucketWithinASixteenthOfIt() {
        for (long v = 0; v < 5_000_000; v = v < 100 ? v + 1 : v * 3 / 2) {
            int b = LoopHistogram.bucket(v);
            long upper = LoopHistogram.upperBound(b);
            assertThat(upper).as("upper bound of %d", v).isGreaterThanOrEqualTo(v);
            assertThat(upper - v).as("error at %d", v).isLessThanOrEqualTo(Math.max(0, v / 16));
            if (b > 0) {
                assertThat(LoopHistogram.upperBound(b - 1)).isLessThan(v);
            }
        }
        assertThat(LoopHistogram.bucket(Long.MAX_VALUE)).isEqualTo(LoopHistogram.BUCKETS - 1);
    }

    @Test
    void perLoopCellsWrittenByTheirOwnThreadsAreSummedOnRead() throws Exception {
        StatsRegistry r = new StatsRegistry(2, StatsMatcher.ALL);
        StatsScope s = r.scope("downstream", Map.of("listener", "l"));
        Counter c = s.counter("request_total");
        Histogram h = s.histogram("request_time");
        CountDownLatch done = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            int loop = i;
            new DefaultThreadFactory("loop").newThread(() -> {
                LoopStripe.bind(loop);
                for (int n = 1; n <= 1000; n++) {
                    c.inc();
                    h.record(n * 1000L);
                }
                done.countDown();
            }).start();
        }
        done.await();
        c.add(5); // from this thread: the shared cells
        assertThat(c.get()).isEqualTo(2005);
        assertThat(s.counter("request_total")).isSameAs(c);
        var v = r.groups().get(0).values().stream().filter(x -> x.key().equals("request_time")).findFirst().orElseThrow();
        assertThat(v.histogram().count()).isEqualTo(2000);
        assertThat(v.histogram().min()).isEqualTo(1000);
        assertThat(v.histogram().max()).isEqualTo(1_000_000);
        assertThat(v.histogram().percentile(50)).isBetween(500_000L, 500_000L * 17 / 16);
        assertThat(v.histogram().percentile(99)).isBetween(990_000L, 1_000_000L);
    }

    @Test
    void theMatcherMakesExcludedMetricsNoOpsAndThePrometheusTextLeavesThemOut() {
        StatsRegistry r = new StatsRegistry(0, new StatsMatcher(false, List.of("host"), List.of("request_total")));
        r.scope("upstream", Map.of("cluster", "c", "host", "h:1")).counter("request_total").inc();
        r.scope("upstream", Map.of("cluster", "c")).counter("request_total").inc();
        r.scope("upstream", Map.of("cluster", "c")).counter("response_success").add(3);
        r.scope("upstream", Map.of("cluster", "c\"x")).gauge("request_active").inc();
        String text = PrometheusText.write(r, List.of(90));
        assertThat(text).isEqualTo("""
                # TYPE upstream_request_active gauge
                upstream_request_active{cluster="c\\"x"} 1
                # TYPE upstream_response_success counter
                upstream_response_success{cluster="c"} 3
                """);
        StatsRegistry none = new StatsRegistry(0, new StatsMatcher(true, List.of(), List.of()));
        none.scope("downstream", Map.of("listener", "l")).counter("request_total").inc();
        none.counter("downstream.request.invalid").inc();
        assertThat(PrometheusText.write(none, List.of())).isEmpty();
    }
}
