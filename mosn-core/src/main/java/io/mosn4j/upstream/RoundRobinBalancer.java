package io.mosn4j.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LB_ROUNDROBIN}: hosts in turn. Unequal weights are honoured by walking a schedule built
 * once with smooth weighted round-robin (nginx's), so heavy hosts are interleaved, not bunched.
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

    static Host[] buildSchedule(List<Host> hosts) {
        int n = hosts.size();
        int g = 0;
        int total = 0;
        for (Host h : hosts) {
            g = gcd(g, h.weight());
        }
        int[] weight = new int[n];
        for (int i = 0; i < n; i++) {
            weight[i] = g == 0 ? 1 : hosts.get(i).weight() / g;
            total += weight[i];
        }
        int[] current = new int[n];
        List<Host> out = new ArrayList<>(total);
        for (int k = 0; k < total; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += weight[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out.add(hosts.get(best));
        }
        return out.toArray(Host[]::new);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
