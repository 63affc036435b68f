package io.mosn4j.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The loop's timer wheel on a hand-driven clock: timers fire on time (never early, at most a tick
 * late), callbacks may disarm or re-arm others, and the work of arming and disarming stays the same
 * whether ten or a hundred thousand timers are armed (counted in wheel operations, not measured in
 * time). Issue 10 item 7: with the old per-connection lists, disarming was a linear search, so n
 * requests in flight on one connection cost O(n^2).
 */
class StreamTimeoutsTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long TICK = StreamTimeouts.TICK_NANOS;

    /** A clock moved by hand and the one task the wheel has scheduled. */
    static final class ManualDriver implements StreamTimeouts.Driver {
        long now = 1_000_000_000L;
        Runnable task;
        long taskAt;
        int schedules;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            assertThat(this.task).as("one tick scheduled at a time").isNull();
            this.task = task;
            this.taskAt = now + delayNanos;
            schedules++;
        }

        /** Moves the clock to {@code until}, running the wheel's tick whenever it is due (as the loop would). */
        void advanceTo(long until) {
            while (task != null && taskAt <= until) {
                now = Math.max(now, taskAt);
                Runnable t = task;
                task = null;
                t.run();
            }
            now = until;
        }
    }

    static final class Probe extends StreamTimeouts.Timer {
        final ManualDriver clock;
        long deadline;
        long firedAt = -1;
        int fired;
        Runnable onFire;

        Probe(ManualDriver clock) {
            this.clock = clock;
        }

        @Override
        void onTimeout() {
            fired++;
            firedAt = clock.now;
            if (onFire != null) {
                onFire.run();
            }
        }
    }

    private static Probe arm(StreamTimeouts wheel, ManualDriver d, long timeout) {
        Probe p = new Probe(d);
        p.deadline = d.now + timeout;
        wheel.arm(p, timeout);
        return p;
    }

    @Test
    void timersFireOnTimeNeverEarlyAtMostATickLate() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        Random r = new Random(42);
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            // from 1 ns to 90 s: past several turns of the wheel
            long timeout = 1 + (long) (r.nextDouble() * 90_000 * MS);
            probes.add(arm(wheel, d, timeout));
            d.advanceTo(d.now + r.nextInt(3) * MS);
        }
        d.advanceTo(d.now + 100_000 * MS);
        for (Probe p : probes) {
            assertThat(p.fired).isEqualTo(1);
            assertThat(p.firedAt).as("never early").isGreaterThanOrEqualTo(p.deadline);
            assertThat(p.firedAt - p.deadline).as("at most a tick late").isLessThanOrEqualTo(TICK);
        }
        assertThat(wheel.armed()).isZero();
    }

    @Test
    void disarmedTimersNeverFireAndReArmingMovesTheDeadline() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        Probe a = arm(wheel, d, 100 * MS);
        Probe b = arm(wheel, d, 100 * MS);
        wheel.disarm(a);
        wheel.disarm(a); // twice: nothing
        d.advanceTo(d.now + 50 * MS);
        b.deadline = d.now + 200 * MS;
        wheel.arm(b, 200 * MS);
        d.advanceTo(d.now + 1000 * MS);
        assertThat(a.fired).isZero();
        assertThat(b.fired).isEqualTo(1);
        assertThat(b.firedAt).isGreaterThanOrEqualTo(b.deadline);
        assertThat(wheel.armed()).isZero();
    }

    @Test
    void armEarlierKeepsTheFirstOfTwoDeadlines() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        // a caller's deadline of 100 ms, then a route timeout of 300 ms from 50 ms on: the deadline stays
        Probe p = new Probe(d);
        wheel.armEarlier(p, 100 * MS);
        p.deadline = d.now + 100 * MS;
        d.advanceTo(d.now + 50 * MS);
        wheel.armEarlier(p, 300 * MS);
        d.advanceTo(p.deadline - 1);
        assertThat(p.fired).isZero();
        d.advanceTo(p.deadline + TICK);
        assertThat(p.fired).isEqualTo(1);
        assertThat(p.firedAt).isGreaterThanOrEqualTo(p.deadline);
        // a deadline of 500 ms, then a route timeout of 100 ms: the timer moves to the earlier one, and fires once
        Probe q = new Probe(d);
        wheel.armEarlier(q, 500 * MS);
        wheel.armEarlier(q, 100 * MS);
        q.deadline = d.now + 100 * MS;
        assertThat(wheel.armed()).isEqualTo(1);
        d.advanceTo(d.now + 1000 * MS);
        assertThat(q.fired).isEqualTo(1);
        assertThat(q.firedAt).isGreaterThanOrEqualTo(q.deadline);
        assertThat(q.firedAt - q.deadline).isLessThanOrEqualTo(TICK);
        assertThat(wheel.armed()).isZero();
    }

    @Test
    void aCallbackMayDisarmOrReArmTimersDueInTheSameTick() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        Probe first = arm(wheel, d, 30 * MS);
        Probe second = arm(wheel, d, 30 * MS);
        Probe third = arm(wheel, d, 30 * MS);
        // whichever fires first ends the others, as a stream ending disarms its other timers
        Runnable endAll = () -> {
            wheel.disarm(first);
            wheel.disarm(second);
            wheel.disarm(third);
        };
        first.onFire = endAll;
        second.onFire = endAll;
        third.onFire = endAll;
        Probe again = arm(wheel, d, 30 * MS);
        again.onFire = () -> {
            if (again.fired == 1) {
                wheel.arm(again, 40 * MS); // an idle timer that saw progress re-arms itself
            }
        };
        d.advanceTo(d.now + 1000 * MS);
        assertThat(first.fired + second.fired + third.fired).isEqualTo(1);
        assertThat(again.fired).isEqualTo(2);
        assertThat(wheel.armed()).isZero();
    }

    @Test
    void aLateLoopFiresEverythingDueOnceItRuns() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        List<Probe> probes = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            probes.add(arm(wheel, d, i * 7 * MS)); // up to 21 s: two turns of the wheel
        }
        // the loop was blocked for 30 s: the first tick after it runs fires every timer
        d.now += 30_000 * MS;
        Runnable t = d.task;
        d.task = null;
        t.run();
        assertThat(probes).allSatisfy(p -> assertThat(p.fired).isEqualTo(1));
        assertThat(wheel.armed()).isZero();
    }

    @Test
    void noTickIsScheduledWhileNothingIsArmed() {
        ManualDriver d = new ManualDriver();
        StreamTimeouts wheel = new StreamTimeouts(d);
        Probe p = arm(wheel, d, 50 * MS);
        wheel.disarm(p);
        d.advanceTo(d.now + 1000 * MS); // the pending tick runs once, finds nothing, stops
        assertThat(d.task).isNull();
        int schedules = d.schedules;
        d.advanceTo(d.now + 60_000 * MS);
        assertThat(d.schedules).isEqualTo(schedules);
        // one request at a time (arm, disarm, arm...) schedules at most one tick per tick period
        for (int i = 0; i < 1000; i++) {
            wheel.disarm(arm(wheel, d, 60_000 * MS));
        }
        assertThat(d.schedules).isEqualTo(schedules + 1);
    }

    /**
     * n requests in flight, each arming its route timeout and its idle timer, then answered: the
     * wheel operations per arm and per disarm are the same at n = 1,000 and n = 160,000 (the old
     * lists needed up to n steps per disarm). Then n timers expiring: each is visited at most once
     * per turn of the wheel before it fires, so the work per timer is fixed by its timeout, not by n.
     */
    @Test
    void armAndDisarmCostDoesNotGrowWithTheTimersArmed() {
        int[] sizes = {1_000, 20_000, 160_000};
        double[] perOp = new double[sizes.length];
        double[] perExpiry = new double[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            ManualDriver d = new ManualDriver();
            StreamTimeouts wheel = new StreamTimeouts(d);
            List<Probe> route = new ArrayList<>(n);
            List<Probe> idle = new ArrayList<>(n);
            long before = wheel.operations();
            for (int i = 0; i < n; i++) {
                route.add(arm(wheel, d, 60_000 * MS));
                idle.add(arm(wheel, d, 300_000 * MS));
            }
            assertThat(wheel.armed()).isEqualTo(2 * n);
            // answered in arrival order, as a busy keep-alive connection answers them
            for (int i = 0; i < n; i++) {
                wheel.disarm(route.get(i));
                wheel.disarm(idle.get(i));
            }
            perOp[s] = (wheel.operations() - before) / (4.0 * n);

            // n timers that all expire: a 30 s route timeout is three turns of the wheel
            for (int i = 0; i < n; i++) {
                arm(wheel, d, 30_000 * MS);
            }
            long beforeExpiry = wheel.operations();
            d.advanceTo(d.now + 31_000 * MS);
            assertThat(wheel.armed()).isZero();
            perExpiry[s] = (wheel.operations() - beforeExpiry) / (double) n;
        }
        System.out.printf("StreamTimeouts: wheel operations per arm or disarm %s, per expired 30 s timer %s, at %s timers%n",
                java.util.Arrays.toString(perOp), java.util.Arrays.toString(perExpiry), java.util.Arrays.toString(sizes));
        for (int s = 0; s < sizes.length; s++) {
            assertThat(perOp[s]).as("operations per arm or disarm at %d timers", sizes[s]).isEqualTo(1.0);
            // three visits (one per turn) + the move to the due list (unlink, link) + its unlink when fired
            assertThat(perExpiry[s]).as("operations per expired timer at %d timers", sizes[s]).isLessThanOrEqualTo(6.0);
        }
    }
}
