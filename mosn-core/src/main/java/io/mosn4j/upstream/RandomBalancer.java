package io.mosn4j.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** {@code LB_RANDOM}: a host at random, in proportion to its weight. */
final class RandomBalancer implements LoadBalancer {
    private final Host[] hosts;
    private final int[] cumulative;
    private final int total;

    RandomBalancer(List<Host> hosts) {
        this.hosts = hosts.toArray(Host[]::new);
        this.cumulative = new int[this.hosts.length];
        int sum = 0;
        for (int i = 0; i < this.hosts.length; i++) {
            sum += this.hosts[i].weight();
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    @Override
    public Host choose() {
        if (hosts.length <= 1) {
            return hosts.length == 0 ? null : hosts[0];
        }
        int r = ThreadLocalRandom.current().nextInt(total);
        for (int i = 0; i < cumulative.length; i++) {
            if (r < cumulative[i]) {
                return hosts[i];
            }
        }
        return hosts[hosts.length - 1];
    }
}
