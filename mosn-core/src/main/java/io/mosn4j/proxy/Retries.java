package io.mosn4j.proxy;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.router.RetryPolicy;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * One request's retries under its route's retry policy: how many are left, the hosts tried (a
 * retry asks the balancer to avoid them), and the request body kept to send again. The body is
 * kept as it goes upstream (retained views of the same bytes, no copy) as long as it stays within
 * {@code limit} bytes (the listener's per-connection buffer limit, Envoy's rule); a larger body is
 * let go at once and the request is then never retried. Everything kept is released when the
 * response is accepted or the stream ends. Lives on the stream's event loop.
 */
final class Retries {
    /** MOSN waits this long before a retry. */
    static final long BACKOFF_NANOS = 10_000_000L;

    private static final Object END = new Object();

    final RetryPolicy policy;
    int left;
    private final long limit;
    /** Body chunks (retained views), trailers, and END after the last one. */
    private ArrayDeque<Object> body;
    private long bytes;
    private boolean overflow;

    Retries(RetryPolicy policy, long limit) {
        this.policy = policy;
        this.left = policy.retries();
        this.limit = limit;
    }

    /** Whether the request can be sent again: its body (so far) is kept. */
    boolean replayable() {
        return !overflow;
    }

    /** Keeps a view of {@code data}, which the caller goes on to send (and so releases). */
    void keep(ByteBuf data, boolean end) {
        if (overflow) {
            return;
        }
        bytes += data.readableBytes();
        if (bytes > limit) {
            overflow = true;
            release();
            return;
        }
        body().add(data.retainedDuplicate());
        if (end) {
            body.add(END);
        }
    }

    void keep(Headers trailers) {
        if (!overflow) {
            body().add(trailers);
        }
    }

    private ArrayDeque<Object> body() {
        if (body == null) {
            body = new ArrayDeque<>(4);
        }
        return body;
    }

    /** Sends what was kept on {@code attempt}, in order: the body so far, and its end or trailers when they came. */
    void replay(UpstreamRequest attempt) {
        if (body == null) {
            return;
        }
        Object[] items = body.toArray();
        for (int i = 0; i < items.length; i++) {
            Object item = items[i];
            if (item instanceof ByteBuf b) {
                boolean end = i + 1 < items.length && items[i + 1] == END;
                attempt.sendData(b.retainedDuplicate(), end);
            } else if (item instanceof Headers trailers) {
                attempt.sendTrailers(trailers);
            }
        }
    }

    /** Lets go of the kept body. Idempotent. */
    void release() {
        if (body != null) {
            Object item;
            while ((item = body.poll()) != null) {
                if (item instanceof ByteBuf b) {
                    b.release();
                }
            }
        }
    }

    /** The hosts of earlier attempts, so retries go elsewhere when another host exists. */
    static final class Tried {
        private HostInfo[] hosts = new HostInfo[2];
        private int count;

        void add(HostInfo h) {
            if (h == null || contains(h)) {
                return;
            }
            if (count == hosts.length) {
                hosts = java.util.Arrays.copyOf(hosts, count * 2);
            }
            hosts[count++] = h;
        }

        boolean contains(HostInfo h) {
            for (int i = 0; i < count; i++) {
                if (hosts[i] == h) {
                    return true;
                }
            }
            return false;
        }
    }
}
