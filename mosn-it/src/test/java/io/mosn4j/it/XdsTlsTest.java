package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.XdsTest.address;
import static io.mosn4j.it.XdsTest.ads;
import static io.mosn4j.it.XdsTest.route;
import static io.mosn4j.it.XdsTest.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS configured by a control plane, Istio's way, through the real bin/mosn: one mesh CA
 * (made in the test); an LDS listener with a {@code DownstreamTlsContext} requiring client
 * certificates; an EDS cluster whose {@code transport_socket_matches} give hosts labelled
 * {@code tlsMode: istio} an {@code UpstreamTlsContext} (client certificate from a file, CA inline,
 * the server's DNS name checked) and the others plaintext. Then a cluster asking for a SPIFFE
 * identity check, which mosn4j cannot do: NACKed, the error reaching the server, traffic going on.
 */
class XdsTlsTest {
    static final String SERVICE = "reviews.default.svc.cluster.local";
    static final Duration WAIT = XdsTest.WAIT;

    @TempDir
    static Path dir;

    @Test
    void controlPlaneConfiguresMutualTlsBothWays() throws Exception {
        TestCerts mesh = TestCerts.create(dir.resolve("mesh"), TestCerts.Kind.EC, "mesh-ca");
        TestCerts.Issued listenerCert = mesh.server("proxy.example.com");
        TestCerts.Issued sidecar = mesh.client("mosn-sidecar");
        TestCerts.Issued app = mesh.client("app");
        int port = freePort();
        int admin = freePort();
        try (TlsBackends tlsBackend = TlsBackends.http("tls-backend", TlsBackends.serverContext(mesh.server(SERVICE), mesh));
             NettyHttpBackend plain = NettyHttpBackend.start("plain");
             XdsServer xds = new XdsServer(freePort()).start()) {
            TransportSocket upstream = tls(UpstreamTlsContext.newBuilder().setSni(SERVICE).setCommonTlsContext(CommonTlsContext.newBuilder()
                    .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(file(sidecar.cert()))
                            .setPrivateKey(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(sidecar.keyPem()))))
                    .setValidationContext(CertificateValidationContext.newBuilder()
                            .setTrustedCa(DataSource.newBuilder().setInlineString(mesh.ca().certPem()))
                            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.DNS)
                                    .setMatcher(StringMatcher.newBuilder().setExact(SERVICE))))).build());
            Cluster cluster = Cluster.newBuilder().setName("outbound|9080||" + SERVICE).setType(Cluster.DiscoveryType.EDS)
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
                    .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                            .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
                            .setTransportSocket(upstream))
                    .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
                                    .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
                    .build();
            LbEndpoint meshHost = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(tlsBackend.port())))
                    .setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match", Struct.newBuilder()
                            .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build())).build();
            LbEndpoint plainHost = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(plain.port()))).build();
            ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(cluster.getName())
                    .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(meshHost).addLbEndpoints(plainHost)).build();
            Listener inbound = XdsTest.listener("inbound_9443", port, "9080");
            inbound = inbound.toBuilder().setFilterChains(0, inbound.getFilterChains(0).toBuilder().setTransportSocket(tls(
                    DownstreamTlsContext.newBuilder().setRequireClientCertificate(BoolValue.of(true)).setCommonTlsContext(CommonTlsContext
                            .newBuilder().addTlsCertificates(TlsCertificate.newBuilder()
                                    .setCertificateChain(DataSource.newBuilder().setInlineString(listenerCert.certPem()))
                                    .setPrivateKey(file(listenerCert.key())))
                            .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file(mesh.ca().cert())))).build()))).build();
            var routeTable = routes(route("/", cluster.getName()));
            xds.set(Snapshot.create(List.of(cluster), List.of(cla), List.of(inbound), List.of(routeTable), List.of(), "1"));
            String bootstrap = XdsDeltaTest.BOOTSTRAP.replace("DELTA_GRPC", "GRPC");
            MosnProcess mosn = MosnProcess.builder().config(render(bootstrap, vars("ADMIN", admin, "XDS", xds.port))).waitFor(port)
                    .startTimeout(WAIT).start();
            try {
                URI uri = URI.create("https://127.0.0.1:" + port + "/reviews/1");
                // the app presents its mesh certificate; mosn presents its own to the TLS host and speaks plaintext to the other
                try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(mesh.clientContext(app)).build()) {
                    Set<String> seen = new TreeSet<>();
                    for (int i = 0; i < 6; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).as(r.body() + "\n" + mosn.tail()).isEqualTo(200);
                        seen.add(r.headers().firstValue("x-backend").orElse("?") + (r.body().contains("client=") ? " " + r.body() : ""));
                    }
                    assertThat(seen).contains("tls-backend tls-backend client=mosn-sidecar").anyMatch(s -> s.startsWith("plain"));
                    assertThat(tlsBackend.handshakes.get()).isGreaterThanOrEqualTo(1);

                    // 2. a check mosn4j cannot make (a SPIFFE identity): NACKed with the field, the last good cluster keeps serving
                    Cluster spiffe = cluster.toBuilder().setTransportSocketMatches(0, cluster.getTransportSocketMatches(0).toBuilder()
                            .setTransportSocket(tls(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                                    .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(file(mesh.ca().cert()))
                                            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                                                    .setSanType(SubjectAltNameMatcher.SanType.URI).setMatcher(StringMatcher.newBuilder()
                                                            .setExact("spiffe://cluster.local/ns/default/sa/reviews"))))).build()))).build();
                    xds.set(Snapshot.create(List.of(spiffe), List.of(cla), List.of(inbound), List.of(routeTable), List.of(), "2"));
                    DiscoveryRequest nack = xds.await(r -> r.getTypeUrl().equals(XdsTest.CDS) && r.hasErrorDetail(), WAIT);
                    assertThat(nack.getVersionInfo()).isEqualTo("1");
                    assertThat(nack.getErrorDetail().getMessage()).startsWith("cluster outbound|9080||" + SERVICE
                            + ": transport_socket_matches[0].transport_socket.typed_config.common_tls_context.validation_context"
                            + ".match_typed_subject_alt_names: matching URI subject alt names");
                    for (int i = 0; i < 2; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).isEqualTo(200);
                    }

                    // 3. SDS over ADS: a cluster whose certificate and CA are secrets ("default", "ROOTCA", as Istio names them);
                    // it waits for them, then presents the secret's certificate
                    TestCerts.Issued sdsIdentity = mesh.client("sds-sidecar");
                    ConfigSource ads = ads();
                    Cluster sds = Cluster.newBuilder().setName("outbound|9080|sds|" + SERVICE).setType(Cluster.DiscoveryType.STATIC)
                            .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("sds").addEndpoints(LocalityLbEndpoints
                                    .newBuilder().addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
                                            .setAddress(address(tlsBackend.port()))))))
                            .setTransportSocket(tls(UpstreamTlsContext.newBuilder().setSni(SERVICE).setCommonTlsContext(CommonTlsContext.newBuilder()
                                    .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ads))
                                    .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                            .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
                                            .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA")
                                                    .setSdsConfig(ads)))).build())).build();
                    Secret key = Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                            .setCertificateChain(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(sdsIdentity.certPem())))
                            .setPrivateKey(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(sdsIdentity.keyPem())))).build();
                    Secret rootCa = Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                            .setTrustedCa(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(mesh.ca().certPem())))).build();
                    var sdsRoutes = routes(route("/sds", sds.getName()), route("/", cluster.getName()));
                    xds.set(Snapshot.create(List.of(cluster, sds), List.of(cla), List.of(inbound), List.of(sdsRoutes),
                            List.of(key, rootCa), "3"));
                    xds.await(r -> r.getTypeUrl().equals(SDS_TYPE) && r.getVersionInfo().equals("3") && !r.hasErrorDetail()
                            && r.getResourceNamesList().equals(List.of("ROOTCA", "default")), WAIT);
                    URI sdsUri = URI.create("https://127.0.0.1:" + port + "/sds");
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    String body = null;
                    while (System.nanoTime() < deadline && !"tls-backend client=sds-sidecar".equals(body)) {
                        body = client.send(HttpRequest.newBuilder(sdsUri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
                        Thread.sleep(50);
                    }
                    assertThat(body).as(mosn.tail()).isEqualTo("tls-backend client=sds-sidecar");
                }
                // the listener requires a client certificate: a client without one does not get through
                try (HttpClient anonymous = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(mesh.clientContext(null)).build()) {
                    assertThatThrownBy(() -> anonymous.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()))
                            .isInstanceOf(java.io.IOException.class);
                }
                assertThat(mosn.stop()).isZero();
                mosn.assertNoLeaks();
            } finally {
                mosn.close();
            }
        }
    }

    static final String SDS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    private static TransportSocket tls(com.google.protobuf.Message context) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(context)).build();
    }

    private static DataSource file(Path p) {
        return DataSource.newBuilder().setFilename(p.toString()).build();
    }
}
