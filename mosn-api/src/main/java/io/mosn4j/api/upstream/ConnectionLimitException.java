package io.mosn4j.api.upstream;

import java.net.ConnectException;

/**
 * A {@link Connector} did not connect because the cluster's {@code max_connections} is reached: a
 * pool with connections of its own lets the request wait for one of them rather than fail it.
 */
public final class ConnectionLimitException extends ConnectException {
    private static final long serialVersionUID = 1L;

    public ConnectionLimitException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an expected outcome, not a bug: no stack trace to fill
    }
}
