package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.ClusterManager;
import io.mosn4j.api.upstream.WorkerClusters;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.network.Transport;
import io.mosn4j.protocol.Codecs;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The clusters of the running proxy by name (MOSN's cluster manager). A change builds the next
 * version of a cluster off the event loops, then hands it to every loop, which swaps its own view
 * ({@link LoopClusters}) between requests. Changes are serialized; never call them on an event loop
 * (they resolve names and wait for the loops).
 */
public final class Clusters implements ClusterManager {
    private final Balancers balancers;
    private final Codecs codecs;
    private final Stats stats;
    private final Map<EventLoop, LoopClusters> loops = new IdentityHashMap<>();
    private final ConcurrentHashMap<String, Cluster> byName = new ConcurrentHashMap<>();

    public Clusters(Transport transport, Iterable<? extends EventLoop> eventLoops, Balancers balancers, Codecs codecs, Stats stats,
                    PartialFrameBudget partialFrames) {
        this.balancers = balancers;
        this.codecs = codecs;
        this.stats = stats;
        for (EventLoop l : eventLoops) {
            loops.put(l, new LoopClusters(l, transport, stats, partialFrames));
        }
    }

    @Override
    public WorkerClusters forEventLoop(EventLoop loop) {
        LoopClusters c = loops.get(loop);
        if (c == null) {
            throw new IllegalArgumentException(loop + " is not a worker event loop");
        }
        return c;
    }

    /** Builds a cluster without publishing it (validation, or the first step of an update). */
    public Cluster build(ClusterConfig config, ConfigValue raw) {
        return new Cluster(config, raw, byName.get(config.name()), balancers, codecs);
    }

    /**
     * Adds or replaces the cluster of {@code config}'s name; returns once every event loop uses
     * the new version. Hosts that stay keep their identity, pools and counters.
     */
    public synchronized Cluster addOrUpdate(ClusterConfig config, ConfigValue raw) {
        Cluster c = build(config, raw);
        c.attachMetrics(stats);
        c.publish();
        Cluster previous = byName.put(c.name(), c);
        if (previous != null) {
            previous.hosts().stream().filter(h -> !c.hosts().contains(h)).forEach(h -> forgetMetrics(c.name(), h.address()));
        }
        onEveryLoop(l -> l.apply(c));
        return c;
    }

    /** Removes a cluster: new requests for it find none; its pools drain. False when there was none. */
    public synchronized boolean remove(String name) {
        Cluster gone = byName.remove(name);
        if (gone == null) {
            return false;
        }
        gone.hosts().forEach(h -> forgetMetrics(name, h.address()));
        forgetMetrics(name, null);
        onEveryLoop(l -> l.remove(name));
        return true;
    }

    /** A removed cluster's or host's metrics are no longer shown (a scrape would report them forever). */
    private void forgetMetrics(String cluster, String host) {
        if (stats instanceof io.mosn4j.stats.StatsRegistry r) {
            r.remove("upstream", host == null ? Map.of("cluster", cluster) : Map.of("cluster", cluster, "host", host));
            if (host == null) {
                r.remove("healthcheck", Map.of("service", cluster));
            }
        }
    }

    @Override
    public boolean contains(String name) {
        return name != null && byName.containsKey(name);
    }

    /** The current version of the cluster named {@code name}, or null. */
    public Cluster get(String name) {
        return name == null ? null : byName.get(name);
    }

    public Collection<Cluster> all() {
        return List.copyOf(byName.values());
    }

    private void onEveryLoop(Consumer<LoopClusters> change) {
        List<Future<?>> done = new ArrayList<>(loops.size());
        for (var e : loops.entrySet()) {
            LoopClusters view = e.getValue();
            done.add(e.getKey().submit(() -> change.accept(view)));
        }
        for (Future<?> f : done) {
            f.awaitUninterruptibly();
        }
    }
}
