package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What MOSN's weighted balancers share (its {@code EdfLoadBalancer}): when the hosts' weights
 * differ, or slow start is on, hosts are picked by earliest deadline first over a weight that may
 * change from pick to pick (a host's load lowers it, slow start scales it); otherwise a cheaper
 * unweighted pick runs. One instance per event loop and host set: no locks, no shared writes.
 */
abstract class EdfBalancer implements LoadBalancer {
    protected final HostInfo[] hosts;
    protected final Settings settings;
    private final Edf edf;

    EdfBalancer(HostSet set, Settings settings) {
        List<HostInfo> c = Choice.candidates(set);
        this.hosts = c.toArray(HostInfo[]::new);
        this.settings = settings;
        boolean weighted = settings.slowStart().on() || !Choice.equalWeights(c);
        this.edf = hosts.length > 1 && weighted ? new Edf(hosts, this::weight) : null;
    }

    @Override
    public final HostInfo choose(LoadBalancerContext context) {
        if (hosts.length <= 1) {
            return hosts.length == 0 ? null : hosts[0];
        }
        beforePick();
        if (edf == null) {
            return unweighted(context);
        }
        HostInfo pick = null;
        for (int i = 0; i < hosts.length; i++) {
            pick = edf.next();
            if (Choice.acceptable(pick, context)) {
                return pick;
            }
        }
        return pick;
    }

    /** Called once per pick before any weight or load is read (a balancer reads the clock there). */
    void beforePick() {}

    /** The host's weight for the next deadline, before slow start: its configured weight, lowered by its load. */
    abstract double hostWeight(HostInfo h);

    /** A pick when every host weighs the same and slow start is off. */
    abstract HostInfo unweighted(LoadBalancerContext context);

    /** {@link #hostWeight} scaled down while the host is in its slow-start window (MOSN's formula). */
    final double weight(HostInfo h) {
        double w = hostWeight(h);
        SlowStart s = settings.slowStart();
        if (!s.on() || !(h instanceof Host host)) {
            return w;
        }
        long since = host.healthySince();
        if (since == 0) {
            return w;
        }
        long elapsed = System.nanoTime() - since;
        if (elapsed >= s.windowNanos()) {
            return w;
        }
        double f = Math.max(1e9, elapsed) / (double) s.windowNanos(); // MOSN counts at least one second
        if (s.aggression() != 1.0) {
            f = Math.pow(f, 1 / s.aggression());
        }
        return w * Math.max(f, s.minWeightPercent());
    }

    /** A host's configured weight within MOSN's bounds (1..128). */
    static double fixed(HostInfo h) {
        return Math.clamp(h.weight(), 1, 128);
    }

    /** Power of {@code choice} random choices: the least loaded of {@code choice} random draws. */
    final HostInfo leastOfRandom(LoadBalancerContext context) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        HostInfo best = null;
        double bestLoad = 0;
        for (int i = 0; i < settings.choiceCount(); i++) {
            HostInfo h = hosts[r.nextInt(hosts.length)];
            if (!Choice.acceptable(h, context)) {
                continue; // a retry's earlier host
            }
            double load = load(h);
            if (best == null || load < bestLoad) {
                best = h;
                bestLoad = load;
            }
        }
        if (best == null) { // every draw was a host to avoid: the least loaded of the others, if any
            for (HostInfo h : hosts) {
                if (Choice.acceptable(h, context)) {
                    double load = load(h);
                    if (best == null || load < bestLoad) {
                        best = h;
                        bestLoad = load;
                    }
                }
            }
        }
        return best != null ? best : hosts[r.nextInt(hosts.length)];
    }

    /** The load {@link #leastOfRandom} compares (lower is better). */
    double load(HostInfo h) {
        return 0;
    }

    // ---- settings

    /**
     * MOSN's {@code lbconfig} ({@code choice_count}, default 2; {@code active_request_bias},
     * {@code client_error_bias}, {@code server_error_bias}, default 1.0) and {@code slow_start}
     * ({@code mode: "duration"}, {@code slow_start_duration}, {@code aggression} default 1.0,
     * {@code min_weight_percent}, a fraction, default 0.1), and a latency for hosts that have
     * not answered yet.
     */
    record Settings(int choiceCount, double activeRequestBias, double clientErrorBias, double serverErrorBias, SlowStart slowStart) {
        static final Settings DEFAULTS = new Settings(2, 1.0, 1.0, 1.0, SlowStart.OFF);

        static Settings parse(ConfigValue cluster) {
            LbConfig lb = cluster.get("lbconfig").as(LbConfig.class);
            SlowStart slow = SlowStart.parse(cluster.get("slow_start"));
            if (lb == null) {
                return new Settings(2, 1.0, 1.0, 1.0, slow);
            }
            return new Settings(lb.choiceCount(), lb.activeRequestBias(), lb.clientErrorBias(), lb.serverErrorBias(), slow);
        }
    }

    /** {@code lbconfig} as written. */
    public record LbConfig(Integer choiceCount, Double activeRequestBias, Double clientErrorBias, Double serverErrorBias) {
        public LbConfig {
            choiceCount = choiceCount == null || choiceCount == 0 ? 2 : choiceCount;
            if (choiceCount < 1) {
                throw new ConfigException("choice_count", "must be at least 1, got " + choiceCount);
            }
            activeRequestBias = bias(activeRequestBias, "active_request_bias");
            clientErrorBias = bias(clientErrorBias, "client_error_bias");
            serverErrorBias = bias(serverErrorBias, "server_error_bias");
        }

        private static Double bias(Double v, String field) {
            if (v != null && (v < 0 || v.isNaN() || v.isInfinite())) {
                throw new ConfigException(field, "must be 0 or more, got " + v);
            }
            return v == null ? 1.0 : v;
        }
    }

    /** {@code slow_start} as written. */
    public record SlowStartConfig(String mode, Duration slowStartDuration, Double aggression, Double minWeightPercent) {}

    /** Slow start in effect: a host that joined or recovered ramps up over {@code windowNanos}. */
    record SlowStart(long windowNanos, double aggression, double minWeightPercent) {
        static final SlowStart OFF = new SlowStart(0, 1, 0.1);

        boolean on() {
            return windowNanos > 0;
        }

        static SlowStart parse(ConfigValue v) {
            SlowStartConfig c = v.as(SlowStartConfig.class);
            if (c == null || c.mode() == null || c.mode().isBlank()) {
                return OFF;
            }
            if (!c.mode().equals("duration")) {
                // as MOSN: an unregistered mode turns slow start off, with a warning
                v.warn("mode", "unknown slow start mode \"" + c.mode() + "\" (MOSN's is \"duration\"); no slow start");
                return OFF;
            }
            if (c.slowStartDuration() == null || c.slowStartDuration().isZero() || c.slowStartDuration().isNegative()) {
                return OFF;
            }
            double a = c.aggression() == null || c.aggression() <= 0 ? 1.0 : c.aggression();
            double min = c.minWeightPercent() == null || c.minWeightPercent() <= 0 ? 0.1 : c.minWeightPercent();
            if (min > 1) {
                throw new ConfigException(v.path() + ".min_weight_percent", "a fraction of the weight, 0..1 (MOSN's 0.1 is 10%), got " + min);
            }
            return new SlowStart(c.slowStartDuration().toNanos(), a, min);
        }
    }

    // ---- the scheduler

    /** The weight of a host at the moment it is (re)scheduled. */
    @FunctionalInterface
    interface Weigher {
        double weight(HostInfo h);
    }

    /**
     * Earliest deadline first: each host's next deadline is the current time plus 1/weight, so over
     * time a host is picked in proportion to its weight; weights are read again at every pick. Ties
     * go to the host queued first. A binary heap; starts at a random point so event loops and
     * rebuilt balancers do not all start with the same host.
     */
    static final class Edf {
        private final HostInfo[] host;
        private final double[] deadline;
        private final long[] order;
        private final int[] heap;
        private final Weigher weigher;
        private double now;
        private long clock;

        Edf(HostInfo[] hosts, Weigher weigher) {
            int n = hosts.length;
            this.host = hosts;
            this.deadline = new double[n];
            this.order = new long[n];
            this.heap = new int[n];
            this.weigher = weigher;
            for (int i = 0; i < n; i++) {
                deadline[i] = 1.0 / Math.max(1e-9, weigher.weight(hosts[i]));
                order[i] = clock++;
                heap[i] = i;
            }
            for (int i = n / 2 - 1; i >= 0; i--) {
                down(i);
            }
            int skip = ThreadLocalRandom.current().nextInt(n);
            for (int i = 0; i < skip; i++) {
                next();
            }
        }

        HostInfo next() {
            int top = heap[0];
            now = deadline[top];
            deadline[top] = now + 1.0 / Math.max(1e-9, weigher.weight(host[top]));
            order[top] = clock++;
            down(0);
            return host[top];
        }

        private boolean before(int a, int b) {
            return deadline[a] < deadline[b] || (deadline[a] == deadline[b] && order[a] < order[b]);
        }

        private void down(int i) {
            int n = heap.length;
            int item = heap[i];
            while (true) {
                int l = 2 * i + 1;
                if (l >= n) {
                    break;
                }
                int c = l + 1 < n && before(heap[l + 1], heap[l]) ? l + 1 : l;
                if (!before(heap[c], item)) {
                    break;
                }
                heap[i] = heap[c];
                i = c;
            }
            heap[i] = item;
        }
    }
}
