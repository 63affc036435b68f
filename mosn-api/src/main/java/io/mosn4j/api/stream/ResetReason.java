package io.mosn4j.api.stream;

/** Why a stream ended abnormally. */
public enum ResetReason {
    /** The upstream connection could not be established. */
    CONNECT_FAILURE,
    /** The connection carrying the stream closed or failed before the stream ended. */
    CONNECTION_TERMINATION,
    /** The peer reset the stream. */
    REMOTE_RESET,
    /** This side gave up on the stream (cancel, shutdown). */
    LOCAL_RESET,
    /** The request or response did not complete in time. */
    TIMEOUT,
    /** A limit was exceeded (pending requests, connections). */
    OVERFLOW,
    /** The peer broke the protocol. */
    PROTOCOL_ERROR,
    /**
     * The peer did not process the stream (HTTP/2 REFUSED_STREAM, or a stream above the last id
     * of its GOAWAY): the request may safely be sent again.
     */
    REFUSED_STREAM
}
