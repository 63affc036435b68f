package io.mosn4j.api.upstream;

import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.ResetReason;

/** The result of {@link ConnectionPool#acquire}; called once, on the pool's event loop. */
public interface PoolCallback {
    /** A connection able to carry one more stream; the caller opens it with {@code newStream} or gives it back. */
    void onReady(ClientConnection connection);

    /**
     * No connection: {@link ResetReason#CONNECT_FAILURE} (refused, timed out),
     * {@link ResetReason#OVERFLOW} (a circuit breaker), {@link ResetReason#CONNECTION_TERMINATION}
     * (the pool is draining). {@code cause} says more, for logs; may be null.
     */
    void onFailure(ResetReason reason, Throwable cause);
}
