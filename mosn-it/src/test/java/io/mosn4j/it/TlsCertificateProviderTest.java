package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mosn4j.it.plugin.PluginJar;
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
 * The certificate provider SPI through the real {@code bin/mosn}: a plugin jar (the test's
 * {@code AllowedNamesProvider}, loaded with {@code --plugins}) is named by a listener's
 * {@code tls_context.type}, reads its {@code extend_verify}, and adds its own check of client
 * certificates after the standard one: of two clients with certificates from the same trusted
 * CA, only the one whose name it allows gets in. Its own config errors name the field.
 */
class TlsCertificateProviderTest {
    static final String CONFIG = """
            {"servers": [{"default_log_path": "stdout",
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
              "listeners": [{"name": "named", "address": "127.0.0.1:${PORT}", "filter_chains": [{"tls_context": {"status": true,
                "type": "allowed_names", "extend_verify": ${EXTEND},
                "cert_chain": "${CERT}", "private_key": "${KEY}", "ca_cert": "${CA}", "verify_client": true, "require_client_cert": true},
                "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "backend", "hosts": [{"address": "${BACKEND}"}]}]},
             "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}}
            """;

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TestCerts.Issued good;
    static TestCerts.Issued other;
    static NettyHttpBackend backend;
    static MosnProcess mosn;
    static Map<String, Object> vars;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "provider-ca");
        TestCerts.Issued server = certs.server("mosn.example.com");
        good = certs.client("good-client");
        other = certs.client("other-client");
        backend = NettyHttpBackend.start("provider-backend");
        vars = new HashMap<>(Map.of("PORT", freePort(), "ADMIN", freePort(), "CERT", server.cert(), "KEY", server.key(),
                "CA", certs.ca().cert(), "BACKEND", backend.address()));
        Map<String, Object> v = new HashMap<>(vars);
        v.put("EXTEND", "{\"allowed_cn\": [\"good-client\"]}");
        mosn = MosnProcess.builder().config(render(CONFIG, v)).args("--plugins", PluginJar.folder().toString())
                .waitFor((Integer) vars.get("PORT"), (Integer) vars.get("ADMIN")).start();
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
            if (backend != null) {
                backend.close();
            }
        }
    }

    static Curl.Result curl(TestCerts.Issued client) throws Exception {
        int port = (Integer) vars.get("PORT");
        return Curl.run("--cacert", certs.ca().cert().toString(), "--cert", client.cert().toString(), "--key", client.key().toString(),
                "--resolve", "mosn.example.com:" + port + ":127.0.0.1", "https://mosn.example.com:" + port + "/who");
    }

    @Test
    void theProvidersCheckLetsInOnlyTheNamesItAllows() throws Exception {
        Curl.Result ok = curl(good);
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stdout()).isEqualTo("provider-backend GET /who");

        long before = stat("listener.named.tls.handshake_failure");
        Curl.Result refused = curl(other);
        assertThat(refused.exitCode()).as(refused.stdout()).isNotZero();
        assertThat(refused.stdout()).doesNotContain("provider-backend");
        for (int i = 0; i < 50 && stat("listener.named.tls.handshake_failure") <= before; i++) {
            Thread.sleep(100);
        }
        assertThat(stat("listener.named.tls.handshake_failure")).isGreaterThan(before);
        assertThat(mosn.output()).contains("common name \"other-client\" is not in allowed_cn");
    }

    @Test
    void theProvidersOwnConfigErrorsNameTheField() throws Exception {
        Map<String, Object> v = new HashMap<>(vars);
        v.put("PORT", freePort());
        v.put("ADMIN", freePort());
        v.put("EXTEND", "{\"allowed_cn\": [\"good-client\"], \"deny_cn\": [\"x\"]}");
        Path file = MosnProcess.writeTemp("provider.json", render(CONFIG, v));
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(60), "start", "-c", file.toString(), "--plugins",
                PluginJar.folder().toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as(r.all()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains("servers[0].listeners[0].filter_chains[0].tls_context.extend_verify.deny_cn: "
                + "unknown key (expected allowed_cn)");

        v.put("EXTEND", "{}");
        v.put("PORT", freePort());
        Path noType = MosnProcess.writeTemp("notype.json", render(CONFIG, v).replace("\"type\": \"allowed_names\"", "\"type\": \"vault\""));
        MosnProcess.Result r2 = MosnProcess.run(Duration.ofSeconds(60), "start", "-c", noType.toString(), "--plugins",
                PluginJar.folder().toString());
        assertThat(r2.exitCode()).as(r2.all()).isEqualTo(1);
        assertThat(r2.stderrLines().get(0)).contains("tls_context.type: unknown certificate provider type \"vault\"")
                .contains("allowed_names");
    }

    static long stat(String name) throws Exception {
        try (HttpClient h = HttpClient.newHttpClient()) {
            String body = h.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vars.get("ADMIN") + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            var n = new ObjectMapper().readTree(body).get(name);
            return n == null ? 0 : n.asLong();
        }
    }
}
