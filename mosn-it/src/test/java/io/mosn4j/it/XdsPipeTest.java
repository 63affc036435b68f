package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ADS server on a Unix socket, as Istio's agent serves it ({@code pipe} in the static
 * {@code xds-grpc} cluster): bin/mosn reaches java-control-plane over it and serves what it sends.
 */
class XdsPipeTest {
    static final String BOOTSTRAP = """
            {
              "node": {"id": "sidecar~127.0.0.1~pipe.default~default.svc.cluster.local", "cluster": "pipe.default"},
              "servers": [{"default_log_path": "stdout"}],
              "static_resources": {"clusters": [{"name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                  {"pipe": {"path": "${PIPE}"}}}}]}]}}]},
              "dynamic_resources": {
                "ads_config": {"api_type": "GRPC", "transport_api_version": "V3", "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
                "cds_config": {"ads": {}, "resource_api_version": "V3"},
                "lds_config": {"ads": {}, "resource_api_version": "V3"}}
            }
            """;

    @Test
    void adsOverUnixSocket() throws Exception {
        Path dir = Files.createTempDirectory("mosn-xds-pipe");
        Path pipe = dir.resolve("XDS");
        int port = freePort();
        try (NettyHttpBackend v1 = NettyHttpBackend.start("v1");
             XdsServer xds = new XdsServer(pipe).start()) {
            LbEndpoint host = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(XdsTest.address(v1.port()))).build();
            Cluster cluster = Cluster.newBuilder().setName("reviews-v1").setType(Cluster.DiscoveryType.STATIC)
                    .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("reviews-v1")
                            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(host))).build();
            xds.set(Snapshot.create(List.of(cluster), List.of(), List.of(XdsTest.listener("l", port, "r")),
                    List.of(XdsTest.routes("r", XdsTest.route("/", "reviews-v1"))), List.of(), "1"));
            try (MosnProcess mosn = MosnProcess.builder().config(render(BOOTSTRAP, vars("PIPE", pipe))).waitFor(port)
                    .startTimeout(XdsTest.WAIT).start()) {
                assertThat(XdsTest.backend(RawHttpClient.connect(port, XdsTest.READ_MS).get("/reviews/1"))).isEqualTo("v1");
                assertThat(mosn.output()).contains("unix:" + pipe);
                assertThat(mosn.stop()).isZero();
                mosn.assertNoLeaks();
            }
        } finally {
            Files.deleteIfExists(pipe);
            Files.deleteIfExists(dir);
        }
    }
}
