package io.mosn4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
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
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.config.RouterConfig;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Envoy resources to MOSN's JSON, checked by the loader bin/mosn uses (no stand-in). */
class EnvoyConversionTest {

    @Test
    void edsClusterGetsHealthyPriorityZeroHostsWithWeights() {
        Cluster c = Cluster.newBuilder().setName("outbound|9080|v1|reviews").setType(Cluster.DiscoveryType.EDS)
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2)).build();
        EnvoyConversion.ClusterShape shape = EnvoyConversion.cluster(c);
        assertThat(shape.edsServiceName()).isEqualTo("outbound|9080|v1|reviews"); // no service_name: the cluster's name
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("outbound|9080|v1|reviews")
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(endpoint(9001, HealthStatus.HEALTHY, 3))
                        .addLbEndpoints(endpoint(9002, HealthStatus.UNHEALTHY, 1))
                        .addLbEndpoints(endpoint(9003, HealthStatus.UNKNOWN, 0)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1).addLbEndpoints(endpoint(9004, HealthStatus.HEALTHY, 0)))
                .build();
        JsonNode json = shape.withHosts(cla);
        ClusterConfig cc = ConfigLoader.convert(json, ClusterConfig.class, "cluster");
        assertThat(cc.lbType()).isEqualTo("LB_LEAST_REQUEST");
        assertThat(cc.connectTimeout()).hasSeconds(2);
        assertThat(cc.hosts()).extracting(h -> h.address()).containsExactly("127.0.0.1:9001", "127.0.0.1:9003");
        assertThat(cc.hosts().get(0).weight()).isEqualTo(3);
    }

    @Test
    void ringHashStaysARingHashAndCustomClusterTypesAreRejected() {
        Cluster ring = Cluster.newBuilder().setName("c").setLbPolicy(Cluster.LbPolicy.RING_HASH).build();
        assertThat(ConfigLoader.convert(EnvoyConversion.cluster(ring).json(), ClusterConfig.class, "cluster c").lbType())
                .isEqualTo("LB_RINGHASH");
        Cluster custom = Cluster.newBuilder().setName("c").setClusterType(Cluster.CustomClusterType.newBuilder()
                .setName("envoy.clusters.aggregate")).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(custom)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("cluster_type: custom cluster types (envoy.clusters.aggregate)");
        Cluster tls = Cluster.newBuilder().setName("c").setTransportSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(tls)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("transport_socket: Envoy's TLS transport socket is not converted");
    }

    @Test
    void headerMatchersBecomeMosnsExactOrAnchoredRegex() {
        assertThat(header(HeaderMatcher.newBuilder().setName("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))))
                .isEqualTo("{\"name\":\"end-user\",\"value\":\"jason\"}");
        String prefix = EnvoyConversion.header(HeaderMatcher.newBuilder().setName("x").setStringMatch(StringMatcher.newBuilder()
                .setPrefix("a.b").setIgnoreCase(true)).build()).get("value").asText();
        assertThat(Pattern.matches(prefix, "A.Bcd")).isTrue();
        assertThat(Pattern.matches(prefix, "axbcd")).isFalse(); // the dot is literal
        String contains = EnvoyConversion.header(HeaderMatcher.newBuilder().setName("x").setContainsMatch("mid").build()).get("value").asText();
        assertThat(Pattern.matches(contains, "amidb")).isTrue();
        assertThat(header(HeaderMatcher.newBuilder().setName("x").setSafeRegexMatch(RegexMatcher.newBuilder().setRegex("v[0-9]+"))))
                .isEqualTo("{\"name\":\"x\",\"value\":\"v[0-9]+\",\"regex\":true}");
    }

    @Test
    void invertedHeaderMatchIsRefusedByTodaysLoader() {
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("r").addVirtualHosts(VirtualHost.newBuilder().setName("v")
                .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")
                        .addHeaders(HeaderMatcher.newBuilder().setName("x").setExactMatch("1").setInvertMatch(true)))
                        .setRoute(RouteAction.newBuilder().setCluster("c")))).build();
        JsonNode json = EnvoyConversion.router(rc);
        assertThatThrownBy(() -> ConfigLoader.convert(json, RouterConfig.class, "route r"))
                .hasMessageContaining("route r.virtual_hosts[0].routers[0].match.headers[0].invert_match");
    }

    @Test
    void rdsListenerNamesItsRouteTableAndAutoCodec() {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setRouteConfigName("9080"))
                .addHttpFilters(HttpFilter.newBuilder().setName("istio.stats"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener l = Listener.newBuilder().setName("0.0.0.0_9080").setAddress(address(9080)).setBindToPort(BoolValue.of(false))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
        EnvoyConversion.ListenerShape shape = EnvoyConversion.listener(l);
        assertThat(shape.rdsNames()).containsExactly("9080");
        ListenerConfig lc = ConfigLoader.convert(shape.json(), ListenerConfig.class, "listener");
        assertThat(lc.bindPort()).isFalse();
        assertThat(shape.json().at("/filter_chains/0/filters/0/config/router_config_name").asText()).isEqualTo("9080");
        assertThat(shape.json().at("/filter_chains/0/filters/0/config/downstream_protocol").asText()).isEqualTo("Auto");
    }

    @Test
    void unknownHttpFilterIsRejectedUnlessOptional() {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.ext_authz"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")).build();
        Listener l = Listener.newBuilder().setName("l").setAddress(address(1))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(l)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("filter_chains[0].filters[0].http_filters[0]: HTTP filter envoy.filters.http.ext_authz");
        Listener optional = l.toBuilder().setFilterChains(0, FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("hcm")
                .setTypedConfig(Any.pack(hcm.toBuilder().setHttpFilters(0, hcm.getHttpFilters(0).toBuilder().setIsOptional(true)).build()))))
                .build();
        assertThat(EnvoyConversion.listener(optional).rdsNames()).containsExactly("r");
    }

    private static String header(HeaderMatcher.Builder h) {
        return EnvoyConversion.header(h.build()).toString();
    }

    private static LbEndpoint endpoint(int port, HealthStatus health, int weight) {
        LbEndpoint.Builder b = LbEndpoint.newBuilder().setHealthStatus(health).setEndpoint(Endpoint.newBuilder().setAddress(address(port)));
        if (weight > 0) {
            b.setLoadBalancingWeight(UInt32Value.of(weight));
        }
        return b.build();
    }

    private static Address address(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
    }
}
