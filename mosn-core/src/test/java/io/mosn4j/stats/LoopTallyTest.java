package io.mosn4j.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.loop.LoopThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LoopTallyTest {
    private static final int ADDS = 200_000;

    @Test
    void loopsOtherThreadsAndLoopsPastTheRowsAllCount() throws Exception {
        LoopTally tally = new LoopTally(3);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        // loops 5 and 0 get rows of their own (the rows grow for 5, then 0 fills a gap); a loop past
        // the rows' bound and a plain thread share the atomic row
        for (int index : new int[] {5, 0, LoopTally.MAX_LOOPS + 3}) {
            threads.add(new LoopThread(null, () -> {
                LoopStripe.bind(index);
                count(tally, start);
            }, "loop-" + index));
        }
        threads.add(new Thread(() -> count(tally, start), "not-a-loop"));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }

        assertThat(tally.sum(0)).isEqualTo(4L * ADDS);
        assertThat(tally.sum(1)).isZero(); // every thread added and took away as much
        assertThat(tally.sum(2)).isEqualTo(4L * 7);
    }

    @Test
    void readsWhileLoopsCountSeeNoTornOrNegativeTotals() throws Exception {
        LoopTally tally = new LoopTally(1);
        CountDownLatch start = new CountDownLatch(1);
        Thread loop = new LoopThread(null, () -> {
            LoopStripe.bind(2);
            count(tally, start);
        }, "loop-2");
        loop.start();
        start.countDown();
        long last = 0;
        for (int i = 0; i < 10_000 && loop.isAlive(); i++) {
            long now = tally.sum(0);
            assertThat(now).isBetween(last, (long) ADDS); // one writer per row: never goes back
            last = now;
        }
        loop.join(10_000);
        assertThat(tally.sum(0)).isEqualTo(ADDS);
    }

    private static void count(LoopTally tally, CountDownLatch start) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (int i = 0; i < ADDS; i++) {
            tally.add(0, 1);
            tally.add(1, 1);
            tally.add(1, -1);
        }
        tally.add(2, 7);
    }
}
