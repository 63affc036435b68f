package io.mosn4j.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters of one metrics group, one {@code long[]} per event loop (only that loop's thread
 * writes it: a plain add made visible with an opaque store, no lock, no CAS) plus one atomic array
 * for any other thread. A read sums them. Arrays are padded so two loops never share a cache line.
 */
final class LoopCells {
    static final int CAPACITY = 48;
    private static final int PAD = 8;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[][] loops;
    private final AtomicLongArray shared = new AtomicLongArray(CAPACITY);

    LoopCells(int loopCount) {
        loops = new long[loopCount][];
        for (int i = 0; i < loopCount; i++) {
            loops[i] = new long[CAPACITY + 2 * PAD];
        }
    }

    void add(int slot, long n) {
        int s = LoopStripe.current();
        if (s >= 0 && s < loops.length) {
            long[] a = loops[s];
            int i = slot + PAD;
            LONGS.setOpaque(a, i, a[i] + n); // only this loop writes a: a plain read of its own value
        } else {
            shared.getAndAdd(slot, n);
        }
    }

    long sum(int slot) {
        long v = shared.get(slot);
        for (long[] a : loops) {
            v += (long) LONGS.getOpaque(a, slot + PAD);
        }
        return v;
    }
}
