package io.mosn4j.api.stream;

import io.netty.buffer.ByteBuf;

/**
 * Receives the events of one direction of a stream, in order: headers, then zero or more data
 * chunks, then optionally trailers; or a reset at any point. The last event carries
 * {@code endStream = true} (trailers always end the stream).
 *
 * <p>All calls arrive on the event loop that owns the stream.
 */
public interface StreamReceiver {

    void onHeaders(Headers headers, boolean endStream);

    /** Takes ownership of {@code data}: the receiver releases it or passes it on. */
    void onData(ByteBuf data, boolean endStream);

    void onTrailers(Headers trailers);

    /** The stream ended abnormally; no further events follow. */
    void onReset(ResetReason reason);

    /**
     * The sending side of this stream (see {@link StreamSender}) became congested ({@code false})
     * or drained ({@code true}). The receiver should stop or resume feeding it.
     */
    default void onWritabilityChanged(boolean writable) {}

    /** Convenience for receivers that do not stream: releases {@code data}. */
    static void discard(ByteBuf data) {
        data.release();
    }
}
