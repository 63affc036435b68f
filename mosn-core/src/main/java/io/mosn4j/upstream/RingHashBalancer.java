package io.mosn4j.upstream;

import io.mosn4j.api.upstream.Hashing;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.Arrays;
import java.util.List;

/**
 * {@code LB_RINGHASH}: Envoy's ring hash (Ketama), which MOSN reads from xDS as maglev; here it is
 * a ring. Each healthy host gets 512 points per unit of weight on a ring of 64-bit hashes of its
 * address, so a host keeps its points whatever the other hosts do, and when one leaves only its
 * keys move (Envoy sizes the ring from the host count instead, which moves
 * some keys of every host). A ring over 1M points is scaled down, each host keeping at least one.
 * A request goes to the first point at or after its {@code hash_policy} key, wrapping around; a
 * request without a key goes to a random point; a retry walks on to the next host of the ring.
 */
public final class RingHashBalancer implements LoadBalancer {
    static final int POINTS_PER_WEIGHT = 512;
    static final long MAX_POINTS = 1 << 20;
    /** Hosts a ring can hold: their index sits in a point's low bits. */
    static final int MAX_HOSTS = 1 << 20;
    private static final long OWNER_MASK = MAX_HOSTS - 1;

    private final long[] points;
    private final HostInfo[] owners;
    /**
     * For each value of a key's top {@code 64 - shift} bits, the first point at or above it: a
     * lookup searches only the few points of its bucket instead of the whole ring.
     */
    private final int[] bucketStart;
    private final int shift;

    RingHashBalancer(HostSet set) {
        List<HostInfo> all = Choice.candidates(set);
        List<HostInfo> c = all.size() > MAX_HOSTS ? all.subList(0, MAX_HOSTS) : all;
        long weights = 0;
        for (HostInfo h : c) {
            weights += Math.max(1, h.weight());
        }
        double perWeight = weights * POINTS_PER_WEIGHT <= MAX_POINTS ? POINTS_PER_WEIGHT : (double) MAX_POINTS / weights;
        int size = 0;
        int[] counts = new int[c.size()];
        for (int i = 0; i < c.size(); i++) {
            counts[i] = Math.max(1, (int) (Math.max(1, c.get(i).weight()) * perWeight));
            size += counts[i];
        }
        // a point is its hash with the owner's index in the low 20 bits (a 2^-44 loss of precision on the
        // ring), so the ring sorts as one primitive array: rebuilding 500k points stays cheap
        long[] sorted = new long[size];
        int k = 0;
        for (int i = 0; i < c.size(); i++) {
            String a = c.get(i).address();
            for (int j = 0; j < counts[i]; j++) {
                long point = (Hashing.hash(a + "_" + j) & ~OWNER_MASK) | i;
                sorted[k++] = point ^ Long.MIN_VALUE; // the signed order of the flipped value is the unsigned order
            }
        }
        Arrays.sort(sorted);
        points = new long[size];
        owners = new HostInfo[size];
        for (int i = 0; i < size; i++) {
            long point = sorted[i] ^ Long.MIN_VALUE;
            points[i] = point;
            owners[i] = c.get((int) (point & OWNER_MASK));
        }
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, size))); // about one point per bucket
        shift = 64 - bits;
        bucketStart = new int[(1 << bits) + 1];
        int p = 0;
        for (int b = 0; b <= 1 << bits; b++) {
            while (p < size && (points[p] >>> shift) < b) {
                p++;
            }
            bucketStart[b] = p;
        }
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        if (points.length == 0) {
            return null;
        }
        int i = first(MaglevBalancer.keyOf(context));
        HostInfo pick = owners[i];
        if (Choice.acceptable(pick, context)) {
            return pick;
        }
        for (int step = 1; step < points.length; step++) { // a retry: the next other host along the ring
            HostInfo h = owners[(i + step) % points.length];
            if (Choice.acceptable(h, context)) {
                return h;
            }
        }
        return pick;
    }

    /** The index of the first point at or after {@code key} (unsigned), wrapping to 0. */
    private int first(long key) {
        int b = (int) (key >>> shift);
        int lo = bucketStart[b];
        int hi = bucketStart[b + 1];
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(points[mid], key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == points.length ? 0 : lo;
    }

    int ringSize() {
        return points.length;
    }

    /** Registered as {@code LB_RINGHASH} (Envoy's {@code RING_HASH}). */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_RINGHASH";
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new RingHashBalancer(hosts);
        }
    }
}
