package io.mosn4j.stats;

import io.mosn4j.api.stats.Histogram;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A histogram kept per event loop as log-linear buckets (16 per power of two: a value is known to
 * within 1/16, ~6%), plus count, sum, min and max. A loop's array is made on its first record and
 * then only that loop writes it (opaque stores); other threads share one array updated under its
 * monitor (rare: nothing on a request's path runs there). Percentiles are computed on scrape from
 * the summed buckets, as the upper bound of the bucket the rank falls in.
 */
public final class LoopHistogram implements Histogram {
    private static final int SUB = 16;
    private static final int LINEAR = 2 * SUB;
    /** Values are clamped to 2^46 - 1 (nanoseconds: 19.5 hours). */
    private static final int MAX_EXP = 45;
    static final int BUCKETS = LINEAR + (MAX_EXP - 4) * SUB;
    private static final int COUNT = BUCKETS;
    private static final int SUM = BUCKETS + 1;
    private static final int MIN = BUCKETS + 2;
    private static final int MAX = BUCKETS + 3;
    private static final int LENGTH = BUCKETS + 4;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ARRAYS = MethodHandles.arrayElementVarHandle(long[][].class);

    private final long[][] loops;
    private final long[] shared = fresh();

    LoopHistogram(int loopCount) {
        loops = new long[loopCount][];
    }

    private static long[] fresh() {
        long[] a = new long[LENGTH];
        a[MIN] = Long.MAX_VALUE;
        a[MAX] = Long.MIN_VALUE;
        return a;
    }

    static int bucket(long v) {
        if (v < LINEAR) {
            return (int) Math.max(v, 0);
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        if (exp > MAX_EXP) {
            return BUCKETS - 1;
        }
        int shift = exp - 4;
        return LINEAR + (exp - 5) * SUB + (int) ((v >>> shift) - SUB);
    }

    /** The largest value bucket {@code i} holds. */
    static long upperBound(int i) {
        if (i < LINEAR) {
            return i;
        }
        int exp = (i - LINEAR) / SUB + 5;
        long sub = (i - LINEAR) % SUB + SUB;
        return ((sub + 1) << (exp - 4)) - 1;
    }

    @Override
    public void record(long value) {
        long v = Math.max(value, 0);
        int s = LoopStripe.current();
        if (s >= 0 && s < loops.length) {
            long[] a = loops[s];
            if (a == null) {
                a = fresh();
                ARRAYS.setRelease(loops, s, a);
            }
            int b = bucket(v);
            LONGS.setOpaque(a, b, a[b] + 1); // only this loop writes a
            LONGS.setOpaque(a, COUNT, a[COUNT] + 1);
            LONGS.setOpaque(a, SUM, a[SUM] + v);
            if (v < a[MIN]) {
                LONGS.setOpaque(a, MIN, v);
            }
            if (v > a[MAX]) {
                LONGS.setOpaque(a, MAX, v);
            }
        } else {
            synchronized (shared) {
                shared[bucket(v)]++;
                shared[COUNT]++;
                shared[SUM] += v;
                shared[MIN] = Math.min(shared[MIN], v);
                shared[MAX] = Math.max(shared[MAX], v);
            }
        }
    }

    /** The loops' arrays summed, at one moment per loop. */
    Snapshot snapshot() {
        long[] total = fresh();
        synchronized (shared) {
            add(total, shared);
        }
        for (int i = 0; i < loops.length; i++) {
            long[] a = (long[]) ARRAYS.getAcquire(loops, i);
            if (a != null) {
                add(total, a);
            }
        }
        return new Snapshot(total);
    }

    private static void add(long[] total, long[] a) {
        for (int i = 0; i < BUCKETS + 2; i++) {
            total[i] += (long) LONGS.getOpaque(a, i);
        }
        total[MIN] = Math.min(total[MIN], (long) LONGS.getOpaque(a, MIN));
        total[MAX] = Math.max(total[MAX], (long) LONGS.getOpaque(a, MAX));
    }

    /** A summed view: count, sum, min, max and percentiles. */
    public record Snapshot(long[] cells) {
        public long count() {
            return cells[COUNT];
        }

        public long sum() {
            return cells[SUM];
        }

        public long min() {
            return cells[COUNT] == 0 ? 0 : cells[MIN];
        }

        public long max() {
            return cells[COUNT] == 0 ? 0 : cells[MAX];
        }

        /** The value below which {@code p} percent of the recorded values fall (within a bucket), 0 when empty. */
        public long percentile(double p) {
            long n = 0;
            for (int i = 0; i < BUCKETS; i++) {
                n += cells[i];
            }
            if (n == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(p / 100.0 * n));
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += cells[i];
                if (seen >= rank) {
                    return Math.min(upperBound(i), max());
                }
            }
            return max();
        }
    }
}
