package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's inbound mTLS authorization as a control plane sends it, through the real {@code bin/mosn}:
 * LDS listeners whose {@code DownstreamTlsContext} requires mesh client certificates, one with
 * {@code envoy.filters.http.rbac} allowing only {@code source.principals: cluster.local/ns/default/sa/sleep}
 * (the {@code authenticated} principal on the SPIFFE URI SAN), one with
 * {@code envoy.filters.network.rbac} allowing the {@code default} namespace (a prefix).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class XdsMtlsAuthzTest {
    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";

    @TempDir
    static Path dir;

    static Principal principal(StringMatcher name) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name)).build();
    }

    static TransportSocket mtls(TestCerts mesh, TestCerts.Issued own) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true)).setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(file(own.cert())).setPrivateKey(file(own.key())))
                        .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file(mesh.ca().cert())))).build())).build();
    }

    static DataSource file(Path p) {
        return DataSource.newBuilder().setFilename(p.toString()).build();
    }

    static Listener listener(String name, int port, TransportSocket tls, Filter... filters) {
        return Listener.newBuilder().setName(name).setAddress(XdsTest.address(port))
                .addFilterChains(FilterChain.newBuilder().setTransportSocket(tls).addAllFilters(List.of(filters))).build();
    }

    static Filter hcm(HttpFilter... httpFilters) {
        HttpConnectionManager.Builder b = HttpConnectionManager.newBuilder().setStatPrefix("inbound_0.0.0.0_9080")
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setRouteConfigName("9080").setConfigSource(XdsTest.ads()));
        for (HttpFilter f : httpFilters) {
            b.addHttpFilters(f);
        }
        b.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
        return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(b.build())).build();
    }

    static HttpResponse<String> get(TestCerts mesh, TestCerts.Issued who, int port) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(mesh.clientContext(who)).build()) {
            return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/reviews/1")).timeout(XdsTest.WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void authorizationPolicyOnSourcePrincipalsOverMutualTls() throws Exception {
        TestCerts mesh = TestCerts.create(dir, TestCerts.Kind.EC, "mesh-ca");
        TestCerts.Issued reviews = mesh.server("reviews.default.svc.cluster.local");
        TestCerts.Issued sleep = mesh.workload("sleep", SLEEP);
        TestCerts.Issued productpage = mesh.workload("productpage", "spiffe://cluster.local/ns/default/sa/productpage");
        TestCerts.Issued prodSleep = mesh.workload("prod-sleep", "spiffe://cluster.local/ns/prod/sa/sleep");
        int http = freePort();
        int tcp = freePort();
        int admin = freePort();
        try (NettyHttpBackend backend = NettyHttpBackend.start("reviews-v1");
             XdsServer xds = new XdsServer(freePort()).start()) {
            RBAC httpRbac = RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies(
                    "ns[default]-policy[sleep-only]-rule[0]", Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                            .addPrincipals(principal(StringMatcher.newBuilder().setExact(SLEEP).build())).build())).build();
            var networkRbac = io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix("tcp.")
                    .setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("ns[default]-policy[same-ns]-rule[0]",
                            Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                                    .addPrincipals(principal(StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/ns/default/").build()))
                                    .build())).build();
            Listener httpListener = listener("inbound_http", http, mtls(mesh, reviews),
                    hcm(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(httpRbac)).build()));
            Listener tcpListener = listener("inbound_tcp", tcp, mtls(mesh, reviews),
                    Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(networkRbac)).build(), hcm());
            Cluster backendCluster = Cluster.newBuilder().setName("backend").setType(Cluster.DiscoveryType.STATIC)
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                    .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("backend").addEndpoints(LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(XdsTest.address(backend.port()))))))
                    .build();
            xds.set(Snapshot.create(List.of(backendCluster), List.of(), List.of(httpListener, tcpListener),
                    List.of(XdsTest.routes(XdsTest.route("/", "backend"))), List.of(), "1"));
            MosnProcess mosn = MosnProcess.builder().config(render(XdsTest.BOOTSTRAP, vars("ADMIN", admin, "XDS", xds.port,
                    "STATIC", freePort(), "V1", backend.port()))).waitFor(http, tcp).startTimeout(XdsTest.WAIT).start();
            try {
                // the route may arrive after the listeners
                XdsTest.eventually(mosn, () -> get(mesh, sleep, http).statusCode() == 200);
                assertThat(get(mesh, sleep, http).headers().firstValue("x-backend")).hasValue("reviews-v1");
                HttpResponse<String> other = get(mesh, productpage, http);
                assertThat(other.statusCode()).isEqualTo(403);
                assertThat(other.body()).startsWith("RBAC: access denied");
                assertThat(get(mesh, prodSleep, http).statusCode()).as("sa/sleep of another namespace").isEqualTo(403);

                assertThat(get(mesh, sleep, tcp).statusCode()).isEqualTo(200);
                assertThat(get(mesh, productpage, tcp).statusCode()).as("the namespace's prefix").isEqualTo(200);
                Throwable closed = org.assertj.core.api.Assertions.catchThrowable(() -> get(mesh, prodSleep, tcp));
                assertThat(closed).as("another namespace's connection is closed").isInstanceOf(java.io.IOException.class);
                assertThat(MosnProcess.stat(admin, "tcp.rbac.denied")).as("counted (the JDK client tries GET twice)").isPositive();
                assertThat(mosn.stop()).isZero();
                mosn.assertNoLeaks();
            } finally {
                mosn.close();
            }
        }
    }
}
