package io.mosn4j.api.network;

import io.netty.channel.Channel;

/**
 * One configured network filter of a filter chain, shared by the chain's connections. A network
 * filter works on a connection's bytes, so it is a Netty pipeline stage: {@link #install} adds its
 * handlers to each accepted connection, in the chain's order.
 */
public interface NetworkFilter {

    /** Adds this filter's handlers to {@code channel}'s pipeline; on the channel's event loop. */
    void install(Channel channel);

    /**
     * Requests in flight through this filter (all connections, all event loops), which a draining
     * listener waits for; 0 for filters without requests.
     */
    default long activeStreams() {
        return 0;
    }
}
