package io.mosn4j.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A few counters of one object (a host's active and total requests, its connections) that every
 * event loop updates on its requests and any thread reads. Each loop adds to a row of its own,
 * made by that loop the first time it counts here: a plain add published with an opaque store, no
 * lock and no atomic read-modify-write (a {@link java.util.concurrent.atomic.LongAdder} costs an
 * atomic instruction per update even when nobody contends). Threads that are not loops, and loops
 * past {@link #MAX_LOOPS}, share an atomic row. A read sums the rows: exact once the writers stop,
 * never torn.
 *
 * <p>Unlike {@link LoopCells} it needs no loop count up front (a host is made before, and apart
 * from, the server's loops) and holds no row for a loop that never counts here.
 */
public final class LoopTally {
    static final int MAX_LOOPS = 64;
    /** Longs each side of a row's counters: two loops' rows never share a cache line. */
    private static final int PAD = 8;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ROWS = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle USED;

    static {
        try {
            USED = MethodHandles.lookup().findVarHandle(LoopTally.class, "used", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int size;
    private final long[][] rows = new long[MAX_LOOPS][];
    private final AtomicLongArray shared;
    /** One past the highest row made: reads sum no further. */
    @SuppressWarnings("unused") // through USED
    private volatile int used;

    /** @param size how many counters */
    public LoopTally(int size) {
        this.size = size;
        this.shared = new AtomicLongArray(size);
    }

    public void add(int counter, long n) {
        int s = LoopStripe.current();
        if (s >= 0 && s < MAX_LOOPS) {
            long[] row = rows[s];
            if (row == null) {
                row = newRow(s);
            }
            int i = counter + PAD;
            LONGS.setOpaque(row, i, row[i] + n); // only this loop writes its row
        } else {
            shared.getAndAdd(counter, n);
        }
    }

    private long[] newRow(int s) {
        long[] row = new long[size + 2 * PAD];
        ROWS.setRelease(rows, s, row);
        int u;
        do {
            u = (int) USED.getVolatile(this);
        } while (u <= s && !USED.compareAndSet(this, u, s + 1));
        return row;
    }

    public long sum(int counter) {
        long v = shared.get(counter);
        int u = (int) USED.getAcquire(this);
        for (int s = 0; s < u; s++) {
            long[] row = (long[]) ROWS.getAcquire(rows, s);
            if (row != null) {
                v += (long) LONGS.getOpaque(row, counter + PAD);
            }
        }
        return v;
    }
}
