package io.mosn4j.api.protocol;

import java.time.Duration;

/** What a codec's server side is installed with. */
public interface ServerContext {
    /** What {@link ProtocolCodec#serverOptions} returned for this listener, or null. */
    Object options();

    /** How long a draining connection waits for its streams in flight ({@code graceful_timeout}). */
    Duration gracefulTimeout();

    /** The listener the connection came in on, for log lines. */
    String listenerName();

    /** Where to count what happens (refusals, limits reached); shown by the admin API. */
    default io.mosn4j.api.stats.Stats stats() {
        return io.mosn4j.api.stats.Stats.NONE;
    }

    /**
     * How long a client may take to send a request's header block, from its first byte (the
     * listener's {@code request_headers_timeout}); zero for no limit. A codec whose protocol has
     * request heads closes a connection that takes longer.
     */
    default Duration requestHeadersTimeout() {
        return Duration.ZERO;
    }

    /** The process's budget for bytes of frames still arriving, shared by every connection of every codec. */
    default PartialFrameBudget partialFrames() {
        return PartialFrameBudget.UNLIMITED;
    }
}
