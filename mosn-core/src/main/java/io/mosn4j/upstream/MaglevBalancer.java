package io.mosn4j.upstream;

import io.mosn4j.api.upstream.Hashing;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code LB_MAGLEV}: consistent hashing with Google's Maglev table (65537 entries; 655373 from
 * 30,000 hosts, as MOSN sizes it), filled in proportion to the hosts' weights as Envoy does. The
 * request's key is its route's {@code hash_policy} ({@link LoadBalancerContext#hashKey()}); a
 * request without one goes to a random entry. The table is built over the healthy hosts, so when
 * one fails only its share moves; a retry rehashes to another host.
 */
public final class MaglevBalancer implements LoadBalancer {
    static final int SMALL_M = 65537;
    static final int BIG_M = 655373;

    private final HostInfo[] hosts;
    private final int[] table;

    MaglevBalancer(HostSet set) {
        List<HostInfo> c = Choice.candidates(set);
        this.hosts = c.toArray(HostInfo[]::new);
        this.table = hosts.length == 0 ? new int[0] : build(hosts, hosts.length >= 30_000 ? BIG_M : SMALL_M);
    }

    /** Envoy's weighted Maglev: each round, a host claims its next preferred free entry when its weight allows. */
    static int[] build(HostInfo[] hosts, int m) {
        int n = hosts.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        double[] weight = new double[n];
        double[] target = new double[n];
        double max = 0;
        double sum = 0;
        for (HostInfo h : hosts) {
            sum += Math.max(1, h.weight());
        }
        for (int i = 0; i < n; i++) {
            String key = hosts[i].address();
            offset[i] = Long.remainderUnsigned(Hashing.hash(key, 0), m);
            skip[i] = Long.remainderUnsigned(Hashing.hash(key, 1), m - 1) + 1;
            weight[i] = Math.max(1, hosts[i].weight()) / sum;
            max = Math.max(max, weight[i]);
        }
        for (int i = 0; i < n; i++) {
            target[i] = max;
        }
        int[] table = new int[m];
        java.util.Arrays.fill(table, -1);
        int filled = 0;
        for (long iteration = 1; filled < m; iteration++) {
            for (int i = 0; i < n && filled < m; i++) {
                // a host of the largest weight claims an entry every round, one of a third of it every third round
                if (iteration * weight[i] < target[i]) {
                    continue;
                }
                target[i] += max;
                int c = (int) ((offset[i] + skip[i] * next[i]) % m);
                while (table[c] >= 0) {
                    next[i]++;
                    c = (int) ((offset[i] + skip[i] * next[i]) % m);
                }
                table[c] = i;
                next[i]++;
                filled++;
            }
        }
        return table;
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        if (hosts.length <= 1) {
            return hosts.length == 0 ? null : hosts[0];
        }
        long key = keyOf(context);
        HostInfo pick = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            pick = hosts[table[(int) Long.remainderUnsigned(key, table.length)]];
            if (Choice.acceptable(pick, context)) {
                return pick;
            }
            key = Hashing.mix(key + attempt + 1); // a retry: another entry, the same for every retry of this key
        }
        return pick;
    }

    /** The request's hash key, or a random one when it has none (Envoy's rule). */
    static long keyOf(LoadBalancerContext context) {
        long k = context == null ? -1 : context.hashKey();
        return k < 0 ? ThreadLocalRandom.current().nextLong() : k;
    }

    /** Registered as {@code LB_MAGLEV}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_MAGLEV";
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new MaglevBalancer(hosts);
        }
    }
}
