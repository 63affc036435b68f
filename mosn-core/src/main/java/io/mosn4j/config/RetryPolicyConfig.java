package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * A route's {@code retry_policy}: with {@code retry_on} true, a failed attempt is sent again, up
 * to {@code num_retries} times (MOSN's default 3 when unset): after a failed connect, a connection
 * lost or reset before the response, an attempt taking longer than {@code retry_timeout}, or a
 * response whose status is one of {@code status_codes} (any 5xx when none are given).
 */
public record RetryPolicyConfig(Boolean retryOn, Duration retryTimeout, Integer numRetries, List<Integer> statusCodes) {
    public RetryPolicyConfig {
        retryOn = retryOn != null && retryOn;
        if (retryTimeout != null && retryTimeout.isNegative()) {
            throw new ConfigException("retry_timeout", "must not be negative");
        }
        if (numRetries != null && numRetries < 0) {
            throw new ConfigException("num_retries", "must not be negative, got " + numRetries);
        }
        statusCodes = ConfigLists.copy(statusCodes, "status_codes");
        for (int i = 0; i < statusCodes.size(); i++) {
            int c = statusCodes.get(i);
            if (c < 100 || c > 599) {
                throw new ConfigException("status_codes[" + i + "]", "must be an HTTP status 100..599, got " + c);
            }
        }
    }

    /** The retries allowed: num_retries, or MOSN's 3 when it is unset or 0. */
    public int retries() {
        return numRetries == null || numRetries == 0 ? 3 : numRetries;
    }
}
