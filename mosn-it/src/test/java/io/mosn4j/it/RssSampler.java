package io.mosn4j.it;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a running mosn's resident set size every 100 ms until closed; {@link #maxMib()} is the peak. */
final class RssSampler implements AutoCloseable {
    private final AtomicLong maxKib = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    RssSampler(MosnProcess mosn) {
        thread = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
            while (running.get()) {
                maxKib.accumulateAndGet(mosn.rssKib(), Math::max);
                MosnProcess.sleep(100);
            }
        });
    }

    long maxKib() {
        return maxKib.get();
    }

    long maxMib() {
        return maxKib.get() / 1024;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(2000);
    }
}
