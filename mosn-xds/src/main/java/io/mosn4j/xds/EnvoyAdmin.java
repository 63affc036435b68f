package io.mosn4j.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import io.mosn4j.api.admin.AdminApi.Request;
import io.mosn4j.api.admin.AdminApi.Response;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.SocketAddresses;
import io.mosn4j.server.MosnServer;
import io.mosn4j.upstream.Host;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Envoy's admin endpoints, in Envoy's formats, on mosn4j's admin port: {@code GET /config_dump}
 * (when the process runs from an Envoy bootstrap: the bootstrap and every xDS resource as last
 * accepted, with its version), {@code GET /clusters} and {@code GET /listeners} (the live clusters'
 * hosts and the live listeners; {@code ?format=json} as Envoy's {@code Clusters} and
 * {@code Listeners} messages). Everything is printed from Envoy's own protobuf messages. The
 * handlers run on the admin's virtual threads; the xDS state is read on the xDS client's thread.
 */
public final class EnvoyAdmin {
    static final String CONFIG_DUMP_TYPE = "type.googleapis.com/envoy.admin.v3.";
    private static final Duration STATE_WAIT = Duration.ofSeconds(10);
    private static final long UNLIMITED = 0xFFFFFFFFL; // what Envoy shows for a limit of max uint32

    private final MosnServer server;
    private final XdsBootstrap bootstrap;
    private final AdsClient xds;
    /** When the static resources were loaded: their {@code last_updated}. */
    private final Instant started = Instant.now();

