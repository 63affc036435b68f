package io.mosn4j.filter.ipaccess;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The info lines of one configured {@code ip_access} filter: at most one a second, however many
 * requests it refuses (a flood from a denied range must not flood the log); a line says how many
 * refusals the quiet time before it swallowed. Shared by the event loops, lock-free.
 */
final class RefusalLog {
    private static final Logger log = LoggerFactory.getLogger(IpAccessFilterFactory.class);
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final String where;
    /** When the last line was written; starts a second in the past so the first refusal is logged. */
    private final AtomicLong lastLine;
    private final AtomicLong suppressed = new AtomicLong();

    RefusalLog(String where) {
        this(where, System.nanoTime());
    }

    RefusalLog(String where, long nowNanos) {
        this.where = where;
        this.lastLine = new AtomicLong(nowNanos - INTERVAL_NANOS);
    }

    /**
     * Records one refusal of {@code client} (else of the header value {@code named}, which is no
     * address); returns whether its line was due (and written, if info is on). Formats nothing
     * for a refusal it does not write.
     */
    boolean refused(InetAddress client, String named, long nowNanos) {
        long last = lastLine.get();
        if (nowNanos - last < INTERVAL_NANOS || !lastLine.compareAndSet(last, nowNanos)) {
            suppressed.incrementAndGet();
            return false;
        }
        long more = suppressed.getAndSet(0);
        if (log.isInfoEnabled()) {
            String who = client != null ? client.getHostAddress() : named != null ? "\"" + named + "\"" : "an unknown address";
            if (more > 0) {
                log.info("{}: refused {} (and {} more requests since the last line)", where, who, more);
            } else {
                log.info("{}: refused {}", where, who);
            }
        }
        return true;
    }
}
