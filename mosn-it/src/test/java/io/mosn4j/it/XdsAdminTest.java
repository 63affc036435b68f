package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.XdsTest.address;
import static io.mosn4j.it.XdsTest.ads;
import static io.mosn4j.it.XdsTest.route;
import static io.mosn4j.it.XdsTest.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Envoy's admin API and outlier detection on bin/mosn driven by java-control-plane: an EDS cluster
 * pushed with {@code outlier_detection} whose two endpoints are real HTTP backends, one answering
 * 503; an outbound listener with RDS routes and an inbound one ({@code traffic_direction: INBOUND},
 * Istio's {@code virtualInbound}) with inline routes. What a user (istioctl, pilot-agent, an
 * operator with curl) sees: {@code /config_dump} in Envoy's format with each resource's version,
 * {@code /clusters} and {@code /listeners} in Envoy's text and JSON, the failing host ejected and
 * counted, and {@code /drain_listeners} stopping the inbound listener, then all.
 */
class XdsAdminTest {
    static final String BOOTSTRAP = """
            {
              "node": {"id": "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local", "cluster": "productpage.default"},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}},
              "servers": [{"default_log_path": "stdout", "graceful_timeout": "2s"}],
              "static_resources": {
                "clusters": [{
                "name": "static-backend", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "static-backend", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"socket_address": {"address": "127.0.0.1", "port_value": ${GOOD}}}}}]}]}}, {
                "name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"socket_address": {"address": "127.0.0.1", "port_value": ${XDS}}}}}]}]}}]},
              "dynamic_resources": {
                "ads_config": {"api_type": "GRPC", "transport_api_version": "V3", "set_node_on_first_message_only": true,
                               "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
                "cds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"},
                "lds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"}}
            }
            """;
    static final Duration WAIT = XdsTest.WAIT;
    static final String SERVICE = "outbound|9080||reviews.default.svc.cluster.local";
    static final String ADMIN_TYPE = "type.googleapis.com/envoy.admin.v3.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static NettyHttpBackend good;
    private static NettyHttpBackend bad;
    private static XdsServer xds;
    private static MosnProcess mosn;
    private static int outbound;
    private static int inbound;
    private static int admin;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        good = NettyHttpBackend.start("good", r -> r.uri().startsWith("/slow")
                ? NettyHttpBackend.Response.text(200, "slow").withHeader("x-backend", "good").delayed(1500)
                : NettyHttpBackend.Response.text(200, "good").withHeader("x-backend", "good"));
        bad = NettyHttpBackend.start("bad", r -> NettyHttpBackend.Response.text(503, "overloaded").withHeader("x-backend", "bad"));
        outbound = freePort();
        inbound = freePort();
        admin = freePort();
        xds = new XdsServer(freePort()).start();
        xds.set(snapshot("1", routes(route("/", "reviews"))));
        mosn = MosnProcess.builder().config(render(BOOTSTRAP, vars("ADMIN", admin, "XDS", xds.port, "GOOD", good.port())))
                .waitFor(outbound, inbound).startTimeout(WAIT).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                assertThat(mosn.stop()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (xds != null) {
                xds.close();
            }
            for (NettyHttpBackend b : new NettyHttpBackend[] {good, bad}) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    @Test
    void envoysAdminApiOutlierEjectionAndDrain() throws Exception {
        // 1. /config_dump in Envoy's format: the bootstrap, then clusters, listeners and routes with their versions
        xds.await(r -> r.getTypeUrl().equals(XdsTest.RDS) && r.getVersionInfo().equals("1") && !r.hasErrorDetail(), WAIT);
        // a push that changes only the routes: they take version 2, the cluster and listeners keep version 1 (as in Envoy)
        xds.set(snapshot("2", routes(route("/extra", "static-backend"), route("/", "reviews"))));
        xds.await(r -> r.getTypeUrl().equals(XdsTest.RDS) && r.getVersionInfo().equals("2") && !r.hasErrorDetail(), WAIT);
        JsonNode dump = json(admin("/config_dump"));
        List<String> types = new ArrayList<>();
        dump.get("configs").forEach(c -> types.add(c.get("@type").asText()));
        assertThat(types).containsExactly(ADMIN_TYPE + "BootstrapConfigDump", ADMIN_TYPE + "ClustersConfigDump",
                ADMIN_TYPE + "ListenersConfigDump", ADMIN_TYPE + "RoutesConfigDump");
        JsonNode bootstrap = dump.get("configs").get(0).get("bootstrap");
        assertThat(bootstrap.at("/node/id").asText()).startsWith("sidecar~127.0.0.1~productpage-v1");
        assertThat(bootstrap.at("/admin/address/socket_address/port_value").asInt()).isEqualTo(admin);
        JsonNode clusters = dump.get("configs").get(1);
        assertThat(clusters.get("version_info").asText()).isEqualTo("2");
        assertThat(names(clusters.get("static_clusters"), "/cluster/name")).containsExactly("static-backend", "xds-grpc");
        JsonNode reviews = clusters.get("dynamic_active_clusters").get(0);
        assertThat(reviews.get("version_info").asText()).isEqualTo("1");
        assertThat(reviews.has("last_updated")).isTrue();
        assertThat(reviews.at("/cluster/@type").asText()).isEqualTo("type.googleapis.com/envoy.config.cluster.v3.Cluster");
        assertThat(reviews.at("/cluster/name").asText()).isEqualTo("reviews");
        assertThat(reviews.at("/cluster/outlier_detection/consecutive_5xx").asInt()).isEqualTo(3);
        JsonNode listeners = dump.get("configs").get(2);
        assertThat(listeners.get("version_info").asText()).isEqualTo("2");
        assertThat(names(listeners.get("dynamic_listeners"), "/name")).containsExactly("0.0.0.0_9080", "virtualInbound");
        assertThat(listeners.at("/dynamic_listeners/0/active_state/version_info").asText()).isEqualTo("1");
        assertThat(listeners.at("/dynamic_listeners/0/active_state/listener/filter_chains/0/filters/0/typed_config/@type").asText())
                .endsWith("HttpConnectionManager");
        JsonNode routeDump = dump.get("configs").get(3);
        assertThat(routeDump.at("/dynamic_route_configs/0/version_info").asText()).isEqualTo("2");
        assertThat(routeDump.at("/dynamic_route_configs/0/route_config/name").asText()).isEqualTo("9080");
        assertThat(routeDump.at("/static_route_configs/0/route_config/virtual_hosts/0/name").asText()).isEqualTo("inbound|9080||");
        // Envoy's query parameters: one resource kind's items, and the endpoints with include_eds
        JsonNode active = json(admin("/config_dump?resource=dynamic_active_clusters"));
        assertThat(active.at("/configs/0/@type").asText()).isEqualTo(ADMIN_TYPE + "ClustersConfigDump.DynamicCluster");
        assertThat(active.get("configs")).hasSize(1);
        JsonNode eds = json(admin("/config_dump?include_eds")).get("configs").get(2);
        assertThat(eds.get("@type").asText()).isEqualTo(ADMIN_TYPE + "EndpointsConfigDump");
        assertThat(eds.at("/dynamic_endpoint_configs/0/endpoint_config/cluster_name").asText()).isEqualTo(SERVICE);
        // MOSN's own dump stays where MOSN has it
        assertThat(json(admin("/api/v1/config_dump")).has("cluster_manager")).isTrue();

        // 2. outlier detection: round robin over the good and the failing endpoint until 3 503s in a row eject the failing one
        int fails = 0;
        try (RawHttpClient c = RawHttpClient.connect(outbound, XdsTest.READ_MS)) {
            for (int i = 0; i < 6; i++) {
                fails += c.get("/reviews/" + i).status() == 503 ? 1 : 0;
            }
            assertThat(fails).as("the failing endpoint answered before it was ejected").isEqualTo(3);
            eventually(() -> {
                for (int i = 0; i < 10; i++) {
                    RawHttpClient.RawResponse r = c.get("/reviews/x");
                    if (r.status() != 200 || !"good".equals(r.header("x-backend"))) {
                        return false;
                    }
                }
                return true;
            });
        }
        String stats = admin("/stats?filter=outlier_detection");
        assertThat(stats).contains("cluster.reviews.outlier_detection.ejections_enforced_consecutive_5xx: 1\n",
                "cluster.reviews.outlier_detection.ejections_enforced_total: 1\n", "cluster.reviews.outlier_detection.ejections: 1\n");

        // 3. /clusters: Envoy's text, host by host from the live cluster
        String text = admin("/clusters");
        String goodHost = "reviews::127.0.0.1:" + good.port() + "::";
        String badHost = "reviews::127.0.0.1:" + bad.port() + "::";
        assertThat(text).contains("reviews::added_via_api::true\n", "reviews::eds_service_name::" + SERVICE + "\n",
                "reviews::default_priority::max_connections::4294967295\n", "static-backend::added_via_api::false\n",
                goodHost + "health_flags::healthy\n", badHost + "health_flags::/failed_outlier_check\n", goodHost + "weight::1\n",
                badHost + "rq_total::3\n", badHost + "rq_error::3\n", goodHost + "cx_active::", goodHost + "cx_total::");
        assertThat(counterLine(text, goodHost + "rq_total::")).isGreaterThanOrEqualTo(13);
        JsonNode clustersJson = json(admin("/clusters?format=json"));
        JsonNode reviewsStatus = null;
        for (JsonNode s : clustersJson.get("cluster_statuses")) {
            if (s.get("name").asText().equals("reviews")) {
                reviewsStatus = s;
            }
        }
        assertThat(reviewsStatus).isNotNull();
        assertThat(reviewsStatus.get("added_via_api").asBoolean()).isTrue();
        for (JsonNode h : reviewsStatus.get("host_statuses")) {
            boolean isBad = h.at("/address/socket_address/port_value").asInt() == bad.port();
            assertThat(h.at("/health_status/failed_outlier_check").asBoolean()).isEqualTo(isBad);
            assertThat(h.at("/health_status/eds_health_status").asText()).isEqualTo("HEALTHY");
        }

        // 4. /listeners: name::address, and Envoy's Listeners message
        assertThat(admin("/listeners").split("\n")).containsExactlyInAnyOrder("0.0.0.0_9080::127.0.0.1:" + outbound,
                "virtualInbound::127.0.0.1:" + inbound);
        List<String> statuses = new ArrayList<>();
        json(admin("/listeners?format=json")).get("listener_statuses").forEach(l -> statuses.add(l.get("name").asText() + "="
                + l.at("/local_address/socket_address/port_value").asInt()));
        assertThat(statuses).containsExactlyInAnyOrder("0.0.0.0_9080=" + outbound, "virtualInbound=" + inbound);

        // 5. POST /drain_listeners?inboundonly: the inbound listener stops accepting and its idle connection closes; outbound serves
        try (RawHttpClient in = RawHttpClient.connect(inbound, XdsTest.READ_MS);
             RawHttpClient out = RawHttpClient.connect(outbound, XdsTest.READ_MS)) {
            assertThat(in.get("/x").status()).isEqualTo(200);
            assertThat(out.get("/extra").status()).isEqualTo(200);
            assertThat(post("/drain_listeners?inboundonly")).isEqualTo("OK\n");
            assertThat(in.closedByPeerWithin(5_000)).as("idle inbound connection closed").isTrue();
            assertThat(MosnProcess.canConnect(inbound)).isFalse();
            assertThat(out.get("/extra").status()).isEqualTo(200);
            assertThat(MosnProcess.canConnect(outbound)).isTrue();
            assertThat(admin("/ready")).isEqualTo("LIVE\n");

            // 6. POST /drain_listeners?graceful (Istio's preStop): a request in flight is answered with Connection: close, the
            //    server reports DRAINING, and the listener stops accepting when the drain period (graceful_timeout) ends
            out.send("GET /slow HTTP/1.1\r\nHost: reviews\r\n\r\n");
            eventually(() -> good.started.contains("/slow"));
            CompletableFuture<String> drained = CompletableFuture.supplyAsync(() -> post("/drain_listeners?graceful&skip_exit"));
            RawHttpClient.RawResponse slow = out.readResponse();
            assertThat(slow.status()).isEqualTo(200);
            assertThat(slow.connectionClose()).as("in flight during the drain: told to close").isTrue();
            assertThat(drained.get()).isEqualTo("OK\n");
            assertThat(admin("/stats?filter=%5Eserver.state%24")).isEqualTo("server.state: 1\n");
            eventually(() -> !MosnProcess.canConnect(outbound));
        }
    }

    // ---- resources ----

    static Snapshot snapshot(String version, RouteConfiguration routes) {
        Cluster reviews = Cluster.newBuilder().setName("reviews").setType(Cluster.DiscoveryType.EDS)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(SERVICE).setEdsConfig(ads()))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(3))
                        .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                        .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(60))
                        .setMaxEjectionPercent(UInt32Value.of(50)))
                .build();
        ClusterLoadAssignment endpoints = ClusterLoadAssignment.newBuilder().setClusterName(SERVICE)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(good.port()))))
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(bad.port())))))
                .build();
        Listener out = XdsTest.listener("0.0.0.0_9080", outbound, "9080").toBuilder()
                .setTrafficDirection(TrafficDirection.OUTBOUND).build();
        HttpConnectionManager inline = HttpConnectionManager.newBuilder().setStatPrefix("inbound_0.0.0.0_9080")
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|9080||").addVirtualHosts(
                        io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("inbound|9080||").addDomains("*")
                                .addRoutes(route("/", "static-backend"))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener in = Listener.newBuilder().setName("virtualInbound").setAddress(address(inbound))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(inline)))).build();
        return Snapshot.create(List.of(reviews), List.of(endpoints), List.of(out, in), List.of(routes), List.of(), version);
    }

    // ---- helpers ----

    private static String admin(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isIn(200, 503);
        return r.body();
    }

    private static String post(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(200);
            return r.body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(String body) throws Exception {
        return JSON.readTree(body);
    }

    private static List<String> names(JsonNode array, String pointer) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.at(pointer).asText()));
        return out;
    }

    private static void eventually(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        XdsTest.eventually(mosn, condition);
    }

    private static long counterLine(String text, String prefix) {
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()));
            }
        }
        return -1;
    }
}
