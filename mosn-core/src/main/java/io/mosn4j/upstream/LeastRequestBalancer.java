package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;

/**
 * {@code LB_LEAST_REQUEST} and {@code LB_LEAST_CONNECTION}, as MOSN (and Envoy) define them: with
 * equal weights, the host with the fewest active requests (connections) of {@code choice_count}
 * random ones (the power of two choices); with unequal weights (or slow start), earliest deadline
 * first over {@code weight / (active + 1) ^ active_request_bias}. The counts are the host's,
 * across every event loop.
 */
public final class LeastRequestBalancer extends EdfBalancer {
    private final boolean connections;
    private final double bias;

    LeastRequestBalancer(HostSet set, Settings settings, boolean connections) {
        super(set, settings);
        this.connections = connections;
        this.bias = settings.activeRequestBias();
    }

    private long active(HostInfo h) {
        return connections ? h.stats().activeConnections() : h.stats().activeRequests();
    }

    @Override
    double hostWeight(HostInfo h) {
        double w = fixed(h);
        if (bias == 0) {
            return w;
        }
        double a = active(h) + 1;
        return w / (bias == 1.0 ? a : Math.pow(a, bias));
    }

    @Override
    double load(HostInfo h) {
        return active(h);
    }

    @Override
    HostInfo unweighted(LoadBalancerContext context) {
        return leastOfRandom(context);
    }

    /** Registered as {@code LB_LEAST_REQUEST}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_LEAST_REQUEST";
        }

        @Override
        public Object parse(ConfigValue cluster) {
            return Settings.parse(cluster);
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new LeastRequestBalancer(hosts, settings instanceof Settings s ? s : Settings.DEFAULTS, false);
        }
    }

    /** Registered as {@code LB_LEAST_CONNECTION}. */
    public static final class ConnectionFactory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_LEAST_CONNECTION";
        }

        @Override
        public Object parse(ConfigValue cluster) {
            return Settings.parse(cluster);
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new LeastRequestBalancer(hosts, settings instanceof Settings s ? s : Settings.DEFAULTS, true);
        }
    }
}
