package io.mosn4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mosn4j.admin.AdminServer;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.log.AccessLogs;
import io.mosn4j.log.LogRoller;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.ClusterManagerConfig;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.config.MosnConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.config.SecretRedaction;
import io.mosn4j.config.ServerConfig;
import io.mosn4j.feature.DebugApiFeature;
import io.mosn4j.network.Transport;
import io.mosn4j.router.RouteDependencies;
import io.mosn4j.router.RouteTable;
import io.mosn4j.router.RouterManager;
import io.mosn4j.stats.StatsRegistry;
import io.mosn4j.tls.TlsContexts;
import io.mosn4j.upstream.Cluster;
import io.mosn4j.upstream.Clusters;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mosn4j: clusters, route tables and listeners, each live by name and replaceable while
 * the proxy runs, plus the admin API. {@link #shutdown()} drains: stop accepting, let requests in
 * flight finish (up to {@code graceful_timeout}), then close everything.
 */
public final class MosnServer {
    private static final Logger log = LoggerFactory.getLogger(MosnServer.class);

    private final LoadedConfig loaded;
    private final Extensions extensions;
    private final Transport transport;
    /** The admin API's and the metrics sinks' sockets and connections: off the worker loops, which serve traffic. */
    private final EventLoopGroup adminLoop;
    private final EventLoopGroup workers;
    private final Clusters clusters;
    private final RouterManager routers = new RouterManager();
    private final StatsRegistry stats;
    private final io.mosn4j.config.MetricsConfig metrics;
    private final List<AdminServer> sinks = new ArrayList<>();
    private io.mosn4j.admin.Holmes holmes;
    private final long startedMillis = System.currentTimeMillis();
    private volatile boolean draining;
    private volatile Runnable quit = () -> log.warn("quitquitquit: no way to stop this process was given");
    private final ListenerManager listeners;
    private final ConfigWarnings warnings;
    private AdminServer admin;
    /** The listeners' access log files and their writer. */
    private final AccessLogs accessLogs;

    private MosnServer(LoadedConfig loaded, Extensions extensions, ConfigWarnings warnings) {
        this.loaded = loaded;
        this.extensions = extensions;
        this.warnings = warnings;
        this.transport = Transport.best();
        ServerConfig server = loaded.config().server();
        this.adminLoop = transport.newGroup(1, "mosn-admin");
        this.workers = transport.newGroup(server.eventLoops(), "mosn-worker");
        List<EventLoop> loops = new ArrayList<>();
        workers.forEach(e -> loops.add((EventLoop) e));
        // the metrics block was checked (and warned about) with the config; read it again quietly
        this.metrics = new ConfigWarnings().collect(() -> io.mosn4j.config.MetricsConfig.parse(loaded.root().get("metrics")));
        this.stats = new StatsRegistry(loops.size(), metrics.matcher());
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            loops.get(i).submit(() -> io.mosn4j.stats.LoopStripe.bind(index)).syncUninterruptibly();
        }
        TlsContexts tls = new TlsContexts(extensions.certificateProviders(), stats, extensions.codecs().all());
        PartialFrameBudget partialFrames = new PartialFrameBudget(server.partialFramesLimit(PlatformDependent.maxDirectMemory()));
        this.clusters = new Clusters(transport, loops, extensions.balancers(), extensions.clusterTypes(), extensions.codecs(), stats,
                partialFrames, tls);
        this.accessLogs = new AccessLogs(LogRoller.parse(server.globalLogRoller()), stats.counter("accesslog.dropped_lines"));
        ListenerBuilder builder = new ListenerBuilder(extensions, clusters, routers, server.gracefulTimeout(), stats, partialFrames, tls,
                accessLogs, server.defaultLogPath());
        this.listeners = new ListenerManager(builder, transport, workers, server.gracefulTimeout(),
                new AcceptGate.Shared(maxConnections(server), stats));
    }

    /** {@code servers[0].max_connections}, or its default from the file-descriptor limit; says which, and whether it can be reached. */
    private static int maxConnections(ServerConfig server) {
        long fds = FileDescriptors.limit();
        Integer configured = server.maxConnections();
        if (configured == null || configured == 0) {
            int max = FileDescriptors.defaultMaxConnections();
            log.info("downstream connections: at most {} open at once (servers[0].max_connections; default: half the process's "
                    + "file-descriptor limit, {})", max == 0 ? "unlimited" : max, fds);
            return max;
        }
        if (fds > 0 && configured >= fds) {
            log.warn("servers[0].max_connections {} is not below the process's file-descriptor limit {}: accepting will fail "
                    + "(too many open files) before it is reached; raise the limit (ulimit -n) or lower max_connections", configured, fds);
        }
        return configured;
    }

    /** Builds and binds everything; on failure releases what it made and throws ConfigException. */
    public static MosnServer start(LoadedConfig loaded, Extensions extensions) {
        return start(loaded, extensions, new ConfigWarnings());
    }

    /**
     * As {@link #start(LoadedConfig, Extensions)}, adding what the build warns about to {@code
     * warnings} (those raised while the config was loaded and checked) and logging the new ones;
     * the admin config_dump lists them all.
     */
    public static MosnServer start(LoadedConfig loaded, Extensions extensions, ConfigWarnings warnings) {
        MosnServer s = new MosnServer(loaded, extensions, warnings);
        try {
            warnings.collect(() -> {
                s.build();
                return null;
            });
            warnings.logNew();
            return s;
        } catch (RuntimeException e) {
            s.listeners.all().forEach(Listener::unbind);
            s.close();
            throw e;
        }
    }

    private void build() {
        MosnConfig config = loaded.config();
        JsonConfigValue root = loaded.root();
        JsonConfigValue rawClusters = root.get("cluster_manager").get("clusters");
        for (int i = 0; i < config.clusterManager().clusters().size(); i++) {
            clusters.addOrUpdate(config.clusterManager().clusters().get(i), rawClusters.at(i));
        }
        JsonConfigValue server = root.get("servers").at(0);
        JsonConfigValue rawRouters = server.get("routers");
        for (int i = 0; i < config.server().routers().size(); i++) {
            RouterConfig rc = config.server().routers().get(i);
            routers.update(new RouteTable(rc, rawRouters.at(i).path(), ConfigCheck.routeDependencies(extensions, clusters)));
        }
        JsonConfigValue rawListeners = server.get("listeners");
        for (int i = 0; i < config.server().listeners().size(); i++) {
            listeners.addOrUpdate(config.server().listeners().get(i), rawListeners.at(i));
        }
        for (int i = 0; i < metrics.sinks().size(); i++) {
            var sink = metrics.sinks().get(i);
            var prometheus = io.mosn4j.stats.PrometheusSink.of(stats, sink);
            Map<String, AdminServer.Handler> r = Map.of(sink.endpoint(), req -> new io.mosn4j.api.admin.AdminApi.Response(200,
                    io.mosn4j.stats.PrometheusSink.CONTENT_TYPE, prometheus.scrape()));
            // on every address, as MOSN's sink listens
            sinks.add(AdminServer.start("0.0.0.0", sink.port(), "metrics.sinks[" + i + "].config.port", "prometheus metrics at "
                    + sink.endpoint(), adminLoop, transport, r));
        }
        var holmesSettings = io.mosn4j.config.HolmesConfig.parse(root);
        if (holmesSettings != null) {
            holmes = io.mosn4j.admin.Holmes.start(holmesSettings);
        }
        if (config.admin() != null && config.admin().address() != null && config.admin().address().socketAddress() != null) {
            var at = config.admin().address().socketAddress();
            admin = AdminServer.start(at, adminLoop, transport, adminRoutes());
            if (!admin.loopbackOnly()) {
                ConfigWarnings.warn("admin.address.socket_address.address", "the admin API listens on " + at.address() + ":" + admin.port()
                        + ", reachable from other hosts, and has no authentication"
                        + (extensions.features().enabled(DebugApiFeature.NAME) ? " (and debug_api lets callers change the config)" : "")
                        + "; give 127.0.0.1 unless it is firewalled");
            }
        }
    }

    private Map<String, AdminServer.Handler> adminRoutes() {
        Map<String, AdminServer.Handler> routes = new AdminRoutes(this).routes();
        if (extensions.features().enabled(DebugApiFeature.NAME)) {
            routes.put("/debug/update_config", req -> req.method().equals("POST")
                    ? updateLoggingWarnings(req.body())
                    : AdminServer.Response.text(405, "use POST"));
        }
        // paths added by extension jars (ServiceLoader); a built-in path is never replaced
        // (the class loader the start runs with: bin/mosn sets it to the one with the plugins' jars)
        for (var api : io.mosn4j.api.Providers.load(io.mosn4j.api.admin.AdminApi.class, Thread.currentThread().getContextClassLoader())) {
            if (routes.containsKey(api.path()) || !api.path().startsWith("/")) {
                log.warn("admin extension {}: path {} is taken or invalid; not served", api.getClass().getName(), api.path());
                continue;
            }
            routes.put(api.path(), api::handle);
            log.info("admin extension {} at {}", api.getClass().getName(), api.path());
        }
        return routes;
    }

    /** {@link #update}; what an update that succeeds warns about is logged and kept for config_dump. */
    private io.mosn4j.api.admin.AdminApi.Response updateLoggingWarnings(byte[] body) {
        ConfigWarnings fresh = new ConfigWarnings();
        io.mosn4j.api.admin.AdminApi.Response r = fresh.collect("update_config", () -> update(body)); // refused: nothing changed
        warnings.addAll(fresh);
        warnings.logNew();
        return r;
    }

    /**
     * MOSN's debug API: {@code {"type": "listener" | "router" | "cluster", "config": {...}}} adds or
     * replaces one of them by name; mosn4j adds {@code "remove_listener"} and {@code "remove_cluster"}
     * with {@code {"name": ...}}.
     */
    private io.mosn4j.api.admin.AdminApi.Response update(byte[] body) {
        JsonNode request;
        try {
            request = ConfigLoader.mapper().readTree(body);
        } catch (Exception e) {
            throw new ConfigException("", "invalid request: the body is not JSON (" + ConfigLoader.oneLine(e.getMessage()) + ")");
        }
        JsonConfigValue req = new JsonConfigValue(request, "");
        String type = req.get("type").asText("");
        JsonConfigValue config = req.get("config");
        if (config.isMissing() || !config.isObject()) {
            throw new ConfigException("config", "required: the object to add or replace");
        }
        switch (type) {
            case "listener" -> applyListener(config);
            case "router" -> applyRouter(config);
            case "cluster" -> applyCluster(config);
            case "remove_listener" -> {
                if (!removeListener(name(config))) {
                    throw new ConfigException("config.name", "no listener named \"" + name(config) + "\"");
                }
            }
            case "remove_cluster" -> {
                if (!removeCluster(name(config))) {
                    throw new ConfigException("config.name", "no cluster named \"" + name(config) + "\"");
                }
            }
            default -> throw new ConfigException("type", "invalid type \"" + type
                    + "\" (expected listener, router, cluster, remove_listener or remove_cluster)");
        }
        return AdminServer.Response.text(200, "success");
    }

    // The live-state changes the debug API and a control plane (mosn-xds) make. Each takes MOSN's
    // JSON for one object, checks it fully and throws ConfigException (naming the field under the
    // value's path) before anything changed. They block until every event loop uses the change:
    // call them off the event loops.

    /** Adds or replaces the listener of its name (same address: new connections get it, old ones drain). */
    public void applyListener(JsonConfigValue config) {
        ListenerConfig lc = ConfigLoader.convert(config.node(), ListenerConfig.class, config.path());
        listeners.addOrUpdate(lc, config);
    }

    /** Adds or replaces the route table of its name; the next request of every connection uses it. A route naming an unknown cluster is refused. */
    public void applyRouter(JsonConfigValue config) {
        applyRouter(config, true);
    }

    /**
     * As {@link #applyRouter(JsonConfigValue)}; without {@code validateClusters} a route may name a
     * cluster that does not exist (yet): its requests fail until it does (Envoy's RDS default).
     */
    public void applyRouter(JsonConfigValue config, boolean validateClusters) {
        RouterConfig rc = ConfigLoader.convert(config.node(), RouterConfig.class, config.path());
        RouteDependencies deps = ConfigCheck.routeDependencies(extensions, clusters);
        if (!validateClusters) {
            deps = new RouteDependencies(deps.filters(), deps.variables(), null);
        }
        routers.update(new RouteTable(rc, config.path(), deps));
        log.info("router {} updated", rc.routerConfigName());
    }

    /** Adds or replaces the cluster of its name; hosts that stay keep their pools. */
    public void applyCluster(JsonConfigValue config) {
        ClusterConfig cc = ConfigLoader.convert(config.node(), ClusterConfig.class, config.path());
        Cluster c = clusters.addOrUpdate(cc, config);
        log.info("cluster {} updated: {} hosts", c.name(), c.hosts().size());
    }

    /** Stops the listener; its connections drain. False when there is none. */
    public boolean removeListener(String name) {
        return listeners.remove(name);
    }

    /** Removes the route table; proxies naming it answer 404. False when there is none. */
    public boolean removeRouter(String name) {
        boolean removed = routers.remove(name);
        if (removed) {
            log.info("router {} removed", name);
        }
        return removed;
    }

    /** Removes the cluster; requests routed to it get 503 (Envoy's answer for no such cluster), its pools drain. False when there is none. */
    public boolean removeCluster(String name) {
        boolean removed = clusters.remove(name);
        if (removed) {
            log.info("cluster {} removed", name);
        }
        return removed;
    }

    /**
     * Envoy's {@code POST /drain_listeners}: every listener, or with {@code inboundOnly} the inbound
     * ones (MOSN's {@code "type": "ingress"}, which Envoy's {@code traffic_direction: INBOUND}
     * becomes, or Istio's {@code virtualInbound}), stops accepting — with {@code graceful} only after
     * {@code graceful_timeout}, and the server reports DRAINING meanwhile — and its connections drain.
     * The process keeps running. Returns the names of the listeners drained.
     */
    public List<String> drainListeners(boolean inboundOnly, boolean graceful) {
        if (graceful) {
            draining = true;
        }
        List<String> names = listeners.drain(inboundOnly ? MosnServer::inbound : c -> true, graceful);
        log.info("drain_listeners{}{}: {} drain", inboundOnly ? " (inbound only)" : "", graceful ? " (graceful)" : "", names);
        return names;
    }

    /** An inbound listener: MOSN's {@code type} {@code ingress}, or Istio's {@code virtualInbound}. */
    static boolean inbound(ListenerConfig c) {
        return "ingress".equalsIgnoreCase(c.type()) || "virtualInbound".equals(c.name());
    }

    /** A listener as the admin API shows it: its address with the port it is bound to (-1: not bound). */
    public record ListenerStatus(String name, String address, int port, boolean inbound) {}

    /** The live listeners, in the order they were added. */
    public List<ListenerStatus> listenerStatuses() {
        return listeners.all().stream().map(l -> new ListenerStatus(l.name(), l.config().address(), l.port(), inbound(l.config())))
                .toList();
    }

    /**
     * The cluster's {@code outlier_detection} as of its last interval: the success-rate average and
     * ejection threshold (percent; -1 when not measured), or null when it has none.
     */
    public double[] outlierSuccessRate(String cluster) {
        return clusters.outlierSuccessRate(cluster);
    }

    /** The live clusters, for the admin API. */
    public java.util.Collection<Cluster> clusters() {
        return clusters.all();
    }

    /**
     * Serves {@code path} on the admin port with {@code handler} (on a virtual thread), replacing a
     * built-in path of the same name: for the xDS client's Envoy-format endpoints. No-op without an
     * admin port.
     */
    public void serveAdmin(String path, AdminServer.Handler handler) {
        if (admin != null) {
            admin.serve(path, handler);
        }
    }

    /** The process's counters (shown by {@code GET /api/v1/stats}), for a control plane client to count its updates. */
    public io.mosn4j.api.stats.Stats stats() {
        return stats;
    }

    /** The server's warnings, for a control plane to add what its updates warn about. */
    public ConfigWarnings warnings() {
        return warnings;
    }

    private static String name(JsonConfigValue config) {
        String n = config.get("name").asText("");
        if (n.isBlank()) {
            throw new ConfigException("config.name", "required");
        }
        return n;
    }

    /**
     * What {@code GET /api/v1/config_dump} shows: {@link #liveConfig()} as MOSN's JSON with its
     * secrets redacted ({@link SecretRedaction}), plus {@code "warnings"}: what the config (and the
     * runtime updates since) set that mosn4j accepts but does not act on, when there is any.
     */
    public JsonNode configDump() {
        ObjectNode dump = (ObjectNode) SecretRedaction.redact(ConfigLoader.mapper().valueToTree(liveConfig()));
        List<String> w = warnings.all();
        if (!w.isEmpty()) {
            ArrayNode list = dump.putArray("warnings");
            w.forEach(list::add);
        }
        return dump;
    }

    /** The running config, read from the live listeners, route tables and clusters. */
    public MosnConfig liveConfig() {
        MosnConfig file = loaded.config();
        ServerConfig s = file.server();
        List<RouterConfig> rs = routers.tables().stream().map(RouteTable::config)
                .sorted(Comparator.comparing(RouterConfig::routerConfigName)).toList();
        List<ListenerConfig> ls = listeners.all().stream().map(Listener::config).toList();
        List<ClusterConfig> cs = clusters.all().stream().map(Cluster::config).sorted(Comparator.comparing(ClusterConfig::name)).toList();
        ServerConfig live = new ServerConfig(s.defaultLogPath(), s.defaultLogLevel(), s.gracefulTimeout(), s.eventLoops(), s.maxConnections(), rs, ls,
                s.partialFramesBufferLimitBytes(), s.globalLogRoller());
        return new MosnConfig(List.of(live), new ClusterManagerConfig(cs), file.admin());
    }

    /** The port a listener is bound to (useful with port 0), or -1. */
    public int port(String listenerName) {
        Listener l = listeners.get(listenerName);
        return l == null ? -1 : l.port();
    }

    /** The admin API's port, or -1. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** What {@code POST /quitquitquit} runs (off the admin thread): the same drain and exit as SIGTERM. */
    public void onQuit(Runnable quit) {
        this.quit = quit;
    }

    void quit() {
        quit.run();
    }

    boolean draining() {
        return draining;
    }

    long startedMillis() {
        return startedMillis;
    }

    /** The registry itself, for the admin API and the sinks. */
    StatsRegistry registry() {
        return stats;
    }

    io.mosn4j.config.MetricsConfig metricsConfig() {
        return metrics;
    }

    Extensions extensions() {
        return extensions;
    }

    LoadedConfig loaded() {
        return loaded;
    }

    public long activeStreams() {
        return listeners.activeStreams();
    }

    /** Drains and stops. Blocks up to graceful_timeout plus a little; call off the event loops. */
    public void shutdown() {
        draining = true;
        listeners.shutdown();
        close();
        log.info("mosn4j stopped");
    }

    private void close() {
        if (admin != null) {
            admin.close();
        }
        clusters.close(); // DNS queries and health checks stop before the loops do
        sinks.forEach(AdminServer::close);
        if (holmes != null) {
            holmes.close();
        }
        adminLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        adminLoop.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        accessLogs.close(); // after the loops: the last requests' lines are queued by now
    }
}
