package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the real {@code bin/mosn} says at start about TLS: a certificate path that does not exist,
 * a key that does not match its certificate, an unknown cipher, curve or version, each refused with
 * exit 1 and one line naming the field; and the JDK's TLS engine taking over, said once in the log,
 * when BoringSSL cannot load (here because {@code -Dio.netty.handler.ssl.noOpenSsl=true} says so).
 */
class TlsStartupTest {
    static final Duration RUN = Duration.ofSeconds(60);
    static final String CONFIG = """
            {"servers": [{"default_log_path": "stdout",
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]}],
              "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"tls_context": ${LISTENER_TLS},
                "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "c", "hosts": [{"address": "${BACKEND}"}], "tls_context": ${CLUSTER_TLS}}]}}
            """;
    static final String LISTENER = "servers[0].listeners[0].filter_chains[0].tls_context.";
    static final String CLUSTER = "cluster_manager.clusters[0].tls_context.";

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TestCerts.Issued a;
    static TestCerts.Issued b;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "startup-ca");
        a = certs.server("a.example.com");
        b = certs.server("b.example.com");
    }

    static String listenerTls(String cert, String key, String extra) {
        return "{\"status\": true, \"cert_chain\": \"" + cert + "\", \"private_key\": \"" + key + "\"" + extra + "}";
    }

    static String config(String listenerTls, String clusterTls) {
        return render(CONFIG, Map.of("PORT", freePort(), "LISTENER_TLS", listenerTls, "CLUSTER_TLS", clusterTls,
                "BACKEND", "127.0.0.1:" + MosnProcess.deadPort()));
    }

    static Stream<Arguments> broken() {
        String cert = "${A_CERT}";
        String key = "${A_KEY}";
        String off = "{}";
        return Stream.of(
                Arguments.of("certificate file missing", listenerTls("/nonexistent/mosn4j/cert.pem", key, ""), off,
                        LISTENER + "cert_chain", "no such file \"/nonexistent/mosn4j/cert.pem\""),
                Arguments.of("key of another certificate", listenerTls(cert, "${B_KEY}", ""), off,
                        LISTENER + "private_key", "the private key does not match the certificate (CN=a.example.com"),
                Arguments.of("unknown cipher", listenerTls(cert, key, ", \"cipher_suites\": \"ECDHE-ECDSA-AES128-GCM-SHA257\""), off,
                        LISTENER + "cipher_suites", "unknown cipher \"ECDHE-ECDSA-AES128-GCM-SHA257\""),
                Arguments.of("unknown curve", listenerTls(cert, key, ", \"ecdh_curves\": \"p255\""), off,
                        LISTENER + "ecdh_curves", "unknown curve \"p255\""),
                Arguments.of("SSL 3.0", listenerTls(cert, key, ", \"min_version\": \"SSLv3\""), off,
                        LISTENER + "min_version", "\"SSLv3\": SSL 3.0 and older are not supported"),
                Arguments.of("TLCP version", listenerTls(cert, key, ", \"max_version\": \"TLCP\""), off,
                        LISTENER + "max_version", "\"TLCP\": TLCP (GB/T 38636) is not supported"),
                Arguments.of("cluster CA file missing", listenerTls(cert, key, ""),
                        "{\"status\": true, \"server_name\": \"b.example.com\", \"ca_cert\": \"/nonexistent/mosn4j/ca.pem\"}",
                        CLUSTER + "ca_cert", "no such file \"/nonexistent/mosn4j/ca.pem\""),
                Arguments.of("cluster key without certificate", listenerTls(cert, key, ""),
                        "{\"status\": true, \"private_key\": \"" + key + "\"}",
                        CLUSTER + "cert_chain", "required with private_key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void aBadTlsContextIsRefusedAtStartNamingTheField(String name, String listenerTls, String clusterTls, String field, String detail)
            throws Exception {
        Map<String, Object> files = Map.of("A_CERT", a.cert(), "A_KEY", a.key(), "B_KEY", b.key());
        Path file = MosnProcess.writeTemp("tls.json", config(render(listenerTls, files), render(clusterTls, files)));
        MosnProcess.Result r = MosnProcess.run(RUN, "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as(r.all()).hasSize(1);
        assertThat(r.stderrLines().get(0)).startsWith("mosn: invalid config " + file + ": ").contains(field + ": " + detail);
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void withoutBoringSslTheJdkEngineServesAndSaysSoOnce() throws Exception {
        TlsBackends backend = TlsBackends.http("jdk-backend", TlsBackends.serverContext(b, null));
        int port = freePort();
        String cfg = render(CONFIG, Map.of("PORT", port, "LISTENER_TLS", listenerTls(a.cert().toString(), a.key().toString(), ""),
                "CLUSTER_TLS", "{\"status\": true, \"server_name\": \"b.example.com\", \"ca_cert\": \"" + certs.ca().cert() + "\"}",
                "BACKEND", backend.address()));
        try (backend; MosnProcess mosn = MosnProcess.builder().config(cfg).javaOpts("-Dio.netty.handler.ssl.noOpenSsl=true")
                .waitFor(port).start()) {
            for (int i = 0; i < 3; i++) {
                Curl.Result r = Curl.run("--cacert", certs.ca().cert().toString(), "--resolve", "a.example.com:" + port + ":127.0.0.1",
                        "https://a.example.com:" + port + "/x");
                assertThat(r.stdout()).as(r.stderr()).startsWith("jdk-backend");
            }
            String out = mosn.output();
            Matcher m = Pattern.compile("TLS engine: the JDK's, slower: BoringSSL \\(netty-tcnative\\) cannot load here: .*noOpenSsl")
                    .matcher(out);
            assertThat(m.find()).as(out).isTrue();
            assertThat(m.find()).as("said once").isFalse();
            assertThat(out).doesNotContain("TLS engine: BoringSSL");
        }
    }

    @Test
    void ed25519KeysAreServedOnTheJdkEngineSaidOncePerContext() throws Exception {
        // netty-tcnative hands BoringSSL EC and RSA keys only: with an Ed25519 key every handshake failed
        TestCerts ed = TestCerts.create(dir.resolve("ed25519"), TestCerts.Kind.ED25519, "ed25519-ca");
        TestCerts.Issued server = ed.server("ed.example.com");
        TestCerts.Issued client = ed.client("ed-client");
        TlsBackends backend = TlsBackends.http("mtls-backend", TlsBackends.serverContext(b, ed));
        int port = freePort();
        String cfg = render(CONFIG, Map.of("PORT", port, "LISTENER_TLS", listenerTls(server.cert().toString(), server.key().toString(), ""),
                "CLUSTER_TLS", "{\"status\": true, \"server_name\": \"b.example.com\", \"ca_cert\": \"" + certs.ca().cert()
                        + "\", \"cert_chain\": \"" + client.cert() + "\", \"private_key\": \"" + client.key() + "\"}",
                "BACKEND", backend.address()));
        try (backend; MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(port).start()) {
            for (int i = 0; i < 3; i++) {
                Curl.Result r = Curl.run("--cacert", ed.ca().cert().toString(), "--resolve", "ed.example.com:" + port + ":127.0.0.1",
                        "https://ed.example.com:" + port + "/x");
                assertThat(r.exitCode()).as(r.stderr()).isZero();
                assertThat(r.stdout()).isEqualTo("mtls-backend client=ed-client");
            }
            String out = mosn.output();
            assertThat(out).contains("TLS engine: BoringSSL");
            for (String context : new String[] {LISTENER, CLUSTER}) {
                String said = context.substring(0, context.length() - 1) + ": the key is EdDSA; this context runs on the JDK's TLS engine";
                assertThat(out.split(Pattern.quote(said), -1)).as(out).hasSize(2); // said once
            }
        }
    }
}
