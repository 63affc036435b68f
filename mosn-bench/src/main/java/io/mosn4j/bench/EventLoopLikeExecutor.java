package io.mosn4j.bench;

import io.mosn4j.loop.LoopThread;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JMH's worker threads as the proxy's event loop threads are ({@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=} this class): {@link LoopThread}s, Netty {@link FastThreadLocalThread}s that
 * also carry the loop's index for the metrics' per-loop cells. On any other thread Netty behaves
 * differently in ways a codec benchmark sees: the pooled allocator keeps no per-thread cache there
 * by default (every buffer comes from the shared arena), and {@code ByteBuf.toString} on a direct
 * buffer allocates a scratch array per call instead of reusing a thread-local one.
 */
public final class EventLoopLikeExecutor extends ThreadPoolExecutor {
    /** The constructor JMH's {@code CUSTOM} executor type calls. */
    public EventLoopLikeExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threads(prefix));
    }

    private static java.util.concurrent.ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new LoopThread(null, r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