    private EnvoyAdmin(MosnServer server, XdsBootstrap bootstrap, AdsClient xds) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.xds = xds;
    }

    /**
     * Serves {@code /clusters} and {@code /listeners}, and, when {@code bootstrap} has Envoy
     * sections, Envoy's {@code /config_dump} in place of MOSN's (MOSN's stays at
     * {@code /api/v1/config_dump}). {@code xds} may be null (no {@code dynamic_resources}).
     */
    public static void install(MosnServer server, XdsBootstrap bootstrap, AdsClient xds) {
        EnvoyAdmin a = new EnvoyAdmin(server, bootstrap, xds);
        if (bootstrap.envoy()) {
            server.serveAdmin("/config_dump", get(a::configDump));
        }
        server.serveAdmin("/clusters", get(a::clusters));
        server.serveAdmin("/listeners", get(a::listeners));
    }

    @FunctionalInterface
    private interface Call {
        Response apply(Request req) throws Exception;
    }

    private static io.mosn4j.admin.AdminServer.Handler get(Call c) {
        return req -> req.method().equals("GET") || req.method().equals("HEAD") ? c.apply(req) : Response.text(405, "use GET");
    }

    private AdsClient.State state() throws Exception {
        return xds == null ? null : xds.state(STATE_WAIT);
    }

    // ------------------------------------------------------------------ /config_dump

    private Response configDump(Request req) throws Exception {
        for (String p : req.query().keySet()) {
            if (!p.equals("include_eds") && !p.equals("resource")) {
                return Response.text(400, "config_dump: ?" + p + " is not supported (include_eds and resource are)");
            }
        }
        List<Message> configs = configs(state(), req.query().containsKey("include_eds"));
        ConfigDump.Builder dump = ConfigDump.newBuilder();
        String resource = req.param("resource");
        if (resource == null) {
            configs.forEach(c -> dump.addConfigs(Any.pack(c)));
        } else {
            boolean found = false;
            for (Message c : configs) {
                FieldDescriptor f = c.getDescriptorForType().findFieldByName(resource);
                if (f != null && f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    found = true;
                    for (Object item : (List<?>) c.getField(f)) {
                        dump.addConfigs(Any.pack((Message) item));
                    }
                }
            }
            if (!found) {
                return Response.text(404, "config_dump: no resource \"" + resource + "\" (e.g. dynamic_active_clusters, dynamic_listeners, "
                        + "dynamic_route_configs)");
            }
        }
        return json(EnvoyJson.print(dump.build()));
    }

    /** Envoy's config dump's parts, in Envoy's order: bootstrap, clusters, (endpoints), listeners, routes. */
    private List<Message> configs(AdsClient.State state, boolean includeEds) {
        List<Message> out = new ArrayList<>();
        out.add(BootstrapConfigDump.newBuilder().setBootstrap(bootstrap.bootstrap()).setLastUpdated(time(started)).build());

        var statics = bootstrap.bootstrap().getStaticResources();
        ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder();
        statics.getClustersList().forEach(c -> clusters.addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder()
                .setCluster(Any.pack(c)).setLastUpdated(time(started))));
        if (state != null) {
            clusters.setVersionInfo(state.version(AdsClient.CDS));
            state.activeClusters().forEach(d -> clusters.addDynamicActiveClusters(dynamicCluster(d)));
            state.warmingClusters().forEach(d -> clusters.addDynamicWarmingClusters(dynamicCluster(d)));
        }
        out.add(clusters.build());

        if (includeEds) {
            EndpointsConfigDump.Builder eds = EndpointsConfigDump.newBuilder();
            statics.getClustersList().stream().filter(Cluster::hasLoadAssignment).forEach(c -> eds.addStaticEndpointConfigs(
                    EndpointsConfigDump.StaticEndpointConfig.newBuilder().setEndpointConfig(Any.pack(c.getLoadAssignment()))
                            .setLastUpdated(time(started))));
            if (state != null) {
                state.endpoints().forEach(d -> eds.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                        .setVersionInfo(d.version()).setEndpointConfig(Any.pack(d.resource())).setLastUpdated(time(d.updated()))));
            }
            out.add(eds.build());
        }

        ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder();
        RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
        for (Listener l : statics.getListenersList()) {
            listeners.addStaticListeners(ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(l))
                    .setLastUpdated(time(started)));
            inlineRoutes(l, routes, started);
        }
        if (state != null) {
            listeners.setVersionInfo(state.version(AdsClient.LDS));
            Set<String> names = new TreeSet<>(state.activeListeners().keySet());
            names.addAll(state.warmingListeners().keySet());
            for (String name : names) {
                ListenersConfigDump.DynamicListener.Builder d = ListenersConfigDump.DynamicListener.newBuilder().setName(name);
                AdsClient.Dumped active = state.activeListeners().get(name);
                AdsClient.Dumped warming = state.warmingListeners().get(name);
                if (active != null) {
                    d.setActiveState(listenerState(active));
                    inlineRoutes((Listener) active.resource(), routes, active.updated());
                }
                if (warming != null) {
                    d.setWarmingState(listenerState(warming));
                }
                listeners.addDynamicListeners(d);
            }
            state.routes().forEach(d -> routes.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder()
                    .setVersionInfo(d.version()).setRouteConfig(Any.pack(d.resource())).setLastUpdated(time(d.updated()))));
        }
        out.add(listeners.build());
        out.add(routes.build());
        return out;
    }

    private static ClustersConfigDump.DynamicCluster dynamicCluster(AdsClient.Dumped d) {
        return ClustersConfigDump.DynamicCluster.newBuilder().setVersionInfo(d.version()).setCluster(Any.pack(d.resource()))
                .setLastUpdated(time(d.updated())).build();
    }

    private static ListenersConfigDump.DynamicListenerState listenerState(AdsClient.Dumped d) {
        return ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(d.version()).setListener(Any.pack(d.resource()))
                .setLastUpdated(time(d.updated())).build();
    }

    /** A listener's inline route tables are Envoy's static route configs. */
    private static void inlineRoutes(Listener l, RoutesConfigDump.Builder routes, Instant updated) {
        for (FilterChain fc : l.getFilterChainsList()) {
            for (Filter f : fc.getFiltersList()) {
                if (!f.getTypedConfig().getTypeUrl().equals(EnvoyConversion.HCM)) {
                    continue;
                }
                try {
                    HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                    if (hcm.hasRouteConfig()) {
                        routes.addStaticRouteConfigs(RoutesConfigDump.StaticRouteConfig.newBuilder()
                                .setRouteConfig(Any.pack(hcm.getRouteConfig())).setLastUpdated(time(updated)));
                    }
                } catch (InvalidProtocolBufferException e) {
                    // accepted listeners decoded before; nothing to show otherwise
                }
            }
        }
    }

    // ------------------------------------------------------------------ /clusters

    private Response clusters(Request req) throws Exception {
        AdsClient.State state = state();
        Map<String, Cluster> fromApi = new HashMap<>();
        if (state != null) {
            state.activeClusters().forEach(d -> fromApi.put(((Cluster) d.resource()).getName(), (Cluster) d.resource()));
        }
        Map<String, io.mosn4j.upstream.Cluster> live = new TreeMap<>();
        server.clusters().forEach(c -> live.put(c.name(), c));
        if ("json".equals(req.param("format"))) {
            Clusters.Builder out = Clusters.newBuilder();
            live.values().forEach(c -> out.addClusterStatuses(clusterStatus(c, fromApi.get(c.name()), server.outlierSuccessRate(c.name()))));
            return json(EnvoyJson.print(out.build()));
        }
        StringBuilder b = new StringBuilder();
        for (io.mosn4j.upstream.Cluster c : live.values()) {
            String n = c.name();
            Cluster api = fromApi.get(n);
            line(b, n, "observability_name", n);
            ClusterConfig.ThresholdsConfig t = c.config().thresholds();
            for (String priority : List.of("default_priority", "high_priority")) {
                // MOSN's limits are not grouped by priority: the same ones apply to every request
                line(b, n, priority + "::max_connections", limit(t.maxConnections()));
                line(b, n, priority + "::max_pending_requests", limit(t.maxPendingRequests()));
                line(b, n, priority + "::max_requests", limit(t.maxRequests()));
                line(b, n, priority + "::max_retries", limit(t.maxRetries()));
            }
            line(b, n, "added_via_api", api != null);
            if (api != null && api.getType() == Cluster.DiscoveryType.EDS) {
                line(b, n, "eds_service_name", edsServiceName(api));
            }
            double[] outlier = server.outlierSuccessRate(n);
            if (outlier != null) {
                line(b, n, "outlier::success_rate_average", number(outlier[0]));
                line(b, n, "outlier::success_rate_ejection_threshold", number(outlier[1]));
                line(b, n, "outlier::local_origin_success_rate_average", -1);
                line(b, n, "outlier::local_origin_success_rate_ejection_threshold", -1);
            }
            for (Host h : c.hosts()) {
                Map<String, Object> v = new java.util.LinkedHashMap<>(); // Envoy's order: the stats by name, then the rest
                hostStats(h).forEach(m -> v.put(m.getName(), m.getValue()));
                v.put("hostname", h.hostname() == null ? "" : h.hostname());
                v.put("health_flags", healthFlags(h));
                v.put("weight", h.weight());
                v.put("region", "");
                v.put("zone", "");
                v.put("sub_zone", "");
                v.put("canary", false);
                v.put("priority", 0);
                v.put("success_rate", number(h.outlierSuccessRate()));
                v.put("local_origin_success_rate", -1);
                v.forEach((k, value) -> line(b, n, h.address() + "::" + k, value));
            }
        }
        return new Response(200, "text/plain; charset=utf-8", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void line(StringBuilder b, String cluster, String key, Object value) {
        b.append(cluster).append("::").append(key).append("::").append(value).append('\n');
    }

    /** A percentage as Envoy prints one: {@code -1}, {@code 100}, {@code 97.5}. */
    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A circuit-breaker limit; mosn4j's "none" (absent or 0) shows as Envoy's largest. */
    private static long limit(Long max) {
        return max == null || max <= 0 ? UNLIMITED : max;
    }

    private static String edsServiceName(Cluster c) {
        String s = c.getEdsClusterConfig().getServiceName();
        return s.isEmpty() ? c.getName() : s;
    }

    /** Envoy's names for a host's health flags: {@code healthy}, or each failing check after a slash. */
    private static String healthFlags(Host h) {
        StringBuilder b = new StringBuilder();
        if (h.hasHealthFlag(Host.FAILED_ACTIVE_HC)) {
            b.append("/failed_active_hc");
        }
        if (h.hasHealthFlag(Host.FAILED_OUTLIER_CHECK)) {
            b.append("/failed_outlier_check");
        }
        return b.isEmpty() ? "healthy" : b.toString();
    }

    /** Envoy's per-host counters and gauges, from the host's live counters and its MOSN upstream metrics. */
    private static List<SimpleMetric> hostStats(Host h) {
        var m = h.metrics();
        var s = h.stats();
        return List.of(
                metric("cx_active", SimpleMetric.Type.GAUGE, s.activeConnections()),
                metric("cx_connect_fail", SimpleMetric.Type.COUNTER, s.connectFailures()),
                metric("cx_total", SimpleMetric.Type.COUNTER, m.connectionTotal.get()),
                metric("rq_active", SimpleMetric.Type.GAUGE, s.activeRequests()),
                metric("rq_error", SimpleMetric.Type.COUNTER, m.responseFailed.get()),
                metric("rq_success", SimpleMetric.Type.COUNTER, m.responseSuccess.get()),
                metric("rq_timeout", SimpleMetric.Type.COUNTER, m.requestTimeout.get()),
                metric("rq_total", SimpleMetric.Type.COUNTER, s.totalRequests()));
    }

    private static SimpleMetric metric(String name, SimpleMetric.Type type, long value) {
        return SimpleMetric.newBuilder().setName(name).setType(type).setValue(Math.max(0, value)).build();
    }

    private static ClusterStatus clusterStatus(io.mosn4j.upstream.Cluster c, Cluster api, double[] outlier) {
        ClusterStatus.Builder s = ClusterStatus.newBuilder().setName(c.name()).setObservabilityName(c.name()).setAddedViaApi(api != null);
        if (outlier != null && outlier[1] >= 0) {
            s.setSuccessRateEjectionThreshold(Percent.newBuilder().setValue(outlier[1]));
        }
        if (api != null && api.getType() == Cluster.DiscoveryType.EDS) {
            s.setEdsServiceName(edsServiceName(api));
        }
        ClusterConfig.ThresholdsConfig t = c.config().thresholds();
        s.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                .setMaxConnections(UInt32Value.of((int) limit(t.maxConnections())))
                .setMaxPendingRequests(UInt32Value.of((int) limit(t.maxPendingRequests())))
                .setMaxRequests(UInt32Value.of((int) limit(t.maxRequests())))
                .setMaxRetries(UInt32Value.of((int) limit(t.maxRetries())))));
        for (Host h : c.hosts()) {
            HostStatus.Builder hs = HostStatus.newBuilder().setAddress(address(h.socketAddress())).addAllStats(hostStats(h))
                    .setWeight(h.weight()).setHealthStatus(HostHealthStatus.newBuilder()
                            .setFailedActiveHealthCheck(h.hasHealthFlag(Host.FAILED_ACTIVE_HC))
                            .setFailedOutlierCheck(h.hasHealthFlag(Host.FAILED_OUTLIER_CHECK))
                            .setEdsHealthStatus(HealthStatus.HEALTHY));
            if (h.hostname() != null) {
                hs.setHostname(h.hostname());
            }
            if (h.outlierSuccessRate() >= 0) {
                hs.setSuccessRate(Percent.newBuilder().setValue(h.outlierSuccessRate()));
            }
            s.addHostStatuses(hs);
        }
        return s.build();
    }

    // ------------------------------------------------------------------ /listeners

    private Response listeners(Request req) throws Exception {
        List<MosnServer.ListenerStatus> ls = server.listenerStatuses();
        if ("json".equals(req.param("format"))) {
            Listeners.Builder out = Listeners.newBuilder();
            for (MosnServer.ListenerStatus l : ls) {
                out.addListenerStatuses(ListenerStatus.newBuilder().setName(l.name()).setLocalAddress(address(l)));
            }
            return json(EnvoyJson.print(out.build()));
        }
        StringBuilder b = new StringBuilder();
        for (MosnServer.ListenerStatus l : ls) {
            SocketAddress a = address(l).getSocketAddress();
            b.append(l.name()).append("::").append(a.getAddress().contains(":") ? "[" + a.getAddress() + "]" : a.getAddress())
                    .append(':').append(a.getPortValue()).append('\n');
        }
        return new Response(200, "text/plain; charset=utf-8", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The listener's configured address, with the port it is bound to when it is (its configured port may be 0). */
    private static Address address(MosnServer.ListenerStatus l) {
        InetSocketAddress a = SocketAddresses.parse(l.address(), "address");
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(a.getHostString())
                .setPortValue(l.port() > 0 ? l.port() : a.getPort())).build();
    }

    private static Address address(InetSocketAddress a) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(a.getHostString()).setPortValue(a.getPort()))
                .build();
    }

    private static Timestamp time(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    private static Response json(String body) {
        return Response.json(body.getBytes(StandardCharsets.UTF_8));
    }
}
