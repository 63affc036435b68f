package io.mosn4j.proxy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Requests in flight on one event loop for one listener: written only by that loop (no shared
 * atomic on the hot path), read by whoever waits for a drain.
 */
final class StreamCounter {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(StreamCounter.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through COUNT
    private long count;

    /** On the owning loop. */
    void increment() {
        COUNT.setOpaque(this, (long) COUNT.getOpaque(this) + 1);
    }

    /** On the owning loop. */
    void decrement() {
        COUNT.setOpaque(this, (long) COUNT.getOpaque(this) - 1);
    }

    /** From any thread: eventually exact. */
    long get() {
        return (long) COUNT.getOpaque(this);
    }
}
