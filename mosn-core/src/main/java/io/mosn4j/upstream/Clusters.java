package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.ClusterManager;
import io.mosn4j.api.upstream.WorkerClusters;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.network.Transport;
import io.mosn4j.protocol.Codecs;
import io.mosn4j.tls.TlsContexts;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusters of the running proxy by name (MOSN's cluster manager). A change builds the next
 * version of a cluster off the event loops, then hands it to every loop, which swaps its own view
 * ({@link LoopClusters}) between requests. Changes are serialized; never call them on an event loop
 * (they resolve names and wait for the loops).
 *
 * <p>Each cluster's hosts come from its {@link ClusterType}; when they change (a DNS answer), the
 * cluster gets a next version the same way. Its {@code health_check} runs here too. A host whose
 * health changes (a check, an outlier ejection) has every loop rebuild that cluster's balancer,
 * keeping its pools. Built without event loops, it only checks configs: nothing runs in the background.
 */
public final class Clusters implements ClusterManager, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Clusters.class);

    private final Transport transport;
    private final Balancers balancers;
    private final ClusterTypes types;
    private final Codecs codecs;
    private final TlsContexts tls;
    private final Stats stats;
    private final Map<EventLoop, LoopClusters> loops = new IdentityHashMap<>();
    private final List<EventLoop> loopList = new ArrayList<>();
    private final ConcurrentHashMap<String, Cluster> byName = new ConcurrentHashMap<>();
    /** What runs for each cluster (its host discovery, its health checks), by name; guarded by this. */
    private final Map<String, Running> running = new HashMap<>();
    /**
     * Runs host changes (they wait for the loops, so never on one) and writes health-check logs;
     * null when only checking configs.
     */
    private final ExecutorService control;

    public Clusters(Transport transport, Iterable<? extends EventLoop> eventLoops, Balancers balancers, Codecs codecs, Stats stats,
                    PartialFrameBudget partialFrames) {
        this(transport, eventLoops, balancers, ClusterTypes.load(Clusters.class.getClassLoader()), codecs, stats, partialFrames, null);
    }

    /** As above; {@code tls} builds the clusters' {@code tls_context} (null: clusters asking for TLS are refused). */
    public Clusters(Transport transport, Iterable<? extends EventLoop> eventLoops, Balancers balancers, ClusterTypes types,
                    Codecs codecs, Stats stats, PartialFrameBudget partialFrames, TlsContexts tls) {
        this.transport = transport;
        this.balancers = balancers;
        this.types = types;
        this.codecs = codecs;
        this.tls = tls;
        this.stats = stats;
        for (EventLoop l : eventLoops) {
            loops.put(l, new LoopClusters(l, transport, stats, partialFrames));
            loopList.add(l);
        }
        this.control = loopList.isEmpty() ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mosn-clusters");
            t.setDaemon(true);
            return t;
        });
    }

    /** A cluster's discovery and health checker, and the context its discovery reports to. */
    private static final class Running {
        final Context context;
        final ClusterType.Discovery discovery;
        HealthChecker checker;
        OutlierDetector outlier;

        Running(Context context, ClusterType.Discovery discovery) {
            this.context = context;
            this.discovery = discovery;
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

    private boolean active() {
        return !loopList.isEmpty();
    }

    private ClusterType type(ClusterConfig config, ConfigValue raw) {
        ClusterType t = types.get(config.type());
        if (t == null && ClusterTypes.later(config.type())) {
            throw raw.error("type", "cluster type \"" + config.type() + "\" is not supported yet (supported: " + types.names() + ")");
        }
        if (t == null) {
            throw raw.error("type", "unknown value \"" + config.type() + "\" (expected " + types.names() + ")");
        }
        return t;
    }

    /** The cluster's health check, or null when none runs (as in MOSN, none without {@code service_name}). */
    private static HealthChecker.Spec healthCheck(ClusterConfig config, ConfigValue raw) {
        if (config.healthCheck() == null) {
            return null;
        }
        if (!config.healthCheck().enabled()) {
            ConfigValue hc = raw.get("health_check");
            if (hc.isObject() && !hc.keys().isEmpty()) {
                hc.warn("", "MOSN runs a cluster's health checks only when health_check.service_name is set; none run");
            }
            return null;
        }
        return HealthChecker.Spec.parse(config.healthCheck(), raw);
    }

    /** Builds a cluster without publishing it or starting anything (validation). */
    public Cluster build(ClusterConfig config, ConfigValue raw) {
        Context ctx = new Context(config.name(), false);
        ClusterType.Discovery d = type(config, raw).start(config, raw, ctx);
        try {
            healthCheck(config, raw);
            return new Cluster(config, raw, byName.get(config.name()), d.hosts(), balancers, codecs, Stats.NONE, tls);
        } finally {
            d.close();
        }
    }

    /**
     * Adds or replaces the cluster of {@code config}'s name; returns once every event loop uses
     * the new version. Hosts that stay keep their identity, pools, health and counters.
     */
    public synchronized Cluster addOrUpdate(ClusterConfig config, ConfigValue raw) {
        String name = config.name();
        ClusterType type = type(config, raw);
        HealthChecker.Spec hc = healthCheck(config, raw);
        Context ctx = new Context(name, active());
        ClusterType.Discovery discovery = type.start(config, raw, ctx);
        Cluster c;
        try {
            c = new Cluster(config, raw, byName.get(name), discovery.hosts(), balancers, codecs, stats, tls);
        } catch (RuntimeException e) {
            discovery.close();
            throw e;
        }
        publish(c);
        Running now = new Running(ctx, discovery);
        Running before = running.put(name, now);
        HealthChecker checker = before == null ? null : before.checker;
        if (before != null) {
            before.discovery.close();
        }
        if (checker != null && (hc == null || !checker.spec().equals(hc))) {
            checker.stop();
            checker = null;
        }
        if (checker == null && hc != null && active()) {
            checker = new HealthChecker(name, hc, loopList, transport, stats, control);
        }
        now.checker = checker;
        if (checker != null) {
            checker.setHosts(c.hosts());
        }
        now.outlier = outlierDetector(name, config, before == null ? null : before.outlier);
        if (now.outlier != null) {
            now.outlier.setHosts(c.hosts());
        }
        return c;
    }

    /** The cluster's outlier detection: {@code before}'s while its config is the same, else a new one (or none). */
    private OutlierDetector outlierDetector(String name, ClusterConfig config, OutlierDetector before) {
        var od = config.outlierDetection();
        if (before != null && od != null && before.config.equals(od)) {
            return before;
        }
        if (before != null) {
            before.stop();
        }
        if (od == null || !active()) {
            return null;
        }
        OutlierDetector d = new OutlierDetector(name, od, loopList.get(Math.floorMod(name.hashCode(), loopList.size())), stats);
        d.start();
        return d;
    }

    /** The live outlier detection of the cluster named {@code name}: its last interval's success-rate average and threshold, or null. */
    public synchronized double[] outlierSuccessRate(String name) {
        Running r = running.get(name);
        return r == null || r.outlier == null ? null
                : new double[] {r.outlier.successRateAverage(), r.outlier.successRateEjectionThreshold()};
    }

    private void publish(Cluster c) {
        String name = c.name();
        c.attachMetrics(stats);
        c.publish(() -> refreshHealth(name));
        Cluster previous = byName.put(name, c);
        if (previous != null) {
            previous.hosts().stream().filter(h -> !c.hosts().contains(h)).forEach(h -> forgetMetrics(name, h.address()));
        }
        onEveryLoop(l -> l.apply(c));
    }

    /** A discovery's new hosts: the next version of its cluster, unless a newer config replaced that discovery. */
    private synchronized void hostsChanged(Context ctx, List<HostSpec> hosts) {
        Running r = running.get(ctx.name);
        Cluster current = byName.get(ctx.name);
        if (r == null || r.context != ctx || current == null) {
            return; // stale: the cluster was updated or removed meanwhile
        }
        Cluster next = new Cluster(current, hosts);
        publish(next);
        if (r.checker != null) {
            r.checker.setHosts(next.hosts());
        }
        if (r.outlier != null) {
            r.outlier.setHosts(next.hosts());
        }
        log.info("cluster {}: hosts now {}", ctx.name, next.addresses());
    }

    /** A host of the cluster changed health: every loop rebuilds its balancer (any thread, no waiting). */
    private void refreshHealth(String name) {
        for (LoopClusters l : loops.values()) {
            l.scheduleRefresh(name);
        }
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
        Running r = running.remove(name);
        if (r != null) {
            r.discovery.close();
            if (r.checker != null) {
                r.checker.stop();
            }
            if (r.outlier != null) {
                r.outlier.stop();
            }
        }
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

    /** Stops every discovery and health check (at shutdown). */
    @Override
    public synchronized void close() {
        for (Running r : running.values()) {
            r.discovery.close();
            if (r.checker != null) {
                r.checker.stop();
            }
            if (r.outlier != null) {
                r.outlier.stop();
            }
        }
        running.clear();
        if (control != null) {
            control.shutdown();
        }
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

    /** What a cluster's type is given: one per started discovery, so reports of a replaced one are told apart. */
    private final class Context implements ClusterType.Context {
        final String name;
        private final boolean active;
        private int nextLoop;

        Context(String name, boolean active) {
            this.name = name;
            this.active = active;
        }

        @Override
        public boolean active() {
            return active;
        }

        @Override
        public EventLoop eventLoop() {
            return active ? loopList.get(Math.floorMod(name.hashCode() + nextLoop++, loopList.size())) : null;
        }

        @Override
        public Transport transport() {
            return transport;
        }

        @Override
        public void hostsChanged(List<HostSpec> hosts) {
            List<HostSpec> copy = List.copyOf(hosts);
            if (control == null) {
                return;
            }
            try {
                control.execute(() -> {
                    try {
                        Clusters.this.hostsChanged(this, copy);
                    } catch (RuntimeException e) {
                        log.warn("cluster {}: cannot take its new hosts: {}", name, e.toString(), e);
                    }
                });
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        }
    }
}
