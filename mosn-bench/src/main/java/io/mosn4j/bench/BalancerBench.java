package io.mosn4j.bench;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.upstream.Balancers;
import io.mosn4j.upstream.Host;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one host choice costs each balancer ({@code lb_type}), the work an event loop does for every
 * request: {@code LoadBalancer.choose} over a host set of {@code hosts} hosts (10 or 1,000), one
 * event loop's instance as the proxy builds it. The hosts' weights are 1..8 ({@code weights=mixed},
 * so the weighted balancers run their EDF scheduler) or all 1 ({@code equal}: their cheaper
 * unweighted path); every host has a few requests in flight and connections, and a measured
 * latency, so least-loaded and peak EWMA balancers compare real numbers. Each call gets the next of
 * 1,024 precomputed hash keys (the hashing balancers' input); nothing is allocated per call by the
 * harness, so {@code -prof gc}'s B/op is the balancer's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-XX:+UseG1GC", "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class BalancerBench {
    @Param({"LB_RANDOM", "LB_ROUNDROBIN", "LB_WEIGHTED_ROUNDROBIN", "LB_LEAST_REQUEST", "LB_LEAST_CONNECTION", "LB_MAGLEV",
            "LB_RINGHASH", "LB_PEAK_EWMA", "LB_REQUEST_ROUNDROBIN"})
    public String lbType;

    @Param({"10", "1000"})
    public int hosts;

    @Param({"mixed", "equal"})
    public String weights;

    private LoadBalancer balancer;
    private final Context context = new Context();

    @Setup
    public void setup() throws Exception {
        SplittableRandom r = new SplittableRandom(42);
        List<HostInfo> list = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            int port = 10_000 + i;
            Host h = new Host("10.0." + (i / 250) + "." + (i % 250) + ":" + port,
                    InetSocketAddress.createUnresolved("10.0." + (i / 250) + "." + (i % 250), port),
                    weights.equals("mixed") ? 1 + r.nextInt(8) : 1, Map.of());
            for (int k = r.nextInt(4); k > 0; k--) {
                h.stats().requestStarted();
            }
            h.stats().trackLatency(true);
            h.stats().responded(200, 1_000_000 + r.nextInt(1_000_000));
            list.add(h);
        }
        List<HostInfo> all = List.copyOf(list);
        HostSet set = new HostSet() {
            @Override
            public List<HostInfo> hosts() {
                return all;
            }

            @Override
            public List<HostInfo> healthyHosts() {
                return all;
            }
        };
        LoadBalancerFactory f = Balancers.load(BalancerBench.class.getClassLoader()).get(lbType);
        Object settings = f.parse(new JsonConfigValue(ConfigLoader.mapper().readTree("{}"), "cluster"));
        balancer = f.create(set, settings);
        for (int i = 0; i < context.keys.length; i++) {
            context.keys[i] = r.nextLong() & Long.MAX_VALUE;
        }
    }

    @Benchmark
    public HostInfo choose() {
        context.next++;
        return balancer.choose(context);
    }

    /** A request: the next precomputed hash key, no subset, nothing to avoid. */
    static final class Context implements LoadBalancerContext {
        final long[] keys = new long[1024];
        int next;

        @Override
        public long hashKey() {
            return keys[next & 1023];
        }

        @Override
        public Map<String, String> metadataMatch() {
            return Map.of();
        }

        @Override
        public boolean shouldAvoid(HostInfo host) {
            return false;
        }

        @Override
        public Headers requestHeaders() {
            return null;
        }

        @Override
        public RequestInfo requestInfo() {
            return null;
        }
    }
}
