package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream TLS per cluster through the real {@code bin/mosn}, against real TLS servers (Netty on
 * the JDK's TLS engine): mutual TLS with the cluster's client certificate; a server that wants a
 * certificate the cluster lacks, and a certificate for another name, both refused (502, logged,
 * counted); {@code insecure_skip}; {@code fall_back} to plaintext and its absence; a host with
 * {@code tls_disable}.
 */
class TlsUpstreamTest {
    static final String LISTENER = """
            {"name": "${N}", "address": "127.0.0.1:${P}", "filter_chains": [{"filters": [{"type": "proxy", "config": {
              "downstream_protocol": "Http1", "router_config_name": "${N}"}}]}]}""";
    static final String ROUTER = """
            {"router_config_name": "${N}", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [{"match": {"prefix": "/"},
              "route": {"cluster_name": "${N}"}}]}]}""";

    @TempDir
    static Path dir;
    static TestCerts serverCa;
    static TestCerts clientCa;
    static TlsBackends mtlsBackend;
    static NettyHttpBackend plainBackend;
    static MosnProcess mosn;
    static final Map<String, Integer> PORTS = new LinkedHashMap<>();
    static int admin;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestCerts.create(dir.resolve("server"), TestCerts.Kind.RSA, "server-ca");
        clientCa = TestCerts.create(dir.resolve("client"), TestCerts.Kind.EC, "client-ca");
        TestCerts.Issued backendCert = serverCa.server("backend.example.com");
        TestCerts.Issued mosnClient = clientCa.client("mosn-client");
        mtlsBackend = TlsBackends.http("tls-backend", TlsBackends.serverContext(backendCert, clientCa));
        plainBackend = NettyHttpBackend.start("plain-backend");
        String ca = serverCa.ca().cert().toString();
        String cert = mosnClient.cert().toString();
        String key = mosnClient.key().toString();
        Map<String, String> clusters = new LinkedHashMap<>();
        clusters.put("mtls", tls(mtlsBackend.address(), "\"server_name\": \"backend.example.com\", \"ca_cert\": \"" + ca
                + "\", \"cert_chain\": \"" + cert + "\", \"private_key\": \"" + key + "\""));
        clusters.put("nocert", tls(mtlsBackend.address(), "\"server_name\": \"backend.example.com\", \"ca_cert\": \"" + ca + "\""));
        clusters.put("wrongname", tls(mtlsBackend.address(), "\"server_name\": \"other.example.com\", \"ca_cert\": \"" + ca
                + "\", \"cert_chain\": \"" + cert + "\", \"private_key\": \"" + key + "\""));
        clusters.put("skip", tls(mtlsBackend.address(), "\"server_name\": \"other.example.com\", \"insecure_skip\": true"
                + ", \"cert_chain\": \"" + cert + "\", \"private_key\": \"" + key + "\""));
        clusters.put("ipname", tls(mtlsBackend.address(), "\"ca_cert\": \"" + ca + "\", \"cert_chain\": \"" + cert + "\", \"private_key\": \"" + key + "\""));
        clusters.put("fallback", tls(plainBackend.address(), "\"ca_cert\": \"" + ca + "\", \"fall_back\": true"));
        clusters.put("nofallback", tls(plainBackend.address(), "\"ca_cert\": \"" + ca + "\""));
        clusters.put("tlsdisable", "{\"name\": \"tlsdisable\", \"hosts\": [{\"address\": \"" + plainBackend.address()
                + "\", \"tls_disable\": true}], \"tls_context\": {\"status\": true, \"ca_cert\": \"" + ca + "\"}}");
        StringBuilder listeners = new StringBuilder();
        StringBuilder routers = new StringBuilder();
        StringBuilder cl = new StringBuilder();
        for (var e : clusters.entrySet()) {
            int p = freePort();
            PORTS.put(e.getKey(), p);
            Map<String, Object> v = Map.of("N", e.getKey(), "P", p);
            listeners.append(listeners.isEmpty() ? "" : ",\n").append(render(LISTENER, v));
            routers.append(routers.isEmpty() ? "" : ",\n").append(render(ROUTER, v));
            cl.append(cl.isEmpty() ? "" : ",\n").append(e.getValue().startsWith("{") ? e.getValue()
                    : "{\"name\": \"" + e.getKey() + "\", " + e.getValue() + "}");
        }
        admin = freePort();
        String config = "{\"servers\": [{\"default_log_path\": \"stdout\", \"routers\": [" + routers + "], \"listeners\": [" + listeners
                + "]}], \"cluster_manager\": {\"clusters\": [" + cl + "]}, \"admin\": {\"address\": {\"socket_address\": "
                + "{\"address\": \"127.0.0.1\", \"port_value\": " + admin + "}}}}";
        MosnProcess.Builder b = MosnProcess.builder().config(config).waitFor(admin)
                .startTimeout(Duration.ofSeconds(60)); // eight TLS clusters, checked then built: slow on a busy 2-core machine
        PORTS.values().forEach(p -> b.waitFor(p).probe(p));
        mosn = b.start();
    }

    private static String tls(String host, String tlsFields) {
        return "\"hosts\": [{\"address\": \"" + host + "\"}], \"tls_context\": {\"status\": true, " + tlsFields + "}";
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (mtlsBackend != null) {
                mtlsBackend.close();
            }
            if (plainBackend != null) {
                plainBackend.close();
            }
        }
    }

    static HttpResponse<String> get(String listener) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(listener) + "/x")).timeout(Duration.ofSeconds(20))
                    .build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void mutualTlsToARealServerPresentsTheClustersCertificate() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get("mtls");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("tls-backend client=mosn-client");
        }
        // checked against the host's IP when the context names no server_name (the certificate has IP 127.0.0.1)
        assertThat(get("ipname").body()).isEqualTo("tls-backend client=mosn-client");
        assertThat(stat("cluster.mtls.tls.handshake")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aServerWantingACertificateTheClusterLacksIsRefused() throws Exception {
        HttpResponse<String> r = get("nocert");
        assertThat(r.statusCode()).isEqualTo(502);
        awaitStat("cluster.nocert.tls.handshake_failure", 1);
        assertThat(stat("upstream.tls.handshake_failure")).isGreaterThanOrEqualTo(1);
        String failed = "cluster nocert: TLS handshake with \\S*127\\.0\\.0\\.1:\\d+ failed: ";
        assertThat(mosn.awaitOutput(failed, Duration.ofSeconds(5))).containsPattern(failed);
    }

    @Test
    void aCertificateForAnotherNameIsRefusedUnlessInsecureSkip() throws Exception {
        HttpResponse<String> r = get("wrongname");
        assertThat(r.statusCode()).isEqualTo(502);
        awaitStat("cluster.wrongname.tls.handshake_failure", 1);
        String wrongName = "cluster wrongname: TLS handshake with .* failed: .*other\\.example\\.com";
        assertThat(mosn.awaitOutput(wrongName, Duration.ofSeconds(5))).containsPattern(wrongName);
        HttpResponse<String> skip = get("skip");
        assertThat(skip.statusCode()).isEqualTo(200);
        assertThat(skip.body()).isEqualTo("tls-backend client=mosn-client");
    }

    @Test
    void fallBackConnectsInPlaintextAfterAFailedHandshakeOnlyWhenAsked() throws Exception {
        HttpResponse<String> r = get("fallback");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-backend")).hasValue("plain-backend");
        awaitStat("cluster.fallback.tls.fallback", 1);
        assertThat(mosn.output()).contains("cluster fallback").contains("connecting again in PLAINTEXT because fall_back is set");
        assertThat(get("nofallback").statusCode()).isEqualTo(502);
    }

    @Test
    void aHostWithTlsDisableIsPlaintext() throws Exception {
        HttpResponse<String> r = get("tlsdisable");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-backend")).hasValue("plain-backend");
    }

    static long stat(String name) throws Exception {
        try (HttpClient h = HttpClient.newHttpClient()) {
            String body = h.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            var n = new ObjectMapper().readTree(body).get(name);
            return n == null ? 0 : n.asLong();
        }
    }

    static void awaitStat(String name, long atLeast) throws Exception {
        for (int i = 0; i < 50 && stat(name) < atLeast; i++) {
            Thread.sleep(100);
        }
        assertThat(stat(name)).as(name).isGreaterThanOrEqualTo(atLeast);
    }
}
