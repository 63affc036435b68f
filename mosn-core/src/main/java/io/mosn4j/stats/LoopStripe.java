package io.mosn4j.stats;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * Which per-loop cell a thread writes: each worker event loop binds its index once at start; any
 * other thread (acceptor, admin, timers of the JDK) gets {@link #SHARED} and writes atomically.
 * On an event loop the lookup is an array read ({@link FastThreadLocal}), not a hash.
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
        INDEX.get()[0] = index;
    }

    static int current() {
        return INDEX.get()[0];
    }
}
