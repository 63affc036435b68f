package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alipay.remoting.rpc.exception.InvokeServerException;
import io.mosn4j.it.RawHttpClient.RawResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code rbac} stream filter through the real {@code bin/mosn}: an Istio-shaped ALLOW policy
 * (methods, paths, a header, the peer's range) with DENY and shadow rules, on HTTP/1 (curl),
 * HTTP/2 and bolt (the service header), the network RBAC ahead of a proxy, and the admin's counters.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RbacTest {
    static final String HTTP_RBAC = """
            {"type": "rbac", "config": {"version": "v1",
              "rules": {"action": "ALLOW", "policies": {
                "read": {"permissions": [{"and_rules": {"rules": [
                            {"or_rules": {"rules": [{"header": {"name": ":method", "exact_match": "GET"}}, {"header": {"name": ":method", "exact_match": "HEAD"}}]}},
                            {"url_path": {"path": {"prefix": "/api/"}}}]}}],
                         "principals": [{"direct_remote_ip": {"address_prefix": "127.0.0.0", "prefix_len": 8}}]},
                "write": {"permissions": [{"and_rules": {"rules": [{"header": {"name": ":method", "exact_match": "POST"}},
                                                                   {"url_path": {"path": {"exact": "/api/items"}}}]}}],
                          "principals": [{"header": {"name": "x-role", "exact_match": "writer"}}]}}},
              "shadow_rules": {"action": "DENY", "policies": {"dry-run": {"permissions": [{"url_path": {"path": {"prefix": "/api/secret"}}}],
                                                                           "principals": [{"any": true}]}}}}}
            """;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "http",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "echo"}}]}]
                }, {
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [{"match": {"headers": [{"name": "service", "regex": true, "value": "svc\\\\..*"}]},
                                                                                   "route": {"cluster_name": "bolt"}}]}]
                }],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}", "stream_filters": [${HTTP_RBAC}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}", "stream_filters": [${HTTP_RBAC}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "netdeny", "address": "127.0.0.1:${NETDENY}",
                   "filter_chains": [{"filters": [
                     {"type": "rbac", "config": {"rules": {"action": "DENY", "policies": {"local": {"permissions": [{"any": true}],
                       "principals": [{"direct_remote_ip": {"address_prefix": "127.0.0.0", "prefix_len": 8}}]}}}}},
                     {"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "netallow", "address": "127.0.0.1:${NETALLOW}",
                   "filter_chains": [{"filters": [
                     {"type": "rbac", "config": {"stat_prefix": "tcp.allow.", "rules": {"action": "ALLOW", "policies": {"port": {
                       "permissions": [{"destination_port": ${NETALLOW}}], "principals": [{"any": true}]}}}}},
                     {"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}",
                   "stream_filters": [{"type": "rbac", "config": {"rules": {"action": "DENY", "policies": {"admin": {
                     "permissions": [{"header": {"name": "service", "prefix_match": "svc.admin"}}], "principals": [{"any": true}]}}}}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "echo", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${ECHO}"}]},
                {"name": "bolt", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static NettyHttpBackend echo;
    private static BoltEchoPeer bolt;
    private static MosnProcess mosn;
    private static final Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        bolt = new BoltEchoPeer();
        echo = NettyHttpBackend.start("echo");
        for (String name : List.of("H1", "H2", "BOLT", "ADMIN", "NETDENY", "NETALLOW")) {
            ports.put(name, freePort());
        }
        Map<String, Object> v = vars("ECHO", echo.address(), "BOLT_SERVER", bolt.serverPort, "HTTP_RBAC", HTTP_RBAC);
        v.putAll(ports);
        mosn = MosnProcess.builder().config(render(CONFIG, v)).waitFor(ports.get("H1"), ports.get("H2"), ports.get("BOLT"), ports.get("NETALLOW"))
                .probe(ports.get("H1")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                Files.writeString(Path.of("target", "RbacTest-mosn.log"), mosn.output());
                assertThat(mosn.stop()).as("mosn exit code; output:\n%s", mosn.output()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (bolt != null) {
                bolt.close();
            }
            if (echo != null) {
                echo.close();
            }
        }
    }

    @Test
    void http1WithCurl() throws Exception {
        String base = "http://127.0.0.1:" + ports.get("H1");
        assertThat(Curl.run(base + "/api/list", "-w", "\n%{http_code}").stdout()).isEqualTo("echo GET /api/list\n200");
        Curl.Result denied = Curl.run("-X", "DELETE", base + "/api/list", "-i");
        assertThat(denied.stdout()).startsWith("HTTP/1.1 403").endsWith("\r\n\r\nRBAC: access denied\n");
        assertThat(Curl.run("-X", "POST", base + "/api/items", "-d", "x", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("403");
        assertThat(Curl.run("-X", "POST", base + "/api/items", "-H", "x-role: writer", "-d", "x", "-w", "\n%{http_code}").stdout())
                .isEqualTo("x\n200");
        assertThat(Curl.run(base + "/other", "-o", "/dev/null", "-w", "%{http_code}").stdout()).as("no permission holds").isEqualTo("403");
        assertThat(echo.seen).noneMatch(r -> r.uri().equals("/other") || r.method().equals("DELETE"));
    }

    @Test
    void http2() throws Exception {
        int port = ports.get("H2");
        try (H2Peers.Client c = new H2Peers.Client(port)) {
            H2Peers.Response ok = c.request(H2Peers.get("/api/h2", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            H2Peers.Response denied = c.request(H2Peers.get("/h2/denied", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.text()).isEqualTo("RBAC: access denied\n");
        }
    }

    @Test
    void boltByItsServiceHeader() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLT");
        assertThat(bolt.call(addr, "svc.echo", BoltEcho.of("rbac-ok", "in"), Map.of())).isEqualTo("echo:in");
        Throwable t = catchThrowable(() -> bolt.call(addr, "svc.admin", BoltEcho.of("rbac-denied", "x"), Map.of()));
        assertThat(t).as("permission denied is bolt's server exception").isInstanceOf(InvokeServerException.class);
    }

    @Test
    void theNetworkRbacClosesAConnectionNoPolicyLetsIn() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", ports.get("NETDENY"))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).as("closed without an answer").isEqualTo(-1);
        }
        try (RawHttpClient c = RawHttpClient.connect(ports.get("NETALLOW"))) {
            assertThat(c.get("/api/net").status()).as("the network RBAC allows the port; the HTTP RBAC is not on this listener").isEqualTo(200);
        }
        assertThat(echo.seen).noneMatch(r -> r.uri().equals("/api/x"));
        String stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get("ADMIN")
                + "/stats?filter=rbac")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(stats).containsPattern("tcp\\.netdeny\\.rbac\\.denied: [1-9]").containsPattern("tcp\\.allow\\.rbac\\.allowed: [1-9]");
    }

    @Test
    void shadowRulesOnlyCount() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            RawResponse r = c.get("/api/secret/1");
            assertThat(r.status()).as("the shadow DENY does not refuse").isEqualTo(200);
        }
        String stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get("ADMIN")
                + "/stats?filter=rbac")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(stats).containsPattern("http\\.h1\\.rbac\\.shadow_denied: [1-9]").contains("http.h1.rbac.allowed: ")
                .contains("http.h1.rbac.shadow_allowed: ").contains("http.bolt.rbac.denied: ");
    }

    @Test
    void principalsNotSupportedStopTheStartNamingTheField() throws Exception {
        String config = """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "stream_filters": [{"type": "rbac", "config": {"rules": {"policies": {"p": {
                    "permissions": [{"any": true}], "principals": [{"metadata": {"filter": "istio_authn", "path": [{"key": "source.principal"}], "value": {"string_match": {"exact": "x"}}}}]}}}}}],
                    "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}]}
                """.formatted(freePort());
        Path file = MosnProcess.writeTemp("rbac.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains("servers[0].listeners[0].stream_filters[0].config.rules.policies.p.principals[0].metadata: ")
                .contains("not a principal mosn4j supports");
    }


}
