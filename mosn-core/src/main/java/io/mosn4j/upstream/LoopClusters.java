package io.mosn4j.upstream;

import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.WorkerClusters;
import io.mosn4j.network.Transport;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;

/** The clusters as one event loop sees them; changed only by tasks run on that loop. */
final class LoopClusters implements WorkerClusters {
    private final EventLoop loop;
    private final Transport transport;
    private final Stats stats;
    private final PartialFrameBudget partialFrames;
    private final Map<String, LoopCluster> byName = new HashMap<>();
    /** Clusters whose balancer is due to be rebuilt: a refresh is queued on the loop once however many hosts change. */
    private final java.util.Set<String> refreshing = java.util.concurrent.ConcurrentHashMap.newKeySet();

    LoopClusters(EventLoop loop, Transport transport, Stats stats, PartialFrameBudget partialFrames) {
        this.loop = loop;
        this.transport = transport;
        this.stats = stats;
        this.partialFrames = partialFrames;
    }

    @Override
    public LoopCluster get(String name) {
        return byName.get(name);
    }

    /** On the loop: the next version of a cluster replaces the one of its name. */
    void apply(Cluster cluster) {
        byName.put(cluster.name(), new LoopCluster(loop, transport, stats, partialFrames, cluster, byName.get(cluster.name())));
    }

    /** Any thread: a host of the cluster changed health; its balancer is rebuilt soon, on the loop. */
    void scheduleRefresh(String name) {
        if (refreshing.add(name)) {
            loop.execute(() -> {
                refreshing.remove(name); // a change after this point queues another refresh
                LoopCluster c = byName.get(name);
                if (c != null) {
                    c.refresh();
                }
            });
        }
    }

    /** On the loop: the cluster is gone; its pools drain. */
    void remove(String name) {
        LoopCluster c = byName.remove(name);
        if (c != null) {
            c.drain();
        }
    }
}
