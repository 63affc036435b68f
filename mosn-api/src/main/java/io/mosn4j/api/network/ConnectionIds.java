package io.mosn4j.api.network;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection ids, unique in the process across downstream and upstream connections (as MOSN's):
 * what {@code %connection_id%} and {@code %upstream_connection_id%} print.
 */
public final class ConnectionIds {
    private static final AtomicLong NEXT = new AtomicLong();

    private ConnectionIds() {}

    public static long next() {
        return NEXT.incrementAndGet();
    }
}
