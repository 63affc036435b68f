package io.mosn4j.api.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes every connection of the process together may hold for frames still arriving
 * ({@code servers[0].partial_frames_buffer_limit_bytes}): what a decoder has buffered of a frame
 * whose last byte has not come yet. A protocol's own frame limit (bolt 64 MiB) bounds one
 * connection; this bounds them all, so a few clients that start large frames and never finish them
 * cannot take the memory other clients' requests need.
 *
 * <p>Each connection takes a {@link Share} and reports what it holds after every read. When a
 * report takes the total past the limit, the connection holding the most is evicted (its
 * {@code onEvict} closes it, which frees its bytes), until the total is back under the limit: the
 * reporter itself when nobody holds more. As Envoy's overload manager resets the streams with the
 * largest buffers, the largest partial frame is the one most likely to be the cause and the one
 * whose loss frees the most.
 *
 * <p>Thread-safe. A share is reported to from its connection's event loop; an eviction may come
 * from any loop. Reports that change nothing cost no shared write, so connections whose reads end
 * on frame boundaries never touch the shared total.
 */
public final class PartialFrameBudget {
    /** No limit: shares cost nothing (unit tests, config checks). */
    public static final PartialFrameBudget UNLIMITED = new PartialFrameBudget(Long.MAX_VALUE);

    /** Holders of at least this many bytes are the candidates for eviction; smaller ones only evict themselves. */
    static final long TRACKED = 64 * 1024;

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(Share.class, "held", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final Set<Share> tracked = ConcurrentHashMap.newKeySet();

    /** @param limit the most bytes held at once, over 0 */
    public PartialFrameBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** Bytes held now by all shares. */
    public long used() {
        return used.get();
    }

    /**
     * A new holder's share.
     *
     * @param onEvict run once, on whatever thread evicts the holder, to close its connection; its
     *     share is already released then
     */
    public Share share(Runnable onEvict) {
        return new Share(onEvict);
    }

    private void makeRoom(Share reporter) {
        while (used.get() > limit) {
            Share victim = reporter;
            long most = reporter.held();
            for (Share s : tracked) {
                long h = s.held();
                if (h > most) {
                    most = h;
                    victim = s;
                }
            }
            if (most <= 0) {
                return; // nothing left that could be taken away
            }
            victim.evict();
        }
    }

    /** What one connection holds. */
    public final class Share {
        private final Runnable onEvict;
        /** Bytes held; -1 once released or evicted. Written by the owner's loop, or once by an evicting one. */
        @SuppressWarnings("unused") // through HELD
        private volatile long held;

        private Share(Runnable onEvict) {
            this.onEvict = onEvict;
        }

        /** Bytes held now, or -1 once released or evicted. */
        public long held() {
            return held;
        }

        /**
         * Reports that the holder now holds {@code bytes} of partial frames. False when the holder
         * has been evicted (now or before): its {@code onEvict} ran, and it should read no further.
         */
        public boolean hold(long bytes) {
            long before = held;
            if (before < 0) {
                return false;
            }
            if (bytes == before || limit == Long.MAX_VALUE) {
                return true;
            }
            if (!HELD.compareAndSet(this, before, bytes)) {
                return false; // evicted meanwhile
            }
            long total = used.addAndGet(bytes - before);
            if (bytes >= TRACKED && before < TRACKED) {
                tracked.add(this);
                if (held < 0) {
                    tracked.remove(this); // evicted between the two lines above
                }
            } else if (bytes < TRACKED && before >= TRACKED) {
                tracked.remove(this);
            }
            if (bytes > before && total > limit) {
                makeRoom(this);
            }
            return held >= 0;
        }

        /** The holder is gone (its connection closed): gives its bytes back. Idempotent. */
        public void release() {
            takeAway();
        }

        private boolean takeAway() {
            long h = (long) HELD.getAndSet(this, -1L);
            if (h < 0) {
                return false;
            }
            if (h > 0) {
                used.addAndGet(-h);
            }
            if (h >= TRACKED) {
                tracked.remove(this);
            }
            return true;
        }

        private void evict() {
            if (takeAway()) {
                onEvict.run();
            }
        }
    }
}
