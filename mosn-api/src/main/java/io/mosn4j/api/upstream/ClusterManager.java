package io.mosn4j.api.upstream;

import io.netty.channel.EventLoop;

/**
 * The clusters of the running proxy, by name, as each event loop sees them. A cluster update
 * reaches every event loop shortly after it is made; a stream works with the view of its own loop.
 */
public interface ClusterManager {
    /** The clusters as {@code loop} sees them; cache it per connection. */
    WorkerClusters forEventLoop(EventLoop loop);

    /** Whether a cluster of this name exists now (for checks at config load). */
    boolean contains(String name);
}
