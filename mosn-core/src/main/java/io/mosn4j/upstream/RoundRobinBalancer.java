package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.List;

/**
 * {@code LB_ROUNDROBIN}: hosts in turn. Unequal weights are honoured by walking a schedule built
 * once (see {@link #buildSchedule}), so heavy hosts are interleaved, not bunched. One instance per
 * event loop: its cursor is a plain field, no shared atomic on the hot path.
 */
public final class RoundRobinBalancer implements LoadBalancer {
    private final HostInfo[] schedule;
    private int next;

    RoundRobinBalancer(List<HostInfo> hosts) {
        this.schedule = buildSchedule(hosts);
        // loops start at different places, so together they do not all pick the first host first
        this.next = schedule.length == 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextInt(schedule.length);
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        if (schedule.length <= 1) {
            return schedule.length == 0 ? null : schedule[0];
        }
        HostInfo pick = null;
        for (int attempt = 0; attempt < schedule.length; attempt++) {
            pick = schedule[next];
            next = next + 1 == schedule.length ? 0 : next + 1;
            if (Choice.acceptable(pick, context)) {
                return pick;
            }
        }
        return pick;
    }

    /** Registered as {@code LB_ROUNDROBIN}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_ROUNDROBIN";
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new RoundRobinBalancer(Choice.candidates(hosts));
        }
    }

    /**
     * One cycle of picks with each host appearing weight/gcd times: always the host with the most
     * picks left, never the one just picked while another is left. The heaviest host leads each
     * cycle and light hosts end it, so no host is picked twice in a row, across cycles too,
     * whenever the weights allow it.
     */
    static HostInfo[] buildSchedule(List<? extends HostInfo> hosts) {
        int n = hosts.size();
        int g = 0;
        for (HostInfo h : hosts) {
            g = gcd(g, h.weight());
        }
        int[] left = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            left[i] = g == 0 ? 1 : hosts.get(i).weight() / g;
            total += left[i];
        }
        HostInfo[] out = new HostInfo[total];
        int prev = -1;
        for (int k = 0; k < total; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (left[i] > 0 && i != prev && (best < 0 || left[i] > left[best]
                        || (left[i] == left[best] && hosts.get(i).weight() > hosts.get(best).weight()))) {
                    best = i;
                }
            }
            if (best < 0) {
                best = prev; // only the previous host has picks left
            }
            left[best]--;
            out[k] = hosts.get(best);
            prev = best;
        }
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
