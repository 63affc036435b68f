package io.mosn4j.proxy;

import io.mosn4j.loop.LoopClock;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * The request timeouts (route timeout, caller deadline, stream idle) of every stream of one event
 * loop: a hashed timing wheel driven by that loop, with each {@link Timer} a node of an intrusive
 * doubly-linked list. Arming links a node into the slot of its deadline and disarming unlinks it:
 * a few pointer writes and a clock read, whatever the number of timers armed, and nothing
 * allocated. One scheduled task per loop ticks the wheel every {@link #TICK_NANOS} while any timer
 * is armed; a tick visits the timers of one slot and fires those due, so a timer is visited once
 * per turn of the wheel ({@link #SLOTS} ticks) until it fires or is disarmed.
 *
 * <p>A timer fires on the first tick at or after its deadline: never early, at most a tick late
 * (more when the loop itself is late). Not thread-safe: everything runs on the loop.
 */
final class StreamTimeouts implements Runnable {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** A power of two: 10.24 s per turn, so a 60 s route timeout is visited six times before it fires. */
    static final int SLOTS = 1024;
    private static final int MASK = SLOTS - 1;
    /** The list of timers found due by the tick in progress, not fired yet. */
    private static final int DUE = SLOTS;
    private static final int UNARMED = -1;

    /** Something that expires: a node of the wheel's lists (so arming allocates nothing). */
    abstract static class Timer {
        private Timer prev;
        private Timer next;
        private long deadlineTick;
        private int slot = UNARMED;

        /** Called on the loop when the deadline passed; the timer is no longer armed. */
        abstract void onTimeout();

        final boolean isArmed() {
            return slot != UNARMED;
        }
    }

    /** What drives the wheel: the clock and the loop's scheduler (a test passes its own). */
    interface Driver {
        long nanoTime();

        void schedule(Runnable task, long delayNanos);
    }

    private final Driver driver;
    /** Slot heads; {@code heads[DUE]} holds timers a tick found due while it fires them one by one. */
    private final Timer[] heads = new Timer[SLOTS + 1];
    private final long origin;
    /** The last tick processed. */
    private long tick;
    private int armed;
    private boolean scheduled;
    /** Nodes linked, unlinked and visited: the wheel's whole work, for tests that check it does not grow with the timers armed. */
    private long operations;

    StreamTimeouts(EventLoop loop) {
        this(new Driver() {
            @Override
            public long nanoTime() {
                return LoopClock.nanoTime();
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    StreamTimeouts(Driver driver) {
        this.driver = driver;
        this.origin = driver.nanoTime();
    }

    /** Arms {@code timer} to fire {@code timeoutNanos} from now (re-arms it if it was armed). */
    void arm(Timer timer, long timeoutNanos) {
        if (timer.slot != UNARMED) {
            disarm(timer);
        }
        timer.deadlineTick = dueTick(timeoutNanos);
        link(timer, (int) (timer.deadlineTick & MASK));
        if (armed++ == 0 && !scheduled) {
            scheduleNextTick();
        }
    }

    /**
     * Arms {@code timer} to fire {@code timeoutNanos} from now unless it is armed to fire by then
     * already: one timer for several deadlines that all end the same way (a stream's route timeout
     * and its caller's deadline), firing at the first.
     */
    void armEarlier(Timer timer, long timeoutNanos) {
        if (timer.slot == UNARMED || dueTick(timeoutNanos) < timer.deadlineTick) {
            arm(timer, timeoutNanos);
        }
    }

    /** The first tick at or after {@code timeoutNanos} from now, and after the last tick processed. */
    private long dueTick(long timeoutNanos) {
        // elapsed is never negative but for an overflow: the clock only moves on
        long elapsed = driver.nanoTime() - origin + Math.max(0, timeoutNanos);
        long due = elapsed < 0 ? Long.MAX_VALUE / 2 : (elapsed + TICK_NANOS - 1) / TICK_NANOS;
        return Math.max(due, tick + 1);
    }

    /** Disarms {@code timer}; nothing happens if it is not armed. */
    void disarm(Timer timer) {
        if (timer.slot == UNARMED) {
            return;
        }
        unlink(timer);
        armed--;
    }

    /** Timers armed (due ones not fired yet included). */
    int armed() {
        return armed;
    }

    long operations() {
        return operations;
    }

    /** A tick: fires every timer whose deadline tick has come, in every slot the loop's lateness skipped. */
    @Override
    public void run() {
        scheduled = false;
        long now = (driver.nanoTime() - origin) / TICK_NANOS;
        if (now > tick) {
            // slots of ticks tick+1..now, each once (all of them when the loop was a whole turn late)
            long from = Math.max(tick + 1, now - MASK);
            for (long t = from; t <= now; t++) {
                collectDue((int) (t & MASK), now);
            }
            tick = now;
            fireDue();
        }
        if (armed > 0 && !scheduled) { // a callback arming a timer may have scheduled it already
            scheduleNextTick();
        }
    }

    private void collectDue(int slot, long now) {
        Timer t = heads[slot];
        while (t != null) {
            Timer next = t.next;
            operations++;
            if (t.deadlineTick <= now) {
                unlink(t);
                link(t, DUE);
            }
            t = next;
        }
    }

    /** Fires the due timers one at a time: a callback may disarm (or re-arm) any other, due ones included. */
    private void fireDue() {
        Timer t;
        while ((t = heads[DUE]) != null) {
            unlink(t);
            armed--;
            t.onTimeout();
        }
    }

    private void scheduleNextTick() {
        scheduled = true;
        long next = origin + (tick + 1) * TICK_NANOS;
        driver.schedule(this, Math.max(0, next - driver.nanoTime()));
    }

    private void link(Timer t, int slot) {
        operations++;
        Timer head = heads[slot];
        t.slot = slot;
        t.prev = null;
        t.next = head;
        if (head != null) {
            head.prev = t;
        }
        heads[slot] = t;
    }

    private void unlink(Timer t) {
        operations++;
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            heads[t.slot] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        t.slot = UNARMED;
    }
}
