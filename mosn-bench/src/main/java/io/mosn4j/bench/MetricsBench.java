package io.mosn4j.bench;

import io.mosn4j.stats.DownstreamMetrics;
import io.mosn4j.stats.ListenerMetrics;
import io.mosn4j.stats.LoopStripe;
import io.mosn4j.stats.StatsMatcher;
import io.mosn4j.stats.StatsRegistry;
import io.mosn4j.stats.UpstreamMetrics;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics cost one proxied HTTP request, on the event loop: every update the proxy makes
 * for it (downstream request start and end with its status and time, bytes both ways on the
 * listener's connection and on the cluster's, the upstream attempt on its host and cluster with
 * response class and duration), {@code on} with MOSN's
 * metrics kept, {@code off} with {@code stats_matcher.reject_all} (no-ops). JMH's threads are
 * Netty {@code FastThreadLocalThread}s ({@link EventLoopLikeExecutor}), as event loops are, so the
 * loop-index lookup is the array read it is in the proxy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.mosn4j.bench.EventLoopLikeExecutor"})
public class MetricsBench {
    @Param({"on", "off"})
    public String metrics;

    private DownstreamMetrics down;
    private ListenerMetrics listener;
    private UpstreamMetrics cluster;
    private UpstreamMetrics host;
    private long t;

    @Setup(Level.Trial)
    public void setup() {
        StatsRegistry r = new StatsRegistry(1, metrics.equals("on") ? StatsMatcher.ALL : new StatsMatcher(true, List.of(), List.of()));
        LoopStripe.bind(0);
        listener = ListenerMetrics.of(r, "bench");
        down = DownstreamMetrics.of(r, "bench");
        cluster = UpstreamMetrics.cluster(r, "backend");
        host = UpstreamMetrics.host(r, "backend", "127.0.0.1:8080");
    }

    @Benchmark
    public void request() {
        long took = 200_000 + (t++ & 0xffff) * 7; // varied, as latencies are
        down.requestTotal.inc();
        down.requestActive.inc();
        listener.bytesReadTotal.add(120);
        host.requestTotal.inc();
        host.requestActive.inc();
        cluster.bytesWriteTotal.add(140);
        cluster.requestTotal.inc();
        cluster.requestActive.inc();
        host.response(200);
        cluster.response(200);
        host.requestDurationTime.record(took);
        host.requestDurationTimeTotal.add(took);
        cluster.requestDurationTime.record(took);
        cluster.requestDurationTimeTotal.add(took);
        cluster.bytesReadTotal.add(150);
        host.requestActive.dec();
        cluster.requestActive.dec();
        listener.bytesWriteTotal.add(160);
        down.requestDone(200, took + 50_000, false);
    }
}
