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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SM suites of RFC 8998 (TLS 1.3, SM4 with SM3, curveSM2, SM2 certificates made by the test)
 * between two real {@code bin/mosn} processes: an edge mosn4j takes plaintext HTTP and sends it
 * on over TLS_SM4_GCM_SM3 (and TLS_SM4_CCM_SM3) to a second mosn4j, which terminates it and
 * forwards to a plaintext backend. A standard TLS 1.3 client (openssl, whose suites are AES and
 * ChaCha20) cannot get in: the SM listener offers nothing else. With client certificates (SM2,
 * SPIFFE ids) the inner mosn's HTTP and network RBAC tell the edge's clusters apart.
 */
class TlsSmSuitesTest {
    static final String INNER = """
            {"servers": [{"default_log_path": "stdout",
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
              "listeners": [
                {"name": "gcm", "address": "127.0.0.1:${GCM}", "filter_chains": [{"tls_context": {"status": true,
                  "cert_chain": "${CERT}", "private_key": "${KEY}", "cipher_suites": "TLS_SM4_GCM_SM3"},
                  "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                {"name": "ccm", "address": "127.0.0.1:${CCM}", "filter_chains": [{"tls_context": {"status": true,
                  "cert_chain": "${CERT}", "private_key": "${KEY}", "cipher_suites": "TLS_SM4_CCM_SM3", "ecdh_curves": "curveSM2"},
                  "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                {"name": "mtls", "address": "127.0.0.1:${MTLS}",
                 "stream_filters": [{"type": "rbac", "config": {"rules": {"action": "ALLOW", "policies": {"sleep": {"permissions": [{"any": true}],
                   "principals": [{"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/default/sa/sleep"}}}]}}}}}],
                 "filter_chains": [{"tls_context": {"status": true, "cert_chain": "${CERT}", "private_key": "${KEY}", "cipher_suites": "TLS_SM4_GCM_SM3",
                   "ca_cert": "${CA}", "verify_client": true},
                  "filters": [
                    {"type": "rbac", "config": {"stat_prefix": "smtls.", "rules": {"action": "ALLOW", "policies": {"default-ns": {"permissions": [{"any": true}],
                      "principals": [{"authenticated": {"principal_name": {"prefix": "spiffe://cluster.local/ns/default/"}}}]}}}}},
                    {"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "backend", "hosts": [{"address": "${BACKEND}"}]}]},
             "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}}
            """;
    static final String EDGE = """
            {"servers": [{"default_log_path": "stdout",
              "routers": [
                {"router_config_name": "gcm", "virtual_hosts": [{"name": "v", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "gcm"}}]}]},
                {"router_config_name": "ccm", "virtual_hosts": [{"name": "v", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "ccm"}}]}]},
                {"router_config_name": "as", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                  {"match": {"headers": [{"name": "x-as", "value": "sleep"}]}, "route": {"cluster_name": "as-sleep"}},
                  {"match": {"headers": [{"name": "x-as", "value": "productpage"}]}, "route": {"cluster_name": "as-productpage"}},
                  {"match": {"prefix": "/"}, "route": {"cluster_name": "as-nobody"}}]}]}],
              "listeners": [
                {"name": "gcm", "address": "127.0.0.1:${EDGE_GCM}", "filter_chains": [{
                  "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "gcm"}}]}]},
                {"name": "ccm", "address": "127.0.0.1:${EDGE_CCM}", "filter_chains": [{
                  "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "ccm"}}]}]},
                {"name": "as", "address": "127.0.0.1:${EDGE_AS}", "filter_chains": [{
                  "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "as"}}]}]}]}],
             "cluster_manager": {"clusters": [
               {"name": "gcm", "hosts": [{"address": "127.0.0.1:${GCM}"}], "tls_context": {"status": true,
                 "server_name": "sm.example.com", "ca_cert": "${CA}", "cipher_suites": "TLS_SM4_GCM_SM3"}},
               {"name": "ccm", "hosts": [{"address": "127.0.0.1:${CCM}"}], "tls_context": {"status": true,
                 "server_name": "sm.example.com", "ca_cert": "${CA}", "cipher_suites": "TLS_SM4_CCM_SM3"}},
               {"name": "as-sleep", "hosts": [{"address": "127.0.0.1:${MTLS}"}], "tls_context": {"status": true,
                 "server_name": "sm.example.com", "ca_cert": "${CA}", "cipher_suites": "TLS_SM4_GCM_SM3",
                 "cert_chain": "${SLEEP_CERT}", "private_key": "${SLEEP_KEY}"}},
               {"name": "as-productpage", "hosts": [{"address": "127.0.0.1:${MTLS}"}], "tls_context": {"status": true,
                 "server_name": "sm.example.com", "ca_cert": "${CA}", "cipher_suites": "TLS_SM4_GCM_SM3",
                 "cert_chain": "${PP_CERT}", "private_key": "${PP_KEY}"}},
               {"name": "as-nobody", "hosts": [{"address": "127.0.0.1:${MTLS}"}], "tls_context": {"status": true,
                 "server_name": "sm.example.com", "ca_cert": "${CA}", "cipher_suites": "TLS_SM4_GCM_SM3"}}]},
             "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${EDGE_ADMIN}}}}}
            """;

