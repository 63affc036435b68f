package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;

/**
 * {@code LB_PEAK_EWMA}: prefers the host expected to answer soonest. A host's score is its latency
 * (a peak-sensitive moving average of its response times, decaying over 10 s) times
 * {@code (active requests + 1) ^ active_request_bias}, divided by its success rate (the moving
 * shares of 4xx and 5xx responses, raised to {@code client_error_bias} and
 * {@code server_error_bias}, at least 0.1), as MOSN scores it. Equal weights: the best of
 * {@code choice_count} random hosts (all of them when there are no more); unequal weights (or
 * slow start): earliest deadline first over {@code weight / score}. A host that has not answered
 * yet scores 0 while it is idle, so it gets tried, and a large penalty while it has requests in flight.
 */
public final class PeakEwmaBalancer extends EdfBalancer {
    /** The score of a busy host with no latency yet: above any real one (100 s). */
    private static final double PENALTY = 100e9;

    PeakEwmaBalancer(HostSet set, Settings settings) {
        super(set, settings);
    }

    /** When the current pick started: every host of one pick is scored at the same moment, with one clock read. */
    private long now;

    double score(HostInfo h) {
        if (!(h instanceof Host host)) {
            return 1;
        }
        Host.Counters c = host.stats();
        long active = c.activeRequests();
        double latency = c.latency.decayed(now);
        if (latency < 0) {
            return active == 0 ? 0 : PENALTY * (active + 1);
        }
        double bias = settings.activeRequestBias();
        double load = bias == 1.0 ? active + 1 : Math.pow(active + 1, bias);
        double success = rate(1 - Math.max(0, c.clientErrors.value()), settings.clientErrorBias())
                * rate(1 - Math.max(0, c.serverErrors.value()), settings.serverErrorBias());
        return latency * load / Math.max(0.1, success);
    }

    /** {@code x ^ bias}, without the cost of {@code Math.pow} for the usual bias 1 or a rate of 1. */
    private static double rate(double x, double bias) {
        return bias == 1.0 || x == 1.0 ? x : Math.pow(x, bias);
    }

    @Override
    void beforePick() {
        now = System.nanoTime();
    }

    @Override
    double hostWeight(HostInfo h) {
        return fixed(h) / Math.max(1_000, score(h)); // at least 1 µs: an unmeasured host weighs a lot, not infinitely
    }

    @Override
    double load(HostInfo h) {
        return score(h);
    }

    @Override
    HostInfo unweighted(LoadBalancerContext context) {
        if (hosts.length > settings.choiceCount()) {
            return leastOfRandom(context);
        }
        // as few hosts as choices: score them all, starting anywhere so ties spread
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(hosts.length);
        HostInfo best = null;
        double bestScore = 0;
        for (int i = 0; i < hosts.length; i++) {
            HostInfo h = hosts[(start + i) % hosts.length];
            if (!Choice.acceptable(h, context)) {
                continue;
            }
            double s = score(h);
            if (best == null || s < bestScore) {
                best = h;
                bestScore = s;
            }
        }
        return best != null ? best : hosts[start];
    }

    /** Registered as {@code LB_PEAK_EWMA}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_PEAK_EWMA";
        }

        @Override
        public Object parse(ConfigValue cluster) {
            return Settings.parse(cluster);
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new PeakEwmaBalancer(hosts, settings instanceof Settings s ? s : Settings.DEFAULTS);
        }
    }
}
