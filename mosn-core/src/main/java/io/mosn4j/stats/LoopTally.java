package io.mosn4j.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one object (a host's active and total requests, a metrics group's counters and
 * gauges) that every event loop updates on its requests and any thread reads. Each loop adds to a row of its own,
 * made by that loop the first time it counts here: a plain add published with an opaque store, no
 * lock and no atomic read-modify-write (a {@link java.util.concurrent.atomic.LongAdder} costs an
 * atomic instruction per update even when nobody contends). Threads that are not loops share an
 * atomic row. A read sums the rows: exact once the writers stop, never torn.
 *
 * <p>It needs no loop count up front (a host is made before, and apart from, the server's loops),
 * and holds rows only up to the highest loop that counted here: a cluster of thousands of hosts
 * served by two loops holds two rows per host.
 */
public final class LoopTally {
    /** Loops past this count in the shared row (no loop count comes near it). */
    static final int MAX_LOOPS = 1024;
    /** Longs each side of a row's counters: two loops' rows never share a cache line. */
    private static final int PAD = 8;
    private static final long[][] NO_ROWS = {};
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int size;
    private final AtomicLongArray shared;
    /** Row i is loop i's (null until it counts); replaced by a longer copy when a higher loop comes. */
    private volatile long[][] rows = NO_ROWS;

    /** @param size how many counters */
    public LoopTally(int size) {
        this.size = size;
        this.shared = new AtomicLongArray(size);
    }

    public void add(int counter, long n) {
        int s = LoopStripe.current();
        if (s >= 0 && s < MAX_LOOPS) {
            long[][] r = rows;
            long[] row = s < r.length ? r[s] : null;
            if (row == null) {
                row = newRow(s);
            }
            int i = counter + PAD;
            LONGS.setOpaque(row, i, row[i] + n); // only this loop writes its row
        } else {
            shared.getAndAdd(counter, n);
        }
    }

    /** Once per loop: its row, in a copy of the rows long enough for it (rows already made are kept). */
    private synchronized long[] newRow(int s) {
        long[][] r = rows;
        long[][] longer = s < r.length ? r.clone() : Arrays.copyOf(r, s + 1);
        long[] row = new long[size + 2 * PAD];
        longer[s] = row;
        rows = longer;
        return row;
    }

    public long sum(int counter) {
        long v = shared.get(counter);
        for (long[] row : rows) {
            if (row != null) {
                v += (long) LONGS.getOpaque(row, counter + PAD);
            }
        }
        return v;
    }
}