    @TempDir
    static Path dir;
    static NettyHttpBackend backend;
    static MosnProcess inner;
    static MosnProcess edge;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        TestCerts certs = TestCerts.create(dir, TestCerts.Kind.SM2, "sm-ca");
        TestCerts.Issued server = certs.server("sm.example.com");
        TestCerts.Issued sleep = certs.workload("sleep", "spiffe://cluster.local/ns/default/sa/sleep");
        TestCerts.Issued productpage = certs.workload("productpage", "spiffe://cluster.local/ns/default/sa/productpage");
        backend = NettyHttpBackend.start("sm-backend");
        for (String p : new String[] {"GCM", "CCM", "MTLS", "ADMIN", "EDGE_GCM", "EDGE_CCM", "EDGE_AS", "EDGE_ADMIN"}) {
            PORTS.put(p, freePort());
        }
        Map<String, Object> v = new HashMap<>(PORTS);
        v.putAll(Map.of("CERT", server.cert(), "KEY", server.key(), "CA", certs.ca().cert(), "BACKEND", backend.address(),
                "SLEEP_CERT", sleep.cert(), "SLEEP_KEY", sleep.key(), "PP_CERT", productpage.cert(), "PP_KEY", productpage.key()));
        inner = MosnProcess.builder().config(render(INNER, v)).waitFor(PORTS.get("GCM"), PORTS.get("CCM"), PORTS.get("MTLS"), PORTS.get("ADMIN"))
                .start();
        edge = MosnProcess.builder().config(render(EDGE, v))
                .waitFor(PORTS.get("EDGE_GCM"), PORTS.get("EDGE_CCM"), PORTS.get("EDGE_AS"), PORTS.get("EDGE_ADMIN"))
                .probe(PORTS.get("EDGE_GCM"), PORTS.get("EDGE_CCM")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (MosnProcess m : new MosnProcess[] {edge, inner}) {
            if (m != null) {
                try {
                    m.stopCleanly();
                } finally {
                    m.close();
                }
            }
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void requestsCrossTwoMosnOverTlsSm4GcmSm3() throws Exception {
        crossesOverSm("gcm");
    }

    @Test
    void requestsCrossTwoMosnOverTlsSm4CcmSm3() throws Exception {
        crossesOverSm("ccm");
    }

    private void crossesOverSm(String suite) throws Exception {
        long before = stat("ADMIN", "listener." + suite + ".tls.handshake");
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int i = 0; i < 5; i++) {
                String body = "sm-" + suite + "-" + i;
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get("EDGE_" + suite.toUpperCase())
                        + "/echo/" + i)).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-backend")).hasValue("sm-backend");
            }
        }
        // the edge's upstream connection was an SM handshake the inner mosn accepted, and the edge's own count agrees
        assertThat(stat("ADMIN", "listener." + suite + ".tls.handshake")).isGreaterThan(before);
        assertThat(stat("EDGE_ADMIN", "cluster." + suite + ".tls.handshake")).isGreaterThanOrEqualTo(1);
        assertThat(stat("EDGE_ADMIN", "cluster." + suite + ".tls.handshake_failure")).isZero();
    }

    @Test
    void rbacNamesTheSmClientByItsCertificate() throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> sleep = send(c, "sleep");
            assertThat(sleep.statusCode()).as(sleep.body()).isEqualTo(200);
            assertThat(sleep.headers().firstValue("x-backend")).hasValue("sm-backend");
            // past the network RBAC (its namespace), refused by the HTTP one (not sa/sleep)
            HttpResponse<String> productpage = send(c, "productpage");
            assertThat(productpage.statusCode()).isEqualTo(403);
            assertThat(productpage.body()).startsWith("RBAC: access denied");
            // no certificate: the network RBAC closes the connection after the handshake, the edge answers for it
            long closed = stat("ADMIN", "smtls.rbac.denied");
            HttpResponse<String> nobody = send(c, "nobody");
            assertThat(nobody.statusCode()).as(nobody.body()).isNotEqualTo(200);
            assertThat(nobody.headers().firstValue("x-backend")).isEmpty();
            assertThat(stat("ADMIN", "smtls.rbac.denied")).isGreaterThan(closed);
        }
        assertThat(stat("ADMIN", "http.mtls.rbac.allowed")).isGreaterThanOrEqualTo(1);
        assertThat(stat("ADMIN", "http.mtls.rbac.denied")).isGreaterThanOrEqualTo(1);
    }

    private static HttpResponse<String> send(HttpClient c, String as) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get("EDGE_AS") + "/who")).header("x-as", as)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientWithoutTheSmSuitesIsRefusedAndCounted() throws Exception {
        long before = stat("ADMIN", "listener.gcm.tls.handshake_failure");
        OpenSslClient.Session s = OpenSslClient.connect(PORTS.get("GCM"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "-tls1_3",
                "-servername", "sm.example.com");
        assertThat(s.output()).doesNotContain("sm-backend").containsIgnoringCase("alert");
        for (int i = 0; i < 50 && stat("ADMIN", "listener.gcm.tls.handshake_failure") <= before; i++) {
            Thread.sleep(100);
        }
        assertThat(stat("ADMIN", "listener.gcm.tls.handshake_failure")).isGreaterThan(before);
        assertThat(inner.output()).contains("listener gcm: TLS handshake with /127.0.0.1:");
    }

    static long stat(String admin, String name) throws Exception {
        try (HttpClient h = HttpClient.newHttpClient()) {
            String body = h.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(admin) + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            var n = new ObjectMapper().readTree(body).get(name);
            return n == null ? 0 : n.asLong();
        }
    }
}
