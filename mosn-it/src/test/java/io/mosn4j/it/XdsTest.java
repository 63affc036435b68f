package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * bin/mosn started from an Envoy v3 bootstrap and driven by java-control-plane over one ADS
 * stream, with real HTTP backends: a bookinfo-like {@code reviews} service with three versions,
 * each an EDS cluster, beside the bootstrap's own static listener and cluster. Pushes in turn:
 * pinned to v1; a header match ({@code end-user: jason} to v2) seen on a keep-alive connection
 * opened before it; a second listener that waits, unbound, for its route table; 50/50 weighted
 * v1/v3; a partly invalid push (NACKed naming the resource and field, its valid cluster applied);
 * a control plane restart (the proxy reconnects and takes the next snapshot); a cluster removed
 * (its routes answer 503); the listener removed (its port closes). Then 1,000 clusters and 1,000
 * routes in one push.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XdsTest {
    static final String BOOTSTRAP = """
            {
              "node": {"id": "sidecar~127.0.0.1~reviews-v1.default~default.svc.cluster.local", "cluster": "reviews.default",
                       "metadata": {"NAMESPACE": "default"}},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}},
              "servers": [{"default_log_path": "stdout"}],
              "static_resources": {
                "listeners": [{"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${STATIC}}},
                  "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    "stat_prefix": "static", "codec_type": "AUTO",
                    "route_config": {"virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                      {"match": {"prefix": "/"}, "route": {"cluster": "static-v1"}}]}]},
                    "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                      "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}],
                "clusters": [{
                "name": "static-v1", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "static-v1", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"socket_address": {"address": "127.0.0.1", "port_value": ${V1}}}}}]}]}}, {
                "name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"socket_address": {"address": "127.0.0.1", "port_value": ${XDS}}}}}]}]},
                "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                  "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                  "explicit_http_config": {"http2_protocol_options": {}}}}}]},
              "dynamic_resources": {
                "ads_config": {"api_type": "GRPC", "transport_api_version": "V3", "set_node_on_first_message_only": true,
                               "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
                "cds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"},
                "lds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"}}
            }
            """;
    /** Bounds, not expectations: the machine is shared, and a cold JVM on a loaded CPU is slow. */
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int READ_MS = 30_000;
    static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

    private static NettyHttpBackend v1;
    private static NettyHttpBackend v2;
    private static NettyHttpBackend v3;
    private static XdsServer xds;
    private static MosnProcess mosn;
    private static int port;
    private static int port2;
    private static int staticPort;
    private static int admin;

    @BeforeAll
    static void start() throws Exception {
        v1 = NettyHttpBackend.start("v1");
        v2 = NettyHttpBackend.start("v2");
        v3 = NettyHttpBackend.start("v3");
        port = freePort();
        port2 = freePort();
        staticPort = freePort();
        admin = freePort();
        xds = new XdsServer(freePort()).start();
        xds.set(snapshot("1", List.of("v1", "v2", "v3"), true, routes(route("/", "reviews-v1"))));
        mosn = MosnProcess.builder().config(render(BOOTSTRAP, vars("ADMIN", admin, "XDS", xds.port,
                "STATIC", staticPort, "V1", v1.port()))).waitFor(staticPort, port).startTimeout(WAIT).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                assertThat(mosn.stop()).isZero();
                mosn.assertNoLeaks();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (xds != null) {
                xds.close();
            }
            for (NettyHttpBackend b : new NettyHttpBackend[] {v1, v2, v3}) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    @Test
    @Order(1)
    void controlPlaneDrivesTheProxy() throws Exception {
        // 0. the bootstrap's static listener (unnamed, inline routes, as Istio's 15021/15090) and static cluster serve like file config
        assertThat(backend(RawHttpClient.connect(staticPort, READ_MS).get("/healthz/ready"))).isEqualTo("v1");

        // 1. bootstrap: CDS, EDS for the three clusters, LDS, RDS "9080", in that order, each ACKed; the first request is proxied
        try (RawHttpClient kept = RawHttpClient.connect(port, READ_MS)) {
            assertThat(backend(kept.get("/reviews/1"))).isEqualTo("v1");
            java.util.Set<String> order = new java.util.LinkedHashSet<>(); // each type in the order first asked for
            for (DiscoveryRequest r : xds.requests) {
                order.add(r.getTypeUrl().replaceAll(".*\\.", ""));
            }
            assertThat(order).containsExactly("Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration");
            assertThat(xds.requests.getFirst().getNode().getId()).startsWith("sidecar~127.0.0.1~");
            xds.await(r -> r.getTypeUrl().equals(RDS) && r.getVersionInfo().equals("1") && !r.hasErrorDetail()
                    && r.getResourceNamesList().equals(List.of("9080")), WAIT);

            // 2. header match end-user: jason -> v2; the connection opened before the push takes it at its next request
            xds.set(snapshot("2", List.of("v1", "v2", "v3"), true, routes(jason("reviews-v2"), route("/", "reviews-v1"))));
            awaitOn(kept, "jason", "v2");
            assertThat(backend(kept.get("/reviews/1"))).isEqualTo("v1");

            // a new listener whose routes are not there yet waits (not bound) until they arrive, then serves them
            Listener second = listener("0.0.0.0_9081", port2, "9081");
            RouteConfiguration r2 = routes(jason("reviews-v2"), route("/", "reviews-v1"));
            xds.set(snapshot("2b", List.of("v1", "v2", "v3"), List.of(listener("0.0.0.0_9080", port, "9080"), second), List.of(r2)));
            xds.await(r -> r.getTypeUrl().equals(LDS) && r.getVersionInfo().equals("2b") && !r.hasErrorDetail(), WAIT);
            xds.await(r -> r.getTypeUrl().equals(RDS) && r.getResourceNamesList().equals(List.of("9080", "9081")), WAIT);
            assertThat(MosnProcess.canConnect(port2)).as("a listener warming for its routes accepts nothing").isFalse();
            xds.set(snapshot("2c", List.of("v1", "v2", "v3"), List.of(listener("0.0.0.0_9080", port, "9080"), second),
                    List.of(r2, routes("9081", route("/", "reviews-v3")))));
            eventually(() -> MosnProcess.canConnect(port2));
            assertThat(backend(RawHttpClient.connect(port2, READ_MS).get("/reviews/1"))).isEqualTo("v3");

            // 3. weighted 50/50 v1/v3 (Istio's canary), jason still pinned to v2
            xds.set(snapshot("3", List.of("v1", "v2", "v3"), true, routes(jason("reviews-v2"), weighted("reviews-v1", "reviews-v3"))));
            awaitOn(kept, null, "v3");
            java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
            for (int i = 0; i < 40; i++) {
                seen.merge(backend(kept.get("/reviews/1")), 1, Integer::sum);
            }
            assertThat(seen.keySet()).containsExactly("v1", "v3");
            assertThat(backend(kept.send(get("/reviews/1", "jason")).readResponse())).isEqualTo("v2");

            // 4. a partly invalid push: CDS NACKed naming the bad cluster and field, the valid new cluster applied, traffic goes on
            Snapshot good = snapshot("3b", List.of("v1", "v2", "v3"), true,
                    routes(jason("reviews-v2"), route("/extra", "reviews-extra"), weighted("reviews-v1", "reviews-v3")));
            List<Cluster> cds = new ArrayList<>(good.clusters().resources().values());
            cds.add(Cluster.newBuilder().setName("reviews-extra").setType(Cluster.DiscoveryType.STATIC).setLoadAssignment(
                    ClusterLoadAssignment.newBuilder().setClusterName("reviews-extra").addEndpoints(LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(v2.port())))))).build());
            cds.add(Cluster.newBuilder().setName("reviews-aggregate").setClusterType(Cluster.CustomClusterType.newBuilder()
                    .setName("envoy.clusters.aggregate")).build());
            xds.set(Snapshot.create(cds, good.endpoints().resources().values(), good.listeners().resources().values(),
                    good.routes().resources().values(), List.of(), "3b"));
            DiscoveryRequest nack = xds.await(r -> r.getTypeUrl().equals(CDS) && r.hasErrorDetail(), WAIT);
            assertThat(nack.getVersionInfo()).isEqualTo("3");
            assertThat(nack.getErrorDetail().getMessage()).startsWith("cluster reviews-aggregate: cluster_type: custom cluster types");
            awaitOn(kept, null, "v2", "/extra");
            assertThat(backend(kept.send(get("/reviews/1", "jason")).readResponse())).isEqualTo("v2");
            // Envoy's counters, one per response: CDS and LDS accepted (what pilot-agent's readiness reads), RDS rejected
            String stats = RawHttpClient.connect(admin, READ_MS).get("/api/v1/stats").bodyText();
            assertThat(counter(stats, "cluster_manager.cds.update_success")).isGreaterThanOrEqualTo(4);
            assertThat(counter(stats, "listener_manager.lds.update_success")).isGreaterThanOrEqualTo(4);
            assertThat(counter(stats, "cluster_manager.cds.update_rejected")).isGreaterThanOrEqualTo(1);
            assertThat(stats).doesNotContain("listener_manager.lds.update_rejected");
        }

        // 5. control plane restart: traffic goes on while it is down; the proxy reconnects at once and takes the next snapshot
        xds.stop();
        try (RawHttpClient c = RawHttpClient.connect(port, READ_MS)) {
            assertThat(backend(c.get("/extra"))).isEqualTo("v2");
            assertThat(backend(c.get("/reviews/1"))).isIn("v1", "v3");
        }
        xds.set(snapshot("4", List.of("v1", "v2", "v3"), true, routes(route("/", "reviews-v2"))));
        xds.start();
        try (RawHttpClient c = RawHttpClient.connect(port, READ_MS)) {
            awaitOn(c, null, "v2");
        }
        // the new stream opened with the node, the last applied CDS version (3: 3b was NACKed) and no nonce
        xds.await(r -> r.getTypeUrl().equals(CDS) && r.getResponseNonce().isEmpty() && r.getVersionInfo().equals("3") && r.hasNode(), WAIT);

        // 6. a cluster left out of CDS is removed: routes to it answer 503 as Envoy's (no cluster, flag NC), the others serve
        xds.set(snapshot("5", List.of("v1", "v3"), true, routes(jason("reviews-v2"), route("/", "reviews-v3"))));
        xds.await(r -> r.getTypeUrl().equals(CDS) && r.getVersionInfo().equals("5") && !r.hasErrorDetail(), WAIT);
        xds.await(r -> r.getTypeUrl().equals(RDS) && r.getVersionInfo().equals("5") && !r.hasErrorDetail(), WAIT);
        try (RawHttpClient c = RawHttpClient.connect(port, READ_MS)) {
            RawHttpClient.RawResponse gone = c.send(get("/reviews/1", "jason")).readResponse();
            assertThat(gone.status()).isEqualTo(503);
            assertThat(gone.bodyText()).isEqualTo("no cluster named \"reviews-v2\"\n");
            assertThat(backend(c.get("/reviews/1"))).isEqualTo("v3");
        }

        // 7. the listener left out of LDS is removed: its port closes
        xds.set(snapshot("6", List.of("v1", "v3"), false, routes(route("/", "reviews-v3"))));
        xds.await(r -> r.getTypeUrl().equals(LDS) && r.getVersionInfo().equals("6") && !r.hasErrorDetail(), WAIT);
        eventually(() -> !MosnProcess.canConnect(port));
    }

    /** 1,000 clusters (STATIC, hosts inline) and one route table of 1,000 routes in one push: all applied; time and RSS printed. */
    @Test
    @Order(2)
    void thousandClustersAndRoutes() throws Exception {
        int n = 1000;
        List<Cluster> clusters = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NettyHttpBackend b = i % 2 == 0 ? v1 : v3;
            LbEndpoint host = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(b.port()))).build();
            clusters.add(Cluster.newBuilder().setName("svc-" + i).setType(Cluster.DiscoveryType.STATIC)
                    .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("svc-" + i)
                            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(host))).build());
            routes.add(route("/svc-" + i + "/", "svc-" + i));
        }
        long rssBefore = mosn.rssKib();
        long t0 = System.nanoTime();
        xds.set(Snapshot.create(clusters, List.of(), List.of(listener("0.0.0.0_9080", port, "9080")),
                List.of(routes("9080", routes.toArray(Route[]::new))), List.of(), "big"));
        xds.await(r -> r.getTypeUrl().equals(RDS) && r.getVersionInfo().equals("big") && !r.hasErrorDetail(), WAIT.multipliedBy(2));
        long appliedMillis = (System.nanoTime() - t0) / 1_000_000;
        try (RawHttpClient c = RawHttpClient.connect(port, READ_MS)) {
            assertThat(backend(c.get("/svc-0/x"))).isEqualTo("v1");
            assertThat(backend(c.get("/svc-999/x"))).isEqualTo("v3");
            assertThat(backend(c.get("/svc-998/x"))).isEqualTo("v1");
        }
        System.out.printf("xDS: %d clusters + %d routes pushed and applied (RDS ACKed) in %d ms; mosn RSS %d -> %d MiB%n", n, n,
                appliedMillis, rssBefore / 1024, mosn.rssKib() / 1024);
        xds.await(r -> r.getTypeUrl().equals(CDS) && r.getVersionInfo().equals("big") && !r.hasErrorDetail(), WAIT);
    }

    // ---- the bookinfo-like resources ----

    static Snapshot snapshot(String version, List<String> versions, boolean listener, RouteConfiguration routes) {
        return snapshot(version, versions, listener ? List.of(listener("0.0.0.0_9080", port, "9080")) : List.of(), List.of(routes));
    }

    static Snapshot snapshot(String version, List<String> versions, List<Listener> listeners, List<RouteConfiguration> routes) {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        for (String v : versions) {
            NettyHttpBackend b = switch (v) {
                case "v1" -> v1;
                case "v2" -> v2;
                default -> v3;
            };
            String name = "reviews-" + v;
            String service = "outbound|9080|" + v + "|reviews.default.svc.cluster.local";
            clusters.add(Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(service).setEdsConfig(ads()))
                    .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build());
            endpoints.add(ClusterLoadAssignment.newBuilder().setClusterName(service)
                    .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                            .setEndpoint(Endpoint.newBuilder().setAddress(address(b.port()))))).build());
        }
        return Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version);
    }

    static Listener listener(String name, int port, String rds) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("outbound_0.0.0.0_" + rds)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setRouteConfigName(rds).setConfigSource(ads()))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName(name).setAddress(address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)))).build();
    }

    static RouteConfiguration routes(Route... rs) {
        return routes("9080", rs);
    }

    static RouteConfiguration routes(String name, Route... rs) {
        return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(VirtualHost.newBuilder()
                .setName("reviews.default.svc.cluster.local:9080").addDomains("*").addAllRoutes(List.of(rs))).build();
    }

    static Route route(String prefix, String cluster) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
    }

    static Route jason(String cluster) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder()
                        .setName("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                .setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
    }

    static Route weighted(String a, String b) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(a).setWeight(UInt32Value.of(50)))
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(b).setWeight(UInt32Value.of(50))))).build();
    }

    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
    }

    static Address address(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
    }

    // ---- helpers ----

    static long counter(String statsJson, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(name) + "\"\\s*:\\s*(\\d+)")
                .matcher(statsJson);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String get(String path, String user) {
        return "GET " + path + " HTTP/1.1\r\nHost: reviews:9080\r\n" + (user == null ? "" : "end-user: " + user + "\r\n") + "\r\n";
    }

    static String backend(RawHttpClient.RawResponse r) {
        assertThat(r.status()).as("status, body %s", r.bodyText()).isEqualTo(200);
        return r.header("x-backend");
    }

    /** Sends requests on {@code c} (one connection throughout) until one is served by {@code expected}. */
    static void awaitOn(RawHttpClient c, String user, String expected) throws Exception {
        awaitOn(c, user, expected, "/reviews/1");
    }

    static void awaitOn(RawHttpClient c, String user, String expected, String path) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            RawHttpClient.RawResponse r = c.send(get(path, user)).readResponse();
            last = r.status() + " " + r.header("x-backend");
            if (r.status() == 200 && expected.equals(r.header("x-backend"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("never served by " + expected + " on the same connection; last: " + last + "\n" + mosn.tail());
    }

    static void eventually(Callable<Boolean> condition) throws Exception {
        eventually(mosn, condition);
    }

    /** Waits up to {@link #WAIT} for {@code condition}; fails with the tail of {@code process}'s output. */
    static void eventually(MosnProcess process, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within " + WAIT + "\n" + process.tail());
    }
}
