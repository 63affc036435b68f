package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.XdsTest.address;
import static io.mosn4j.it.XdsTest.ads;
import static io.mosn4j.it.XdsTest.backend;
import static io.mosn4j.it.XdsTest.get;
import static io.mosn4j.it.XdsTest.jason;
import static io.mosn4j.it.XdsTest.listener;
import static io.mosn4j.it.XdsTest.route;
import static io.mosn4j.it.XdsTest.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Delta (incremental) xDS, what current Istio asks its proxies for: bin/mosn started from a
 * bootstrap with {@code api_type: DELTA_GRPC}, driven by java-control-plane's delta ADS server.
 * In turn: Envoy's order with per-type subscriptions; a route change seen on a keep-alive
 * connection opened before it; a partly invalid push NACKed with an {@code error_detail} naming the
 * resource and field while its valid cluster is applied; a cluster removed by
 * {@code removed_resources} (its routes fail, its endpoints are unsubscribed); a control plane
 * restart (the new stream lists the versions held in {@code initial_resource_versions}); the
 * listener removed (its port closes).
 */
class XdsDeltaTest {
    static final String BOOTSTRAP = """
            {
              "node": {"id": "sidecar~127.0.0.1~reviews-v1.default~default.svc.cluster.local", "cluster": "reviews.default"},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}},
              "servers": [{"default_log_path": "stdout"}],
              "static_resources": {"clusters": [{
                "name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"socket_address": {"address": "127.0.0.1", "port_value": ${XDS}}}}}]}]}}]},
              "dynamic_resources": {
                "ads_config": {"api_type": "DELTA_GRPC", "transport_api_version": "V3", "set_node_on_first_message_only": true,
                               "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
                "cds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"},
                "lds_config": {"ads": {}, "initial_fetch_timeout": "0s", "resource_api_version": "V3"}}
            }
            """;
    static final Duration WAIT = XdsTest.WAIT;
    static final String CDS = XdsTest.CDS;
    static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final String LDS = XdsTest.LDS;
    static final String RDS = XdsTest.RDS;

    private NettyHttpBackend v1;
    private NettyHttpBackend v2;
    private MosnProcess mosn;
    private int port;

