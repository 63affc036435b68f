package io.mosn4j.api.stream;

import io.netty.buffer.ByteBuf;

/**
 * Sends one direction of a stream through a codec (a response on a downstream connection, a
 * request on an upstream one), and controls the opposite direction's flow.
 *
 * <p>Call only from the event loop that owns the stream. Calls after the stream ended or was
 * reset are ignored, and any buffer passed is released.
 */
public interface StreamSender {

    void sendHeaders(Headers headers, boolean endStream);

    /** Takes ownership of {@code data}. */
    void sendData(ByteBuf data, boolean endStream);

    /** Ends the stream with trailers (dropped by codecs that cannot carry them). */
    void sendTrailers(Headers trailers);

    /** Aborts the stream; the peer sees a reset (HTTP/1: the connection closes). */
    void reset(ResetReason reason);

    /**
     * Stops ({@code true}) or resumes ({@code false}) the delivery of the opposite direction's
     * events, which pushes back on the peer (HTTP/1: stop reading the socket; HTTP/2: withhold
     * window updates). Calls nest: each disable needs its enable.
     */
    void readDisable(boolean disable);

    /** Whether the send buffer is below its high watermark. */
    boolean isWritable();

    /**
     * A request's sender, asked after its complete response came before the request's end: whether
     * the rest of the request can still be sent on this stream, ending it whole, so that the
     * connection serves another request afterwards (HTTP/1: a keep-alive answer), instead of a reset
     * that closes it. The caller then sends the rest, or resets when it cannot. False by default.
     */
    default boolean takesRestAfterResponse() {
        return false;
    }
}
