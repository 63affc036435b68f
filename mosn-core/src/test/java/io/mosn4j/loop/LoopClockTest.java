package io.mosn4j.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoopClockTest {
    @Test
    void aMonotonicReadingBecomesTheWallClockTimeOnAndOffLoops() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable check = () -> {
            try {
                long before = System.currentTimeMillis();
                long nanos = System.nanoTime();
                long at = LoopClock.epochMillis(nanos);
                long after = System.currentTimeMillis();
                assertThat(at).isBetween(before - 1, after + 1);
                // a reading 1.5 s ago is 1.5 s earlier, also past the loop's once-a-second offset
                assertThat(LoopClock.epochMillis(nanos - 1_500_000_000L)).isBetween(at - 1_501, at - 1_499);
                assertThat(LoopClock.epochMillis(nanos + 2_000_000_000L)).isBetween(at + 1_999, at + 2_001);
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        check.run();
        assertThat(failure.get()).isNull();
        Thread loop = new LoopThread(null, check, "loop-clock-test");
        loop.start();
        loop.join();
        assertThat(failure.get()).isNull();
    }
}
