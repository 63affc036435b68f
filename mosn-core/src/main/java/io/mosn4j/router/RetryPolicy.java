package io.mosn4j.router;

import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.config.RetryPolicyConfig;
import java.time.Duration;

/**
 * A route's retry policy ({@code retry_on: true}), compiled. Which failures it retries: a failed
 * connect, a connection lost or reset before the response, a refused stream, an attempt over the
 * per-try timeout, and responses with one of the retriable statuses (any 5xx when none are
 * listed), as MOSN's retry state decides; never an overflow (a full circuit breaker). Whether the
 * request may go again is the proxy's call (body buffered, protocol says it is safe).
 */
public final class RetryPolicy {
    private final int retries;
    private final Duration perTryTimeout;
    private final int[] statuses;

    RetryPolicy(RetryPolicyConfig c) {
        this.retries = c.retries();
        this.perTryTimeout = c.retryTimeout() == null || c.retryTimeout().isZero() ? null : c.retryTimeout();
        this.statuses = c.statusCodes().stream().mapToInt(Integer::intValue).toArray();
    }

    /** How many times a request may be sent again. */
    public int retries() {
        return retries;
    }

    /** The timeout of each attempt ({@code retry_timeout}), or null. */
    public Duration perTryTimeout() {
        return perTryTimeout;
    }

    /** Whether an attempt that ended with {@code reason} is worth another. */
    public boolean retriable(ResetReason reason) {
        return switch (reason) {
            case CONNECT_FAILURE, CONNECTION_TERMINATION, REMOTE_RESET, REFUSED_STREAM, TIMEOUT -> true;
            default -> false;
        };
    }

    /** Whether a response with {@code status} is worth another attempt. */
    public boolean retriable(int status) {
        if (status < 0) {
            return false;
        }
        if (statuses.length == 0) {
            return status >= 500;
        }
        for (int s : statuses) {
            if (s == status) {
                return true;
            }
        }
        return false;
    }
}