    @Test
    void deltaStreamDrivesTheProxy() throws Exception {
        v1 = NettyHttpBackend.start("v1");
        v2 = NettyHttpBackend.start("v2");
        port = freePort();
        int admin = freePort();
        try (XdsServer xds = new XdsServer(freePort()).start()) {
            xds.set(snapshot("1", List.of("v1", "v2"), List.of(), true, routes(jason("reviews-v2"), route("/", "reviews-v1"))));
            mosn = MosnProcess.builder().config(render(BOOTSTRAP, vars("ADMIN", admin, "XDS", xds.port))).waitFor(port)
                    .startTimeout(WAIT).start();
            try (RawHttpClient kept = RawHttpClient.connect(port, XdsTest.READ_MS)) {
                // 1. Envoy's order, over the delta stream: clusters (wildcard), their endpoints by name, listeners, routes by name
                assertThat(backend(kept.get("/reviews/1"))).isEqualTo("v1");
                assertThat(backend(kept.send(get("/reviews/1", "jason")).readResponse())).isEqualTo("v2");
                assertThat(xds.requests).as("no state-of-the-world request").isEmpty();
                Set<String> order = new LinkedHashSet<>();
                xds.deltaRequests.forEach(r -> order.add(r.getTypeUrl().replaceAll(".*\\.", "")));
                assertThat(order).containsExactly("Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration");
                DeltaDiscoveryRequest first = xds.deltaRequests.getFirst();
                assertThat(first.getNode().getId()).startsWith("sidecar~127.0.0.1~");
                assertThat(first.getResourceNamesSubscribeList()).as("clusters: wildcard").isEmpty();
                assertThat(first.getResponseNonce()).isEmpty();
                xds.awaitDelta(r -> r.getTypeUrl().equals(EDS) && r.getResourceNamesSubscribeList().equals(List.of(service("v1"), service("v2"))), WAIT);
                xds.awaitDelta(r -> r.getTypeUrl().equals(RDS) && r.getResourceNamesSubscribeList().equals(List.of("9080")), WAIT);
                // every response ACKed by its nonce, without error
                xds.awaitDelta(r -> r.getTypeUrl().equals(RDS) && !r.getResponseNonce().isEmpty() && !r.hasErrorDetail(), WAIT);

                // 2. a route change reaches the connection opened before it
                xds.set(snapshot("2", List.of("v1", "v2"), List.of(), true, routes(jason("reviews-v1"), route("/", "reviews-v2"))));
                awaitOn(kept, null, "v2", "/reviews/1");
                assertThat(backend(kept.send(get("/reviews/1", "jason")).readResponse())).isEqualTo("v1");

                // 3. a partly invalid push: NACKed naming the resource and field; the valid new cluster is applied and serves
                Cluster aggregate = Cluster.newBuilder().setName("reviews-aggregate").setClusterType(Cluster.CustomClusterType.newBuilder()
                        .setName("envoy.clusters.aggregate")).build();
                xds.set(snapshot("3", List.of("v1", "v2"), List.of(extra(), aggregate), true,
                        routes(route("/extra", "reviews-extra"), jason("reviews-v2"), route("/", "reviews-v1"))));
                DeltaDiscoveryRequest nack = xds.awaitDelta(r -> r.getTypeUrl().equals(CDS) && r.hasErrorDetail(), WAIT);
                assertThat(nack.getResponseNonce()).isNotEmpty();
                assertThat(nack.getErrorDetail().getMessage()).startsWith("cluster reviews-aggregate: cluster_type: custom cluster types");
                // (wait on what changed from version 2 — "/" went to v2 there, so "/extra" alone would pass on the old table)
                awaitOn(kept, null, "v1", "/reviews/1");
                assertThat(backend(kept.get("/extra"))).isEqualTo("v2");

                // 4. a cluster removed (removed_resources): routes to it answer 503 (Envoy's no cluster), its endpoints are unsubscribed, the rest serve
                xds.set(snapshot("4", List.of("v1"), List.of(extra()), true,
                        routes(route("/extra", "reviews-extra"), jason("reviews-v2"), route("/", "reviews-v1"))));
                xds.awaitDelta(r -> r.getTypeUrl().equals(EDS) && r.getResourceNamesUnsubscribeList().equals(List.of(service("v2"))), WAIT);
                eventually(() -> kept.send(get("/reviews/1", "jason")).readResponse().status() == 503);
                assertThat(backend(kept.get("/reviews/1"))).isEqualTo("v1");
                assertThat(backend(kept.get("/extra"))).isEqualTo("v2");
            }

            // 5. control plane restart: the new stream tells the server every version the proxy holds, and takes the next push
            int before = xds.deltaRequests.size();
            xds.stop();
            try (RawHttpClient c = RawHttpClient.connect(port, XdsTest.READ_MS)) {
                assertThat(backend(c.get("/reviews/1"))).as("serving while the control plane is down").isEqualTo("v1");
            }
            xds.set(snapshot("5", List.of("v1"), List.of(extra()), true, routes(route("/", "reviews-extra"))));
            xds.start();
            DeltaDiscoveryRequest again = xds.awaitDelta(r -> xds.deltaRequests.indexOf(r) >= before && r.getTypeUrl().equals(CDS), WAIT);
            assertThat(again.getResponseNonce()).isEmpty();
            assertThat(again.hasNode()).isTrue();
            assertThat(again.getInitialResourceVersionsMap().keySet()).containsExactlyInAnyOrder("reviews-v1", "reviews-extra");
            Map<String, String> versions = again.getInitialResourceVersionsMap();
            assertThat(versions.values()).allSatisfy(v -> assertThat(v).isNotEmpty());
            try (RawHttpClient c = RawHttpClient.connect(port, XdsTest.READ_MS)) {
                awaitOn(c, null, "v2", "/reviews/1");
            }

            // 6. the listener removed: its port closes
            xds.set(snapshot("6", List.of("v1"), List.of(extra()), false, routes(route("/", "reviews-extra"))));
            eventually(() -> !MosnProcess.canConnect(port));
        } finally {
            try {
                if (mosn != null) {
                    assertThat(mosn.stop()).isZero();
                    mosn.assertNoLeaks();
                }
            } finally {
                if (mosn != null) {
                    mosn.close();
                }
                v1.close();
                v2.close();
            }
        }
    }

    private static String service(String v) {
        return "outbound|9080|" + v + "|reviews.default.svc.cluster.local";
    }

    /** A STATIC cluster on the v2 backend. */
    private Cluster extra() {
        return Cluster.newBuilder().setName("reviews-extra").setType(Cluster.DiscoveryType.STATIC).setLoadAssignment(
                ClusterLoadAssignment.newBuilder().setClusterName("reviews-extra").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(v2.port())))))).build();
    }

    private Snapshot snapshot(String version, List<String> versions, List<Cluster> more, boolean listener, RouteConfiguration routes) {
        List<Cluster> clusters = new ArrayList<>(more);
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        for (String v : versions) {
            clusters.add(Cluster.newBuilder().setName("reviews-" + v).setType(Cluster.DiscoveryType.EDS)
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(service(v)).setEdsConfig(ads())).build());
            endpoints.add(ClusterLoadAssignment.newBuilder().setClusterName(service(v))
                    .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                            .setEndpoint(Endpoint.newBuilder().setAddress(address((v.equals("v1") ? v1 : v2).port()))))).build());
        }
        List<Listener> listeners = listener ? List.of(listener("0.0.0.0_9080", port, "9080")) : List.of();
        return Snapshot.create(clusters, endpoints, listeners, List.of(routes), List.of(), version);
    }

    private void awaitOn(RawHttpClient c, String user, String expected, String path) throws Exception {
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

    private void eventually(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within " + WAIT + "\n" + mosn.tail());
    }
}
