package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** {@code LB_RANDOM}: a host at random, in proportion to its weight. */
public final class RandomBalancer implements LoadBalancer {
    private final HostInfo[] hosts;
    private final int[] cumulative;
    private final int total;

    RandomBalancer(List<HostInfo> hosts) {
        this.hosts = hosts.toArray(HostInfo[]::new);
        this.cumulative = new int[this.hosts.length];
        int sum = 0;
        for (int i = 0; i < this.hosts.length; i++) {
            sum += this.hosts[i].weight();
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        if (hosts.length <= 1) {
            return hosts.length == 0 ? null : hosts[0];
        }
        HostInfo pick = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a retry asks for another host: a few more draws
            pick = draw();
            if (Choice.acceptable(pick, context)) {
                return pick;
            }
        }
        int start = ThreadLocalRandom.current().nextInt(hosts.length); // unlucky draws: the next acceptable host
        for (int i = 0; i < hosts.length; i++) {
            HostInfo h = hosts[(start + i) % hosts.length];
            if (Choice.acceptable(h, context)) {
                return h;
            }
        }
        return pick;
    }

    /** A host at random in proportion to weight: a binary search of the cumulative weights (10 steps for 1,000 hosts). */
    private HostInfo draw() {
        int r = ThreadLocalRandom.current().nextInt(total);
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r < cumulative[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hosts[lo];
    }

    /** Registered as {@code LB_RANDOM}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_RANDOM";
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new RandomBalancer(Choice.candidates(hosts));
        }
    }
}
