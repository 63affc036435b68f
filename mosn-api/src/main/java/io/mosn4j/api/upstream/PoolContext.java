package io.mosn4j.api.upstream;

import io.netty.channel.EventLoop;

/** What a codec's connection pool is built with. */
public interface PoolContext {
    /** The event loop that owns the pool and its connections. */
    EventLoop eventLoop();

    HostInfo host();

    ClusterInfo cluster();

    Connector connector();

    /** What the codec parsed from the cluster's config at load, or null. */
    Object options();

    /** Where to count what happens (refusals, limits reached); shown by the admin API. */
    default io.mosn4j.api.stats.Stats stats() {
        return io.mosn4j.api.stats.Stats.NONE;
    }

    /**
     * The process's budget for bytes of frames still arriving (upstream connections too: an
     * upstream may start an answer and never finish it), shared with the downstream side.
     */
    default io.mosn4j.api.protocol.PartialFrameBudget partialFrames() {
        return io.mosn4j.api.protocol.PartialFrameBudget.UNLIMITED;
    }
}
