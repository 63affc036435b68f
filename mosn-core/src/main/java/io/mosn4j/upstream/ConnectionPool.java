package io.mosn4j.upstream;

import io.mosn4j.api.stream.ClientConnection;

/**
 * Upstream connections to one host, owned by one event loop, for one protocol: HTTP/1 hands out
 * an idle keep-alive connection per stream, HTTP/2 a stream slot on a shared connection.
 */
public interface ConnectionPool {

    /** The result of {@link #acquire}: called on the pool's event loop. */
    interface Callback {
        void onReady(ClientConnection connection);

        void onFailure(Throwable cause);
    }

    /** Finds or opens a connection able to carry one more stream and hands it to {@code callback}. */
    void acquire(Callback callback);
}
