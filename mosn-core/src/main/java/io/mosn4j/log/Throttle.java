package io.mosn4j.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line per interval for an event that may repeat thousands of times a second (a
 * refused connection, an accept failure, an unreachable upstream): the first occurrence is logged
 * at once, later ones only once the interval passed, saying how many the quiet time swallowed.
 * Shared by the event loops, lock-free.
 */
public final class Throttle {
    private final long intervalNanos;
    /** When the last line was written; starts an interval in the past so the first event is logged. */
    private final AtomicLong lastLine;
    private final AtomicLong swallowed = new AtomicLong();

    public Throttle(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
        this.lastLine = new AtomicLong(System.nanoTime() - intervalNanos);
    }

    /**
     * Records one event: returns -1 when its line is not due (counted as swallowed), else how many
     * events were swallowed since the last line (0 or more), and the caller writes the line.
     */
    public long due() {
        long now = System.nanoTime();
        long last = lastLine.get();
        if (now - last < intervalNanos || !lastLine.compareAndSet(last, now)) {
            swallowed.incrementAndGet();
            return -1;
        }
        return swallowed.getAndSet(0);
    }

    /** " (N more since the last line)" when N > 0, else "": the tail of a throttled line. */
    public static String more(long swallowed, String what) {
        return swallowed > 0 ? " (" + swallowed + " more " + what + " since the last line)" : "";
    }
}
