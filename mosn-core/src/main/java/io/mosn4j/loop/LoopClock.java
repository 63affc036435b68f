package io.mosn4j.loop;

/**
 * The monotonic clock ({@link System#nanoTime()}) as a loop's timers and upstream latencies read it:
 * on an event loop's thread, read once per turn of the loop (at the first use after the loop's wait
 * for I/O) and kept for the rest of that turn, as nginx keeps its time per turn. A request asked for
 * the time ~8 times, at ~24 ns a read on this machine (~11% of a bolt call's loop samples); the
 * pipelined calls of one turn now share these readings. A turn's reading is as old as the turn's
 * work before it (microseconds under load), finer than any timeout or upstream latency it feeds; a
 * request's own durations (the access log's) still read the clock itself, or the proxy's few
 * microseconds of work would show as 0. On any other thread (and on loops that do not mark their
 * turns: the NIO transport) this is the clock.
 */
public final class LoopClock {
    private LoopClock() {}

    public static long nanoTime() {
        return Thread.currentThread() instanceof LoopThread t ? t.nanoTime() : System.nanoTime();
    }

    /**
     * The wall-clock time, in epoch milliseconds, of the monotonic reading {@code nanos} (a
     * {@link System#nanoTime()} value): what an access log prints as a request's start. On an event
     * loop from the loop's offset between the two clocks, taken again once a second (a step of the
     * wall clock shows within a second); elsewhere from both clocks read now.
     */
    public static long epochMillis(long nanos) {
        return Thread.currentThread() instanceof LoopThread t
                ? t.epochMillis(nanos)
                : System.currentTimeMillis() - (System.nanoTime() - nanos) / 1_000_000;
    }
}
