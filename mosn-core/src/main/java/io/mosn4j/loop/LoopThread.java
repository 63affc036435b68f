package io.mosn4j.loop;

import io.mosn4j.api.network.TurnEnd;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Instant;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event loop's thread (the transport's event loop groups make them). It keeps what requests read many
 * times without a thread-local lookup: the loop's turn of the clock ({@link LoopClock}) and the
 * loop's index among the worker loops (the metrics' per-loop cells: a {@code FastThreadLocal}
 * lookup per counter update was ~5% of a bolt call's CPU).
 */
public final class LoopThread extends FastThreadLocalThread implements TurnEnd {
    /** The index of a thread that is no worker loop's. */
    public static final int NO_INDEX = -1;
    private static final Logger log = LoggerFactory.getLogger(LoopThread.class);

    /** The loop is handling the connections ready this turn ({@link #beginIo} to {@link #endIo}). */
    private boolean inIo;
    /** What the turn's I/O asked to run at its end ({@link #atTurnEnd}). */
    private final ArrayDeque<Runnable> turnEnd = new ArrayDeque<>();

    private long now;
    private boolean read;
    /** The loop marks its turns ({@link #newTurn}); until it does, every read goes to the clock. */
    private boolean turns;
    private int index = NO_INDEX;

    public LoopThread(ThreadGroup group, Runnable task, String name) {
        super(group, task, name);
    }

    /** Makes the calling thread worker loop {@code index}; false when it is no loop thread. */
    public static boolean bindIndex(int index) {
        if (Thread.currentThread() instanceof LoopThread t) {
            t.index = index;
            return true;
        }
        return false;
    }

    /** The worker loop index bound to this thread, or {@link #NO_INDEX}. */
    public int index() {
        return index;
    }

    long nanoTime() {
        if (read) {
            return now;
        }
        long n = System.nanoTime();
        if (turns) {
            now = n;
            read = true;
        }
        return n;
    }

    private long epochOffsetNanos;
    private long epochOffsetAt;
    private boolean epochOffsetSet;

    long epochMillis(long nanos) {
        if (!epochOffsetSet || nanos - epochOffsetAt > 1_000_000_000L) {
            Instant wall = Instant.now(); // microseconds on Linux
            long mono = System.nanoTime();
            epochOffsetNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - mono;
            epochOffsetAt = mono;
            epochOffsetSet = true;
        }
        return Math.floorDiv(nanos + epochOffsetNanos, 1_000_000L);
    }

    /** A turn of the loop begins (before its wait for I/O): the next read is fresh. Only the loop itself calls this. */
    public void newTurn() {
        turns = true;
        read = false;
    }

    /** The loop starts handling the connections ready this turn. Only the loop itself calls this. */
    public void beginIo() {
        inIo = true;
    }

    /**
     * The loop has handled them: runs, in order, what they asked to run at the end ({@link
     * #atTurnEnd}), that work's own requests included. Only the loop itself calls this.
     */
    public void endIo() {
        try {
            for (Runnable work; (work = turnEnd.poll()) != null; ) {
                try {
                    work.run();
                } catch (Throwable e) {
                    log.warn("work at the end of a loop's turn failed", e); // as Netty logs a task that throws
                }
            }
        } finally {
            inIo = false;
        }
    }

    @Override
    public boolean atTurnEnd(Runnable work) {
        if (!inIo) {
            return false;
        }
        turnEnd.add(work);
        return true;
    }
}
