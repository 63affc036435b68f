package io.mosn4j.api.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PartialFrameBudgetTest {
    private static final long K = 64 * 1024; // the size from which holders are eviction candidates
    private final List<String> evicted = new ArrayList<>();

    private PartialFrameBudget.Share share(PartialFrameBudget b, String name) {
        return b.share(() -> evicted.add(name));
    }

    @Test
    void holdsAreCountedAndGivenBack() {
        PartialFrameBudget b = new PartialFrameBudget(10 * K);
        PartialFrameBudget.Share a = share(b, "a");
        PartialFrameBudget.Share c = share(b, "c");
        assertThat(a.hold(3 * K)).isTrue();
        assertThat(c.hold(4 * K)).isTrue();
        assertThat(b.used()).isEqualTo(7 * K);
        assertThat(a.hold(0)).isTrue(); // its frame completed
        assertThat(b.used()).isEqualTo(4 * K);
        c.release();
        c.release(); // idempotent
        assertThat(b.used()).isZero();
        assertThat(evicted).isEmpty();
    }

    @Test
    void passingTheLimitEvictsTheLargestHolderNotTheReporter() {
        PartialFrameBudget b = new PartialFrameBudget(10 * K);
        PartialFrameBudget.Share big = share(b, "big");
        PartialFrameBudget.Share small = share(b, "small");
        assertThat(big.hold(8 * K)).isTrue();
        assertThat(small.hold(3 * K)).as("the reporter holds less than the largest: it stays").isTrue();
        assertThat(evicted).containsExactly("big");
        assertThat(big.held()).isNegative();
        assertThat(big.hold(9 * K)).as("an evicted holder reads no more").isFalse();
        assertThat(b.used()).isEqualTo(3 * K);
        big.release(); // its connection closing later gives nothing back twice
        assertThat(b.used()).isEqualTo(3 * K);
    }

    @Test
    void theReporterIsEvictedWhenItHoldsTheMost() {
        PartialFrameBudget b = new PartialFrameBudget(10 * K);
        PartialFrameBudget.Share other = share(b, "other");
        PartialFrameBudget.Share grower = share(b, "grower");
        other.hold(2 * K);
        grower.hold(5 * K);
        assertThat(grower.hold(9 * K)).isFalse();
        assertThat(evicted).containsExactly("grower");
        assertThat(b.used()).isEqualTo(2 * K);
    }

    @Test
    void smallHoldersAreNotCandidatesButTheOneThatPassesTheLimitGoes() {
        PartialFrameBudget b = new PartialFrameBudget(3 * K / 2);
        PartialFrameBudget.Share a = share(b, "a");
        PartialFrameBudget.Share c = share(b, "c");
        a.hold(K - 1); // under the tracking size
        assertThat(c.hold(K - 2)).isFalse();
        assertThat(evicted).containsExactly("c");
        assertThat(a.held()).isEqualTo(K - 1);
    }

    @Test
    void shrinkingNeverEvicts() {
        PartialFrameBudget b = new PartialFrameBudget(K);
        PartialFrameBudget.Share a = share(b, "a");
        PartialFrameBudget.Share c = share(b, "c");
        a.hold(K / 2);
        c.hold(K / 2);
        assertThat(a.hold(K / 4)).isTrue();
        assertThat(evicted).isEmpty();
    }

    @Test
    void unlimitedCostsNothing() {
        PartialFrameBudget.Share s = share(PartialFrameBudget.UNLIMITED, "s");
        assertThat(s.hold(Long.MAX_VALUE / 2)).isTrue();
        assertThat(PartialFrameBudget.UNLIMITED.used()).isZero();
        s.release();
    }

    /** Holders on many threads: what is held never passes the limit by more than one report, and all comes back. */
    @Test
    void concurrentHoldersStayWithinTheLimit() throws Exception {
        PartialFrameBudget b = new PartialFrameBudget(10 * K);
        AtomicInteger evictions = new AtomicInteger();
        int threads = 4;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 0; round < 2000; round++) {
                        PartialFrameBudget.Share s = b.share(evictions::incrementAndGet);
                        for (long n = K; n <= 16 * K; n += 3 * K) {
                            if (!s.hold(n)) {
                                break;
                            }
                            long used = b.used();
                            if (used > 10 * K + threads * 16 * K) {
                                errors.add(new AssertionError("used " + used));
                            }
                        }
                        s.release();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertThat(errors).isEmpty();
        assertThat(b.used()).isZero();
        assertThat(evictions.get()).isPositive();
    }
}
