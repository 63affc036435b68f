package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listener TLS through the real {@code bin/mosn}, with curl, {@code openssl s_client} and the JDK's
 * HttpClient: a certificate chosen by server name among three, and by ALPN when no name matches;
 * h2 and HTTP/1.1 by ALPN; mutual TLS accepted and refused (logged with the peer, counted); version
 * and cipher limits; session resumption; the inspector serving TLS and plaintext on one port;
 * certificates rotated on disk while a connection made with the old one keeps working.
 */
class TlsListenerTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "hello over tls"}}]}]}],
                "listeners": [
                  {"name": "sni", "address": "127.0.0.1:${SNI}", "filter_chains": [{"tls_context_set": [
                      {"status": true, "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key", "alpn": "h2,http/1.1"},
                      {"status": true, "cert_chain": "${D}/b.example.com.pem", "private_key": "${D}/b.example.com.key"},
                      {"status": true, "cert_chain": "${D}/c.example.com.pem", "private_key": "${D}/c.example.com.key"}],
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "r"}}]}]},
                  {"name": "alpnpick", "address": "127.0.0.1:${ALPN}", "filter_chains": [{"tls_context_set": [
                      {"status": true, "cert_chain": "${D}/b.example.com.pem", "private_key": "${D}/b.example.com.key"},
                      {"status": true, "cert_chain": "${D}/c.example.com.pem", "private_key": "${D}/c.example.com.key", "alpn": "h2"}],
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "r"}}]}]},
                  {"name": "mtls", "address": "127.0.0.1:${MTLS}", "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key", "ca_cert": "${D}/test-ca.pem",
                      "verify_client": true, "require_client_cert": true},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "tls13", "address": "127.0.0.1:${TLS13}", "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key", "min_version": "TLS1.3"},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "tls12", "address": "127.0.0.1:${TLS12}", "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key", "max_version": "TLSv1_2",
                      "cipher_suites": "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-WITH-CHACHA20-POLY1305", "ecdh_curves": "p256"},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "inspect", "address": "127.0.0.1:${INSPECT}", "inspector": true, "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key", "alpn": "h2,http/1.1"},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "r"}}]}]},
                  {"name": "strict", "address": "127.0.0.1:${STRICT}", "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key"},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "rotate", "address": "127.0.0.1:${ROTATE}", "filter_chains": [{"tls_context": {"status": true,
                      "cert_chain": "${D}/rotate.pem", "private_key": "${D}/rotate.key"},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}
                ]
              }],
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TestCerts.Issued a;
    static TestCerts.Issued b;
    static TestCerts.Issued c;
    static TestCerts.Issued client;
    static MosnProcess mosn;
    static Map<String, Integer> ports;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "test-ca");
        a = certs.server("a.example.com");
        b = certs.server("b.example.com");
        c = certs.server("c.example.com");
        client = certs.client("client-one");
        TestCerts.Issued first = certs.serverAs("rotate-first", "rotate.example.com");
        Files.copy(first.cert(), dir.resolve("rotate.pem"));
        Files.copy(first.key(), dir.resolve("rotate.key"));
        ports = new java.util.LinkedHashMap<>();
        for (String n : new String[] {"SNI", "ALPN", "MTLS", "TLS13", "TLS12", "INSPECT", "STRICT", "ROTATE", "ADMIN"}) {
            ports.put(n, freePort());
        }
        Map<String, Object> v = new java.util.HashMap<>(ports);
        v.put("D", dir.toString());
        MosnProcess.Builder builder = MosnProcess.builder().config(render(CONFIG, v))
                .startTimeout(Duration.ofSeconds(60)); // many TLS contexts, checked then built: slow on a busy 2-core machine
        ports.forEach((k, p) -> builder.waitFor(p));
        mosn = builder.probe(ports.get("INSPECT")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (mosn != null) {
            try {
                mosn.stopCleanly();
            } finally {
                mosn.close();
            }
        }
    }

    static int port(String name) {
        return ports.get(name);
    }

    @Test
    void theServerNamePicksTheCertificateAmongThree() throws Exception {
        for (String name : new String[] {"a.example.com", "b.example.com", "c.example.com"}) {
            OpenSslClient.Session s = OpenSslClient.connect(port("SNI"), "", "-servername", name, "-CAfile", certs.ca().cert().toString());
            assertThat(s.subjectCn()).as(s.output()).isEqualTo(name);
            assertThat(s.output()).contains("Verify return code: 0 (ok)");
            Curl.Result r = Curl.run("--cacert", certs.ca().cert().toString(), "--resolve", name + ":" + port("SNI") + ":127.0.0.1",
                    "https://" + name + ":" + port("SNI") + "/");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("hello over tls");
        }
        // a name none has, or none at all: the first
        assertThat(OpenSslClient.connect(port("SNI"), "", "-servername", "zzz.example.com").subjectCn()).isEqualTo("a.example.com");
        assertThat(OpenSslClient.connect(port("SNI"), "", "-noservername").subjectCn()).isEqualTo("a.example.com");
    }

    @Test
    void withoutAServerNameTheAlpnProtocolsPickTheCertificate() throws Exception {
        OpenSslClient.Session h2 = OpenSslClient.connect(port("ALPN"), "", "-noservername", "-alpn", "h2");
        assertThat(h2.subjectCn()).as(h2.output()).isEqualTo("c.example.com");
        assertThat(h2.alpn()).isEqualTo("h2");
        OpenSslClient.Session plain = OpenSslClient.connect(port("ALPN"), "", "-noservername", "-alpn", "http/1.1");
        assertThat(plain.subjectCn()).isEqualTo("b.example.com");
        assertThat(plain.alpn()).isNull();
        // the server name still comes first
        assertThat(OpenSslClient.connect(port("ALPN"), "", "-servername", "b.example.com", "-alpn", "h2").subjectCn()).isEqualTo("b.example.com");
    }

    @Test
    void alpnNegotiatesHttp2OrHttp11() throws Exception {
        String host = "a.example.com:" + port("SNI");
        String[] common = {"--cacert", certs.ca().cert().toString(), "--resolve", host + ":127.0.0.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}"};
        Curl.Result h2 = Curl.run(concat(common, "--http2", "https://" + host + "/"));
        assertThat(h2.stdout()).as(h2.stderr()).isEqualTo("2 200");
        Curl.Result h1 = Curl.run(concat(common, "--http1.1", "https://" + host + "/"));
        assertThat(h1.stdout()).as(h1.stderr()).isEqualTo("1.1 200");
        assertThat(OpenSslClient.connect(port("SNI"), "", "-servername", "a.example.com", "-alpn", "h2").alpn()).isEqualTo("h2");
        assertThat(OpenSslClient.connect(port("SNI"), "", "-servername", "a.example.com", "-alpn", "http/1.1").alpn()).isEqualTo("http/1.1");

        // the JDK's HttpClient, both versions, checking the chain against the test CA
        for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1}) {
            try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(null)).version(version)
                    .connectTimeout(Duration.ofSeconds(5)).build()) {
                HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port("SNI") + "/jdk"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello over tls");
                assertThat(r.version()).isEqualTo(version);
                assertThat(r.sslSession()).get().extracting(s -> s.getProtocol()).isEqualTo("TLSv1.3");
            }
        }
    }

    @Test
    void mutualTlsAcceptsTheCasClientsAndRefusesOthers() throws Exception {
        String url = "https://127.0.0.1:" + port("MTLS") + "/";
        Curl.Result ok = Curl.run("--cacert", certs.ca().cert().toString(), "--cert", client.cert().toString(), "--key",
                client.key().toString(), url);
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stdout()).isEqualTo("hello over tls");

        long failuresBefore = stat("listener.mtls.tls.handshake_failure");
        Curl.Result none = Curl.run("--cacert", certs.ca().cert().toString(), url);
        assertThat(none.exitCode()).as("no client certificate").isNotZero();

        TestCerts other = TestCerts.create(dir.resolve("other"), TestCerts.Kind.EC, "other-ca");
        TestCerts.Issued stranger = other.client("stranger");
        Curl.Result foreign = Curl.run("--cacert", certs.ca().cert().toString(), "--cert", stranger.cert().toString(), "--key",
                stranger.key().toString(), url);
        assertThat(foreign.exitCode()).as("a client certificate from another CA").isNotZero();

        // the JDK client with and without its certificate
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(client)).build()) {
            assertThat(jdk.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .isEqualTo("hello over tls");
        }
        awaitStat("listener.mtls.tls.handshake_failure", failuresBefore + 2);
        assertThat(stat("downstream.tls.handshake_failure")).isGreaterThanOrEqualTo(2);
        assertThat(mosn.output()).containsPattern("listener mtls: TLS handshake with /127\\.0\\.0\\.1:\\d+ failed: \\S+");
    }

    @Test
    void versionAndCipherLimitsHold() throws Exception {
        OpenSslClient.Session old = OpenSslClient.connect(port("TLS13"), "", "-tls1_2");
        assertThat(old.handshakeDone()).as(old.output()).isFalse();
        assertThat(OpenSslClient.connect(port("TLS13"), "", "-tls1_3").protocol()).isEqualTo("TLSv1.3");

        OpenSslClient.Session newer = OpenSslClient.connect(port("TLS12"), "", "-tls1_3");
        assertThat(newer.handshakeDone()).as(newer.output()).isFalse();
        OpenSslClient.Session s12 = OpenSslClient.connect(port("TLS12"), "", "-tls1_2");
        assertThat(s12.protocol()).as(s12.output()).isEqualTo("TLSv1.2");
        assertThat(s12.cipher()).isEqualTo("ECDHE-ECDSA-AES128-GCM-SHA256");
        OpenSslClient.Session chacha = OpenSslClient.connect(port("TLS12"), "", "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305");
        assertThat(chacha.cipher()).as(chacha.output()).isEqualTo("ECDHE-ECDSA-CHACHA20-POLY1305");
        OpenSslClient.Session other = OpenSslClient.connect(port("TLS12"), "", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384");
        assertThat(other.handshakeDone()).as("a suite the listener does not offer: %s", other.output()).isFalse();
        OpenSslClient.Session curve = OpenSslClient.connect(port("TLS12"), "", "-tls1_2", "-curves", "X25519");
        assertThat(curve.handshakeDone()).as("a curve the listener does not offer: %s", curve.output()).isFalse();
    }

    @Test
    void sessionsResume() throws Exception {
        // BoringSSL sends TLS 1.3 tickets with its first write after the handshake: a request gets one
        String request = "GET / HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n";
        for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
            Path session = dir.resolve("session" + version);
            OpenSslClient.Session first = OpenSslClient.connect(port("SNI"), request, version, "-servername", "a.example.com", "-sess_out",
                    session.toString());
            assertThat(first.reused()).isFalse();
            OpenSslClient.Session second = OpenSslClient.connect(port("SNI"), "", version, "-servername", "a.example.com", "-sess_in",
                    session.toString());
            assertThat(second.reused()).as("%s resumed: %s", version, second.output()).isTrue();
        }
    }

    @Test
    void theInspectorServesTlsAndPlaintextOnOnePort() throws Exception {
        String base = "127.0.0.1:" + port("INSPECT");
        Curl.Result plain = Curl.run("http://" + base + "/");
        assertThat(plain.stdout()).as(plain.stderr()).isEqualTo("hello over tls");
        Curl.Result h2c = Curl.run("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version}", "http://" + base + "/");
        assertThat(h2c.stdout()).as(h2c.stderr()).isEqualTo("2");
        Curl.Result tls = Curl.run("--cacert", certs.ca().cert().toString(), "-w", " %{http_version}", "https://" + base + "/");
        assertThat(tls.stdout()).as(tls.stderr()).isEqualTo("hello over tls 2");
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(null)).build()) {
            assertThat(jdk.send(HttpRequest.newBuilder(URI.create("https://" + base + "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).isEqualTo("hello over tls");
            assertThat(jdk.send(HttpRequest.newBuilder(URI.create("http://" + base + "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).isEqualTo("hello over tls");
        }
        assertThat(stat("listener.inspect.tls.plaintext")).isGreaterThanOrEqualTo(3);

        // without the inspector a plaintext client is closed, and said so
        Curl.Result refused = Curl.run("http://127.0.0.1:" + port("STRICT") + "/");
        assertThat(refused.exitCode()).isNotZero();
        awaitStat("listener.strict.tls.not_tls", 1);
        assertThat(mosn.output()).contains("listener strict: connection from /127.0.0.1:").contains("does not start with a TLS handshake");
    }

    @Test
    void certificatesRotateWithoutDroppingConnections() throws Exception {
        TestCerts.Issued second = certs.serverAs("rotate-second", "rotate.example.com");
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(null)).version(HttpClient.Version.HTTP_1_1).build()) {
            URI uri = URI.create("https://127.0.0.1:" + port("ROTATE") + "/");
            HttpResponse<String> before = jdk.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            X509Certificate firstCert = (X509Certificate) before.sslSession().orElseThrow().getPeerCertificates()[0];
            // written as an operator would: key first, then the certificate, each replaced whole
            Path tmpKey = dir.resolve("rotate.key.tmp");
            Path tmpCert = dir.resolve("rotate.pem.tmp");
            Files.copy(second.key(), tmpKey);
            Files.copy(second.cert(), tmpCert);
            Files.move(tmpKey, dir.resolve("rotate.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpCert, dir.resolve("rotate.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            String expected = second.certificate().getSerialNumber().toString(16);
            String seen = null;
            for (int i = 0; i < 100 && !expected.equalsIgnoreCase(seen); i++) {
                OpenSslClient.Session s = OpenSslClient.connect(port("ROTATE"), "", "-servername", "rotate.example.com");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?s)-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----")
                        .matcher(s.output());
                if (m.find()) {
                    var cf = java.security.cert.CertificateFactory.getInstance("X.509");
                    seen = ((X509Certificate) cf.generateCertificate(new java.io.ByteArrayInputStream(m.group().getBytes()))).getSerialNumber()
                            .toString(16);
                }
                if (!expected.equalsIgnoreCase(seen)) {
                    Thread.sleep(100);
                }
            }
            assertThat(seen).as("new handshakes present the new certificate").isEqualToIgnoringCase(expected);
            assertThat(mosn.output()).contains("certificates read again; new handshakes use them");
            // the connection opened before the rotation still serves, with the certificate it started with
            HttpResponse<String> after = jdk.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(after.body()).isEqualTo("hello over tls");
            X509Certificate still = (X509Certificate) after.sslSession().orElseThrow().getPeerCertificates()[0];
            assertThat(still.getSerialNumber()).isEqualTo(firstCert.getSerialNumber());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static long stat(String name) throws Exception {
        try (HttpClient h = HttpClient.newHttpClient()) {
            String body = h.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("ADMIN") + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            JsonNode n = new ObjectMapper().readTree(body).get(name);
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
