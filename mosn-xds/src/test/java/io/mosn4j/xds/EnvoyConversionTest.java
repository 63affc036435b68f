package io.mosn4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
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
        Cluster tls = Cluster.newBuilder().setName("c").setTransportSocket(TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(tls)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("transport_socket.typed_config: required (transport socket envoy.transport_sockets.tls)");
    }

    @Test
    void outlierDetectionKeepsEnvoysFieldsAndWarnsAboutLocalOriginSplitting() {
        Cluster c = Cluster.newBuilder().setName("c").setOutlierDetection(io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(3)).setConsecutiveGatewayFailure(UInt32Value.of(2))
                .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000))
                .setMaxEjectionPercent(UInt32Value.of(50)).setAlwaysEjectOneHost(BoolValue.of(true))
                .setSplitExternalLocalOriginErrors(true)).build();
        io.mosn4j.config.ConfigWarnings warnings = new io.mosn4j.config.ConfigWarnings();
        ClusterConfig cc = warnings.collect(() -> ConfigLoader.convert(EnvoyConversion.cluster(c).json(), ClusterConfig.class, "cluster"));
        var od = cc.outlierDetection();
        assertThat(od.consecutive5xx()).isEqualTo(3);
        assertThat(od.consecutiveGatewayFailure()).isEqualTo(2);
        assertThat(od.enforcingConsecutiveGatewayFailure()).isEqualTo(100);
        assertThat(od.interval()).hasSeconds(1);
        assertThat(od.baseEjectionTime()).hasMillis(500);
        assertThat(od.maxEjectionPercent()).isEqualTo(50);
        assertThat(od.alwaysEjectOneHost()).isTrue();
        assertThat(od.enforcingConsecutive5xx()).isEqualTo(100); // Envoy's defaults for what the cluster leaves out
        assertThat(warnings.all()).singleElement().asString()
                .startsWith("cluster c.outlier_detection.split_external_local_origin_errors: not converted");
    }

    @Test
    void trafficDirectionBecomesMosnsListenerType() {
        Listener in = Listener.newBuilder().setName("virtualInbound").setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15006)))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.INBOUND).build();
        assertThat(EnvoyConversion.listener(in).json().get("type").asText()).isEqualTo("ingress");
        Listener out = in.toBuilder().setName("o").setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND)
                .build();
        assertThat(EnvoyConversion.listener(out).json().get("type").asText()).isEqualTo("egress");
    }

    @Test
    void lowestPriorityWithHealthyHostsServes() {
        Cluster c = Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.EDS).build();
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint(9001, HealthStatus.UNHEALTHY, 0)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(2).addLbEndpoints(endpoint(9003, HealthStatus.HEALTHY, 0)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1).addLbEndpoints(endpoint(9002, HealthStatus.HEALTHY, 0)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1).addLbEndpoints(endpoint(9004, HealthStatus.UNKNOWN, 0)))
                .build();
        ClusterConfig cc = ConfigLoader.convert(EnvoyConversion.cluster(c).withHosts(cla), ClusterConfig.class, "cluster");
        // priority 0 has no healthy host: priority 1 serves, from both its localities; priority 2 stays failover
        assertThat(cc.hosts()).extracting(h -> h.address()).containsExactly("127.0.0.1:9002", "127.0.0.1:9004");
    }

    @Test
    void upstreamTlsBecomesTheClustersTlsContextAndIstiosSocketMatchesChoosePerHost() {
        UpstreamTlsContext u = UpstreamTlsContext.newBuilder().setSni("backend.example.com")
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(file("/certs/cert.pem"))
                                .setPrivateKey(DataSource.newBuilder().setInlineString("-----BEGIN PRIVATE KEY-----\n")))
                        .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file("/certs/ca.pem")))
                        .setTlsParams(TlsParameters.newBuilder().setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2)
                                .addCipherSuites("[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]")
                                .addEcdhCurves("X25519").addEcdhCurves("P-256"))
                        .addAlpnProtocols("h2"))
                .build();
        TransportSocket tls = TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(u)).build();
        JsonNode t = EnvoyConversion.cluster(Cluster.newBuilder().setName("c").setTransportSocket(tls).build()).json().get("tls_context");
        assertThat(t.toString()).isEqualTo("{\"status\":true,\"cert_chain\":\"/certs/cert.pem\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n\","
                + "\"ca_cert\":\"/certs/ca.pem\",\"min_version\":\"TLS1.2\","
                + "\"cipher_suites\":\"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305\",\"ecdh_curves\":\"x25519,p256\","
                + "\"alpn\":\"h2\",\"server_name\":\"backend.example.com\"}");

        // Istio: hosts labelled tlsMode=istio get TLS, the others plaintext (MOSN's per-host tls_disable)
        Cluster istio = Cluster.newBuilder().setName("outbound|9080||reviews").setType(Cluster.DiscoveryType.EDS)
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
                        .setTransportSocket(tls))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                        .setMatch(Struct.getDefaultInstance()).setTransportSocket(TransportSocket.newBuilder()
                                .setName("envoy.transport_sockets.raw_buffer").setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
                .build();
        LbEndpoint mesh = endpoint(9001, HealthStatus.HEALTHY, 0).toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata(
                "envoy.transport_socket_match", Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build())
                        .build())).build();
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(mesh).addLbEndpoints(endpoint(9002, HealthStatus.HEALTHY, 0))).build();
        JsonNode json = EnvoyConversion.cluster(istio).withHosts(cla);
        assertThat(json.get("tls_context")).isEqualTo(t);
        assertThat(json.at("/hosts/0/tls_disable").isMissingNode()).isTrue();
        assertThat(json.at("/hosts/1/tls_disable").asBoolean()).isTrue();
        // only plaintext hosts: no TLS at all
        ClusterLoadAssignment plain = ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(endpoint(9002, HealthStatus.HEALTHY, 0))).build();
        assertThat(EnvoyConversion.cluster(istio).withHosts(plain).has("tls_context")).isFalse();
    }

    @Test
    void tlsTheProxyCannotHonourIsRejectedNamingTheField() {
        CommonTlsContext sds = CommonTlsContext.newBuilder().addTlsCertificateSdsSecretConfigs(
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig.newBuilder().setName("default")).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(sds).build())))
                .isInstanceOf(XdsRejection.class).hasMessageStartingWith(
                        "transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0]: SDS is supported only in "
                                + "resources from the ADS stream");
        CommonTlsContext spiffe = CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(file("/ca.pem")).addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(SubjectAltNameMatcher.SanType.URI).setMatcher(StringMatcher.newBuilder()
                                .setExact("spiffe://cluster.local/ns/default/sa/reviews")))).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(spiffe).build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("validation_context.match_typed_subject_alt_names: matching URI");
        CommonTlsContext crl = CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(file("/ca.pem")).setCrl(file("/crl.pem"))).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(crl).build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("validation_context.crl: not supported");
        // one exact DNS name: the name the server's certificate must carry (MOSN's server_name)
        CommonTlsContext dns = CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(file("/ca.pem")).addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(SubjectAltNameMatcher.SanType.DNS).setMatcher(StringMatcher.newBuilder().setExact("b.example.com")))).build();
        assertThat(EnvoyConversion.cluster(cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(dns).build())).json()
                .at("/tls_context/server_name").asText()).isEqualTo("b.example.com");
        // no validation context: Envoy checks nothing, nor does the converted cluster
        assertThat(EnvoyConversion.cluster(cluster(UpstreamTlsContext.getDefaultInstance())).json().at("/tls_context/insecure_skip")
                .asBoolean()).isTrue();
    }

    @Test
    void sdsSecretsOverAdsFillTheTlsContextAndIstiosSdsSocketIsRefused() {
        io.envoyproxy.envoy.config.core.v3.ConfigSource ads = io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                .setAds(io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource.getDefaultInstance()).build();
        SdsSecretConfig cert = SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ads).build();
        CommonTlsContext istio = CommonTlsContext.newBuilder().addTlsCertificateSdsSecretConfigs(cert)
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(CertificateValidationContext.newBuilder().addMatchTypedSubjectAltNames(
                                SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.DNS)
                                        .setMatcher(StringMatcher.newBuilder().setExact("b.example.com"))))
                        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(ads))).build();
        Cluster c = cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(istio).build());
        // before the secrets arrive: the cluster waits for both
        EnvoyTls.Secrets none = new EnvoyTls.Secrets(java.util.Map.of());
        ScopedValue.where(EnvoyTls.Secrets.CURRENT, none).call(() -> EnvoyConversion.cluster(c));
        assertThat(none.missing).containsExactly("ROOTCA", "default");
        Secret key = Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString("CERT")).setPrivateKey(DataSource.newBuilder().setInlineString("KEY"))).build();
        Secret ca = Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString("CA"))).build();
        EnvoyTls.Secrets both = new EnvoyTls.Secrets(java.util.Map.of("default", key, "ROOTCA", ca));
        JsonNode tls = ScopedValue.where(EnvoyTls.Secrets.CURRENT, both).call(() -> EnvoyConversion.cluster(c)).json().get("tls_context");
        assertThat(both.missing).isEmpty();
        assertThat(tls.toString()).isEqualTo("{\"status\":true,\"cert_chain\":\"CERT\",\"private_key\":\"KEY\",\"ca_cert\":\"CA\","
                + "\"server_name\":\"b.example.com\"}");
        // Istio's sidecars get secrets from pilot-agent's sds-grpc socket, not over ADS: refused, naming the field
        Cluster socket = cluster(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(cert.toBuilder().setSdsConfig(io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                        .setApiConfigSource(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.getDefaultInstance())))).build());
        assertThatThrownBy(() -> ScopedValue.where(EnvoyTls.Secrets.CURRENT, both).call(() -> EnvoyConversion.cluster(socket)))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("tls_certificate_sds_secret_configs[0].sds_config: only ads");
    }

    @Test
    void downstreamTlsRequiringClientCertificatesBecomesMosnsVerifyClient() {
        DownstreamTlsContext d = DownstreamTlsContext.newBuilder().setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(file("/c.pem")).setPrivateKey(file("/k.pem")))
                        .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file("/ca.pem")))).build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")).build();
        Listener l = Listener.newBuilder().setName("l").setAddress(address(1)).addFilterChains(FilterChain.newBuilder()
                .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(d)))
                .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
        assertThat(EnvoyConversion.listener(l).json().at("/filter_chains/0/tls_context").toString()).isEqualTo(
                "{\"status\":true,\"cert_chain\":\"/c.pem\",\"private_key\":\"/k.pem\",\"ca_cert\":\"/ca.pem\","
                        + "\"verify_client\":true,\"require_client_cert\":true}");
        DownstreamTlsContext noCa = d.toBuilder().setCommonTlsContext(d.getCommonTlsContext().toBuilder().clearValidationContext()).build();
        Listener bad = l.toBuilder().setFilterChains(0, l.getFilterChains(0).toBuilder().setTransportSocket(TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(noCa)))).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(bad)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("filter_chains[0].transport_socket.typed_config.require_client_certificate: needs");
    }

    private static Cluster cluster(UpstreamTlsContext u) {
        return Cluster.newBuilder().setName("c").setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(u))).build();
    }

    private static DataSource file(String path) {
        return DataSource.newBuilder().setFilename(path).build();
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
    void everyStringMatchInvertAndPresenceConvertAndLoad() {
        HeaderMatcher[] all = {
                HeaderMatcher.newBuilder().setName("a").setStringMatch(StringMatcher.newBuilder().setExact("x")).setInvertMatch(true).build(),
                HeaderMatcher.newBuilder().setName("b").setStringMatch(StringMatcher.newBuilder().setExact("X").setIgnoreCase(true)).build(),
                HeaderMatcher.newBuilder().setName("c").setStringMatch(StringMatcher.newBuilder().setSuffix(".com")).build(),
                HeaderMatcher.newBuilder().setName("d").setStringMatch(StringMatcher.newBuilder().setContains("+")).build(),
                HeaderMatcher.newBuilder().setName("e").setStringMatch(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                        .setRegex("v\\d"))).build(),
                HeaderMatcher.newBuilder().setName("f").setPresentMatch(false).build(),
                HeaderMatcher.newBuilder().setName("g").setPresentMatch(true).setInvertMatch(true).build(),
                HeaderMatcher.newBuilder().setName("h").build()};
        RouteMatch.Builder m = RouteMatch.newBuilder().setPrefix("/");
        for (HeaderMatcher h : all) {
            m.addHeaders(h);
        }
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("r").addVirtualHosts(VirtualHost.newBuilder().setName("v")
                .addDomains("*").addRoutes(Route.newBuilder().setMatch(m).setRoute(RouteAction.newBuilder().setCluster("c")))).build();
        JsonNode json = EnvoyConversion.router(rc);
        RouterConfig loaded = ConfigLoader.convert(json, RouterConfig.class, "route r");
        var headers = loaded.virtualHosts().get(0).routers().get(0).match().headers();
        assertThat(headers).hasSize(all.length);
        assertThat(headers.get(0).invertMatch()).isTrue();
        assertThat(headers.get(0).value()).isEqualTo("x");
        assertThat(Pattern.compile(headers.get(1).value()).matcher("x").matches()).isTrue();
        assertThat(Pattern.compile(headers.get(2).value()).matcher("a.com").matches()).isTrue();
        assertThat(Pattern.compile(headers.get(2).value()).matcher("a.comx").matches()).isFalse();
        assertThat(Pattern.compile(headers.get(3).value()).matcher("a+b").matches()).isTrue();
        assertThat(headers.get(4).regex()).isTrue();
        assertThat(headers.get(5).presentMatch()).isFalse();
        assertThat(headers.get(6).presentMatch()).isTrue();
        assertThat(headers.get(6).invertMatch()).isTrue();
        assertThat(headers.get(7).presentMatch()).as("no specifier: Envoy's presence match").isTrue();
    }

    @Test
    void envoysHealthCheckBecomesMosnsAndItsStatusRangesEndInclusive() {
        io.envoyproxy.envoy.config.core.v3.HealthCheck hc = io.envoyproxy.envoy.config.core.v3.HealthCheck.newBuilder()
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(5))
                .setUnhealthyThreshold(UInt32Value.of(3)).setHealthyThreshold(UInt32Value.of(2))
                .setHttpHealthCheck(io.envoyproxy.envoy.config.core.v3.HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz")
                        .setHost("svc.local").addExpectedStatuses(io.envoyproxy.envoy.type.v3.Int64Range.newBuilder().setStart(200).setEnd(300)))
                .build();
        Cluster c = Cluster.newBuilder().setName("c").addHealthChecks(hc).build();
        ClusterConfig cc = ConfigLoader.convert(EnvoyConversion.cluster(c).json(), ClusterConfig.class, "cluster c");
        assertThat(cc.healthCheck().enabled()).as("service_name set, so MOSN's checker runs").isTrue();
        assertThat(cc.healthCheck().http()).isTrue();
        assertThat(cc.healthCheck().interval()).hasSeconds(5);
        assertThat(cc.healthCheck().unhealthyThreshold()).isEqualTo(3);
        assertThat(EnvoyConversion.cluster(c).json().at("/health_check/check_config/http_check_config").toString())
                .isEqualTo("{\"path\":\"/healthz\",\"domain\":\"svc.local\",\"codes\":[{\"start\":200,\"end\":299}]}");
        Cluster grpc = Cluster.newBuilder().setName("c").addHealthChecks(hc.toBuilder().setGrpcHealthCheck(
                io.envoyproxy.envoy.config.core.v3.HealthCheck.GrpcHealthCheck.getDefaultInstance())).build();
        assertThatThrownBy(() -> EnvoyConversion.cluster(grpc)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("health_checks[0].health_checker: GRPC_HEALTH_CHECK health checks are not supported");
        Cluster tcp = Cluster.newBuilder().setName("c").addHealthChecks(hc.toBuilder().setTcpHealthCheck(
                io.envoyproxy.envoy.config.core.v3.HealthCheck.TcpHealthCheck.getDefaultInstance())).build();
        assertThat(ConfigLoader.convert(EnvoyConversion.cluster(tcp).json(), ClusterConfig.class, "cluster c").healthCheck().http()).isFalse();
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

    @Test
    void envoysGzipCompressorBecomesTheGzipStreamFilter() {
        io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip gzip = io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip
                .newBuilder().setCompressionLevel(io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.CompressionLevel.BEST_SPEED)
                .build();
        io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor compressor = io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor
                .newBuilder().setCompressorLibrary(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("gzip")
                        .setTypedConfig(Any.pack(gzip)))
                .setResponseDirectionConfig(io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.ResponseDirectionConfig.newBuilder()
                        .setCommonConfig(io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.CommonDirectionConfig.newBuilder()
                                .setMinContentLength(UInt32Value.of(100)).addContentType("text/html").addContentType("application/json")))
                .build();
        Listener l = withHttpFilter(compressor);
        EnvoyConversion.ListenerShape shape = EnvoyConversion.listener(l);
        assertThat(shape.json().get("stream_filters").toString()).isEqualTo(
                "[{\"type\":\"gzip\",\"config\":{\"gzip_level\":1,\"content_length\":100,\"content_types\":[\"text/html\",\"application/json\"]}}]");
        ConfigLoader.convert(shape.json(), ListenerConfig.class, "listener");

        // Envoy's defaults: zlib's default level (0), 30 bytes, its list of text types
        var defaults = EnvoyConversion.listener(withHttpFilter(compressor.toBuilder().clearResponseDirectionConfig()
                .setCompressorLibrary(compressor.getCompressorLibrary().toBuilder().setTypedConfig(Any.pack(gzip.toBuilder()
                        .clearCompressionLevel().build()))).build()));
        assertThat(defaults.json().at("/stream_filters/0/config/gzip_level").asInt()).isZero();
        assertThat(defaults.json().at("/stream_filters/0/config/content_length").asInt()).isEqualTo(30);
        assertThat(defaults.json().at("/stream_filters/0/config/content_types").toString()).contains("\"text/css\"", "\"application/json\"");

        // the response direction turned off: no filter
        var off = EnvoyConversion.listener(withHttpFilter(compressor.toBuilder().setResponseDirectionConfig(
                io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.ResponseDirectionConfig.newBuilder().setCommonConfig(
                        io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.CommonDirectionConfig.newBuilder().setEnabled(
                                io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag.newBuilder().setDefaultValue(BoolValue.of(false))
                                        .setRuntimeKey("k")))).build()));
        assertThat(off.json().has("stream_filters")).isFalse();

        // another library: NACKed, naming the field
        var brotli = compressor.toBuilder().setCompressorLibrary(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder()
                .setName("br").setTypedConfig(Any.pack(UInt32Value.of(1)))).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(withHttpFilter(brotli))).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("filter_chains[0].filters[0].http_filters[0].typed_config.compressor_library.typed_config:");

        // two chains with different HTTP filters cannot share the listener's one stream filter list
        Listener two = l.toBuilder().addFilterChains(withHttpFilter(compressor.toBuilder().clearResponseDirectionConfig().build())
                .getFilterChains(0).toBuilder().setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                        .setDestinationPort(UInt32Value.of(81)))).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(two)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("filter_chains[1]: its HTTP filters differ");
    }

    private static Listener withHttpFilter(com.google.protobuf.Message config) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.compressor").setTypedConfig(Any.pack(config)))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("l").setAddress(address(80))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
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
