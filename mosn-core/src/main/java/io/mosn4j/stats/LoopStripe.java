package io.mosn4j.stats;

import io.mosn4j.loop.LoopThread;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Which per-loop cell a thread writes: each worker event loop binds its index once at start; any
 * other thread (admin, timers of the JDK) gets {@link #SHARED} and writes atomically.
 * On a loop thread ({@link LoopThread}) the index is a field of the thread; elsewhere a {@link FastThreadLocal}.
 */
public final class LoopStripe {
    public static final int SHARED = -1;
    private static final FastThreadLocal<int[]> INDEX = new FastThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[] {SHARED};
        }
    };

    private LoopStripe() {}

    /** Called once on worker loop {@code index}'s own thread. */
    public static void bind(int index) {
        if (!LoopThread.bindIndex(index)) {
            INDEX.get()[0] = index;
        }
    }

    static int current() {
        // a loop thread carries its index: no thread-local lookup per counter update
        if (Thread.currentThread() instanceof LoopThread t) {
            int index = t.index();
            return index == LoopThread.NO_INDEX ? SHARED : index;
        }
        return INDEX.get()[0];
    }
}
