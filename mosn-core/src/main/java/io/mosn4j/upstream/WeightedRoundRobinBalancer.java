package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;

/**
 * {@code LB_WEIGHTED_ROUNDROBIN}: earliest deadline first over the hosts' weights (MOSN's EDF
 * scheduler), so a host of weight 3 takes three picks for every one of a host of weight 1, spread
 * out; with {@code slow_start}, a host that joins or recovers ramps up to its weight. Equal weights
 * without slow start are plain round robin.
 */
public final class WeightedRoundRobinBalancer extends EdfBalancer {
    private int next;

    WeightedRoundRobinBalancer(HostSet set, Settings settings) {
        super(set, settings);
        this.next = hosts.length == 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextInt(hosts.length);
    }

    @Override
    double hostWeight(HostInfo h) {
        return fixed(h);
    }

    @Override
    HostInfo unweighted(LoadBalancerContext context) {
        HostInfo pick = null;
        for (int i = 0; i < hosts.length; i++) {
            pick = hosts[next];
            next = next + 1 == hosts.length ? 0 : next + 1;
            if (Choice.acceptable(pick, context)) {
                return pick;
            }
        }
        return pick;
    }

    /** Registered as {@code LB_WEIGHTED_ROUNDROBIN}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_WEIGHTED_ROUNDROBIN";
        }

        @Override
        public Object parse(ConfigValue cluster) {
            return Settings.parse(cluster);
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new WeightedRoundRobinBalancer(hosts, settings instanceof Settings s ? s : Settings.DEFAULTS);
        }
    }
}
