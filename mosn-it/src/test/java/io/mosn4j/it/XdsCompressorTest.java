package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's {@code envoy.filters.http.compressor} pushed over ADS by java-control-plane to the real
 * {@code bin/mosn}: the listener compresses what its config says (curl {@code --compressed});
 * a later push with a library mosn4j lacks is NACKed naming the field, and the listener keeps
 * compressing as before.
 */
class XdsCompressorTest {
    static final String BOOTSTRAP = """
            {
              "node": {"id": "sidecar~127.0.0.1~gzip.default~default.svc.cluster.local", "cluster": "gzip.default"},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}},
              "servers": [{"default_log_path": "stdout"}],
              "static_resources": {"clusters": [{
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
    static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String PAGE = "<p>pushed over ADS, compressed by mosn4j</p>\n".repeat(100);

    @Test
    void aPushedCompressorCompressesAndABadOneIsNacked() throws Exception {
        int port = freePort();
        int admin = freePort();
        try (NettyHttpBackend backend = NettyHttpBackend.start("page", r -> NettyHttpBackend.Response.text(200, PAGE)
                     .withHeader("content-type", "text/plain"));
             XdsServer xds = new XdsServer(freePort()).start()) {
            Compressor gzip = compressor(Any.pack(Gzip.newBuilder().setCompressionLevel(Gzip.CompressionLevel.BEST_SPEED).build()));
            xds.set(snapshot("1", port, backend.port(), gzip));
            try (MosnProcess mosn = MosnProcess.builder().config(render(BOOTSTRAP, vars("ADMIN", admin, "XDS", xds.port)))
                    .waitFor(port).startTimeout(Duration.ofSeconds(60)).start()) {
                assertCompressed(port);

                // brotli: mosn4j has no such library; the listener's update is refused and the old one serves on
                xds.set(snapshot("2", port, backend.port(), compressor(Any.pack(UInt32Value.of(11)))));
                DiscoveryRequest nack = xds.await(r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail(), Duration.ofSeconds(60));
                assertThat(nack.getErrorDetail().getMessage()).contains("http_filters[0].typed_config.compressor_library.typed_config")
                        .contains("is not supported (gzip is)");
                assertCompressed(port);
                assertThat(mosn.stop()).isZero();
            }
        }
    }

    private static void assertCompressed(int port) throws Exception {
        Curl.Result r = Curl.run("--compressed", "-D", "-", "http://127.0.0.1:" + port + "/page");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String out = r.stdout().replace("\r\n", "\n");
        assertThat(out.substring(0, out.indexOf("\n\n")).toLowerCase()).contains("content-encoding: gzip");
        assertThat(out.substring(out.indexOf("\n\n") + 2)).isEqualTo(PAGE);
    }

    private static Compressor compressor(Any library) {
        return Compressor.newBuilder().setCompressorLibrary(TypedExtensionConfig.newBuilder().setName("lib").setTypedConfig(library))
                .setResponseDirectionConfig(Compressor.ResponseDirectionConfig.newBuilder().setCommonConfig(
                        Compressor.CommonDirectionConfig.newBuilder().addContentType("text/plain"))).build();
    }

    private static Snapshot snapshot(String version, int port, int backendPort, Compressor compressor) {
        Cluster cluster = Cluster.newBuilder().setName("page").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("page").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(XdsTest.address(backendPort))))))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("gzip")
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRouteConfig(RouteConfiguration.newBuilder().setName("page").addVirtualHosts(VirtualHost.newBuilder().setName("all")
                        .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster("page")))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.compressor").setTypedConfig(Any.pack(compressor)))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder().setName("gzip").setAddress(XdsTest.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)))).build();
        return Snapshot.create(List.of(cluster), List.of(), List.of(listener), List.of(), List.of(), version);
    }
}
