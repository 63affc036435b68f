package io.mosn4j.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LB_ROUNDROBIN}: hosts in turn. Unequal weights are honoured by walking a schedule built
 * once (see {@link #buildSchedule}), so heavy hosts are interleaved, not bunched.
 */
final class RoundRobinBalancer implements LoadBalancer {
    private final Host[] schedule;
    private final AtomicLong next = new AtomicLong();

    RoundRobinBalancer(List<Host> hosts) {
        this.schedule = buildSchedule(hosts);
    }

    @Override
    public Host choose() {
        if (schedule.length <= 1) {
            return schedule.length == 0 ? null : schedule[0];
        }
        return schedule[(int) Math.floorMod(next.getAndIncrement(), (long) schedule.length)];
    }

    /**
     * One cycle of picks with each host appearing weight/gcd times: always the host with the most
     * picks left, never the one just picked while another is left. The heaviest host leads each
     * cycle and light hosts end it, so no host is picked twice in a row, across cycles too,
     * whenever the weights allow it.
     */
    static Host[] buildSchedule(List<Host> hosts) {
        int n = hosts.size();
        int g = 0;
        for (Host h : hosts) {
            g = gcd(g, h.weight());
        }
        int[] left = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            left[i] = g == 0 ? 1 : hosts.get(i).weight() / g;
            total += left[i];
        }
        Host[] out = new Host[total];
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
