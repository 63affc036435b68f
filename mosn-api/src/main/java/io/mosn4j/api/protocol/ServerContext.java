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

    /** The process's budget for bytes of frames still arriving, shared by every connection of every codec. */
    default PartialFrameBudget partialFrames() {
        return PartialFrameBudget.UNLIMITED;
    }
}
