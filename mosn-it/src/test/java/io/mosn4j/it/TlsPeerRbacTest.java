package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's mTLS authorization through the real {@code bin/mosn}: TLS listeners checking client
 * certificates against the test CA, and RBAC policies that let in only the workload whose
 * certificate carries the SPIFFE id {@code spiffe://cluster.local/ns/default/sa/sleep} (the
 * {@code authenticated} principal) — as the HTTP filter (others get 403, over HTTP/1.1 and h2) and
 * as the network filter (others' connections are closed). Clients: curl and the JDK's HttpClient,
 * presenting certificates made by the test. The access log prints the server name the client sent.
 * BoringSSL serves (the default), and the JDK's engine once more.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsPeerRbacTest {
    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "hello sleep"}}]}]}],
                "listeners": [
                  {"name": "httprbac", "address": "127.0.0.1:${HTTP}",
                   "access_logs": [{"log_path": "${D}/access.log", "log_format": "sni=%requested_server_name% code=%response_code% path=%x-mosn-path%"}],
                   "stream_filters": [{"type": "rbac", "config": {"rules": {"action": "ALLOW", "policies": {"sleep": {
                     "permissions": [{"any": true}], "principals": [{"authenticated": {"principal_name": {"exact": "${SLEEP}"}}}]}}}}}],
                   "filter_chains": [{"tls_context": {"status": true, "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key",
                       "ca_cert": "${D}/test-ca.pem", "verify_client": true, "alpn": "h2,http/1.1"},
                     "filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "r"}}]}]},
                  {"name": "netrbac", "address": "127.0.0.1:${NET}",
                   "filter_chains": [{"tls_context": {"status": true, "cert_chain": "${D}/a.example.com.pem", "private_key": "${D}/a.example.com.key",
                       "ca_cert": "${D}/test-ca.pem", "verify_client": true},
                     "filters": [
                       {"type": "rbac", "config": {"stat_prefix": "mtls.", "rules": {"action": "ALLOW", "policies": {"default-ns": {
                         "permissions": [{"any": true}],
                         "principals": [{"authenticated": {"principal_name": {"prefix": "spiffe://cluster.local/ns/default/"}}}]}}}}},
                       {"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "plain", "address": "127.0.0.1:${PLAIN}",
                   "access_logs": [{"log_path": "${D}/plain.log", "log_format": "sni=%requested_server_name% code=%response_code% path=%x-mosn-path%"}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}
                ]
              }],
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TestCerts.Issued sleep;
    static TestCerts.Issued productpage;
    static TestCerts.Issued prodSleep;
    static TestCerts.Issued foreign;
    static MosnProcess mosn;
    static Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "test-ca");
        certs.server("a.example.com");
        sleep = certs.workload("sleep", SLEEP);
        productpage = certs.workload("productpage", "spiffe://cluster.local/ns/default/sa/productpage");
        prodSleep = certs.workload("prod-sleep", "spiffe://cluster.local/ns/prod/sa/sleep");
        // the right SPIFFE id from a CA the listener does not trust
        foreign = TestCerts.create(dir.resolve("other"), TestCerts.Kind.EC, "other-ca").workload("sleep", SLEEP);
        for (String n : new String[] {"HTTP", "NET", "PLAIN", "ADMIN"}) {
            ports.put(n, freePort());
        }
        Map<String, Object> v = new HashMap<>(ports);
        v.put("D", dir.toString());
        v.put("SLEEP", SLEEP);
        MosnProcess.Builder b = MosnProcess.builder().config(render(CONFIG, v)).startTimeout(Duration.ofSeconds(60));
        ports.values().forEach(b::waitFor);
        mosn = b.probe(ports.get("PLAIN")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        MosnProcess.stopCleanly(mosn);
    }

    /** curl to {@code https://a.example.com:PORT/path} (the server name sent) presenting {@code who}'s certificate (null: none). */
    static Curl.Result curl(String listener, TestCerts.Issued who, String path, String... more) throws Exception {
        return curl(ports.get(listener), who, path, more);
    }

    static Curl.Result curl(int port, TestCerts.Issued who, String path, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--cacert", certs.ca().cert().toString(), "--resolve", "a.example.com:" + port + ":127.0.0.1",
                "-w", " %{http_code} %{http_version}"));
        if (who != null) {
            args.addAll(List.of("--cert", who.cert().toString(), "--key", who.key().toString()));
        }
        args.addAll(List.of(more));
        args.add("https://a.example.com:" + port + path);
        return Curl.run(args.toArray(String[]::new));
    }

    @Test
    void theHttpFilterLetsInOnlyTheSleepWorkload() throws Exception {
        Curl.Result ok = curl("HTTP", sleep, "/h1", "--http1.1");
        assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("hello sleep 200 1.1");
        Curl.Result h2 = curl("HTTP", sleep, "/h2", "--http2");
        assertThat(h2.stdout()).as(h2.stderr()).isEqualTo("hello sleep 200 2");
        // another workload of the mesh, no certificate: the handshake succeeds (verify_client alone) and RBAC refuses
        Curl.Result other = curl("HTTP", productpage, "/other", "--http1.1");
        assertThat(other.stdout()).as(other.stderr()).isEqualTo("RBAC: access denied\n 403 1.1");
        Curl.Result otherH2 = curl("HTTP", productpage, "/other", "--http2");
        assertThat(otherH2.stdout()).as(otherH2.stderr()).isEqualTo("RBAC: access denied\n 403 2");
        Curl.Result none = curl("HTTP", null, "/none");
        assertThat(none.stdout()).as(none.stderr()).startsWith("RBAC: access denied\n 403");
        // the right name from an untrusted CA never gets past the handshake
        Curl.Result untrusted = curl("HTTP", foreign, "/foreign");
        assertThat(untrusted.exitCode()).as(untrusted.stdout()).isNotZero();

        // the JDK's client, several requests on one connection: the certificate is read once and holds for each
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(sleep)).version(HttpClient.Version.HTTP_2).build()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ports.get("HTTP") + "/jdk/" + i))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello sleep");
            }
        }
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(certs.clientContext(prodSleep)).build()) {
            HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ports.get("HTTP") + "/jdk-prod"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("sa/sleep of another namespace").isEqualTo(403);
        }
        assertThat(stat("http.httprbac.rbac.allowed")).isGreaterThanOrEqualTo(5);
        assertThat(stat("http.httprbac.rbac.denied")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theNetworkFilterClosesConnectionsOfOtherWorkloads() throws Exception {
        Curl.Result ok = curl("NET", sleep, "/net");
        assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("hello sleep 200 1.1");
        Curl.Result productPage = curl("NET", productpage, "/net");
        assertThat(productPage.stdout()).as("a default-namespace workload: the prefix holds").isEqualTo("hello sleep 200 1.1");

        long deniedBefore = stat("mtls.rbac.denied");
        Curl.Result prod = curl("NET", prodSleep, "/net");
        assertThat(prod.exitCode()).as("closed: %s %s", prod.stdout(), prod.stderr()).isNotZero();
        assertThat(prod.stdout()).doesNotContain("hello sleep");
        Curl.Result none = curl("NET", null, "/net");
        assertThat(none.exitCode()).as("closed: %s %s", none.stdout(), none.stderr()).isNotZero();
        assertThat(none.stdout()).doesNotContain("hello sleep");
        assertThat(stat("mtls.rbac.denied")).isEqualTo(deniedBefore + 2);
        assertThat(stat("mtls.rbac.allowed")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theAccessLogPrintsTheServerNameTheClientSent() throws Exception {
        assertThat(curl("HTTP", sleep, "/sni-named", "--http1.1").stdout()).endsWith(" 200 1.1");
        assertThat(curl("HTTP", productpage, "/sni-denied", "--http2").stdout()).endsWith(" 403 2");
        // an address in the URL: curl sends no server name
        Curl.Result byIp = Curl.run("--cacert", certs.ca().cert().toString(), "--cert", sleep.cert().toString(), "--key", sleep.key().toString(),
                "https://127.0.0.1:" + ports.get("HTTP") + "/sni-none");
        assertThat(byIp.stdout()).as(byIp.stderr()).isEqualTo("hello sleep");
        assertThat(Curl.run("http://127.0.0.1:" + ports.get("PLAIN") + "/sni-plain").stdout()).isEqualTo("hello sleep");

        assertThat(awaitLine("access.log", "path=/sni-named")).isEqualTo("sni=a.example.com code=200 path=/sni-named");
        assertThat(awaitLine("access.log", "path=/sni-denied")).isEqualTo("sni=a.example.com code=403 path=/sni-denied");
        assertThat(awaitLine("access.log", "path=/sni-none")).isEqualTo("sni=- code=200 path=/sni-none");
        assertThat(awaitLine("plain.log", "path=/sni-plain")).isEqualTo("sni=- code=200 path=/sni-plain");
    }

    @Test
    void theJdksTlsEngineGivesTheSameAnswers() throws Exception {
        Map<String, Object> v = new HashMap<>();
        for (String n : new String[] {"HTTP", "NET", "PLAIN", "ADMIN"}) {
            v.put(n, freePort());
        }
        v.put("D", dir.resolve("jdk"));
        v.put("SLEEP", SLEEP);
        Files.createDirectories(dir.resolve("jdk"));
        for (String f : new String[] {"a.example.com.pem", "a.example.com.key", "test-ca.pem"}) {
            Files.copy(dir.resolve(f), dir.resolve("jdk").resolve(f));
        }
        MosnProcess.Builder b = MosnProcess.builder().config(render(CONFIG, v)).javaOpts("-Dmosn4j.tls.engine=jdk")
                .startTimeout(Duration.ofSeconds(60));
        v.forEach((k, p) -> {
            if (p instanceof Integer port) {
                b.waitFor(port);
            }
        });
        try (MosnProcess jdk = b.start()) {
            assertThat(jdk.output()).contains("TLS engine: the JDK's");
            for (String[] c : new String[][] {{"HTTP", "/jdk-sleep"}, {"NET", "/jdk-net"}}) {
                int port = (Integer) v.get(c[0]);
                Curl.Result ok = curl(port, sleep, c[1]);
                assertThat(ok.stdout()).as(ok.stderr()).startsWith("hello sleep 200 ");
                Curl.Result none = curl(port, null, "/none" + c[1]);
                assertThat(none.stdout()).as(none.stderr()).doesNotContain("hello sleep");
            }
            Curl.Result other = curl((Integer) v.get("HTTP"), productpage, "/jdk-other", "--http2");
            assertThat(other.stdout()).as(other.stderr()).endsWith(" 403 2");
            assertThat(awaitLine("jdk/access.log", "path=/jdk-sleep")).isEqualTo("sni=a.example.com code=200 path=/jdk-sleep");
            jdk.stopCleanly();
        }
    }

    static long stat(String name) throws Exception {
        return MosnProcess.stat(ports.get("ADMIN"), name);
    }

    /** The first line of access log {@code log} (under the test's folder) containing {@code marker}. */
    static String awaitLine(String log, String marker) throws Exception {
        return AccessLogTest.awaitLine(dir.resolve(log), marker);
    }
}
