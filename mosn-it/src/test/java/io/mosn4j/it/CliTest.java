package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The command line: the demo config, {@code version}, and configs that must be refused cleanly. */
class CliTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    /**
     * The built-in demo config, exactly as {@code bin/mosn start} loads it from mosn-app.jar, serves
     * the demo upstream. Its fixed ports (2045, 2046) are swapped for reserved ones, so the test
     * neither depends on those ports being free nor collides with anything using them.
     */
    @Test
    void demoConfigServesTheDemoUpstream() throws Exception {
        String demo = builtInDemoConfig();
        assertThat(demo).contains("\"127.0.0.1:2045\"").contains("\"127.0.0.1:2046\"");
        int front = MosnProcess.freePort();
        int upstream = MosnProcess.freePort();
        String cfg = demo.replace("127.0.0.1:2045", "127.0.0.1:" + front).replace("127.0.0.1:2046", "127.0.0.1:" + upstream);
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(front, upstream).probe(front).start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + "/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("Hello from the mosn4j demo upstream\n");
            if (Curl.available()) {
                Curl.Result curl = Curl.run("-i", "http://127.0.0.1:" + front + "/some/path");
                assertThat(curl.exitCode()).as(curl.stderr()).isZero();
                assertThat(curl.stdout()).startsWith("HTTP/1.1 200").endsWith("Hello from the mosn4j demo upstream\n");
            }
            assertThat(mosn.output()).contains("demo_listener");
            mosn.stopCleanly();
            assertThat(mosn.output()).doesNotContain("Exception");
        }
    }

    /**
     * {@code bin/mosn start} without {@code -c} runs the built-in demo config: shown without
     * needing port 2045, by holding it (or finding it held) so that the start fails on exactly
     * that address, after saying which config it loaded.
     */
    @Test
    void startWithoutAConfigRunsTheBuiltInDemo() throws Exception {
        ServerSocket held = null;
        try {
            try {
                held = new ServerSocket(2045, 1, InetAddress.getLoopbackAddress());
            } catch (IOException busyAlready) {
                // someone else holds it: the start fails on it all the same
            }
            MosnProcess.Result r = MosnProcess.run(RUN, "start");
            assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
            assertThat(r.stdout()).contains("starting with the built-in demo config");
            assertThat(r.stderrLines()).hasSize(1);
            assertThat(r.stderrLines().get(0)).startsWith("mosn: cannot start: ").contains("127.0.0.1:2045");
            assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    /** The demo config inside mosn-app.jar, the one {@code bin/mosn start} loads without {@code -c}. */
    static String builtInDemoConfig() throws IOException {
        try (JarFile jar = new JarFile(MosnProcess.root().resolve("mosn-app/target/mosn-app.jar").toFile())) {
            JarEntry e = jar.getJarEntry("default-config.json");
            assertThat(e).as("default-config.json in mosn-app.jar").isNotNull();
            try (InputStream in = jar.getInputStream(e)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void versionPrintsTheVersion() throws Exception {
        MosnProcess.Result r = MosnProcess.run(RUN, "version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).startsWith("mosn4j version ");
        assertThat(r.stdout().lines().count()).isEqualTo(1);
        assertThat(r.stderr()).isEmpty();
    }

    static String config(String clusterExtra, String hosts, String routerName) {
        return """
                {
                  "servers": [{
                    "default_log_path": "stdout",
                    "routers": [{
                      "router_config_name": "r1",
                      "virtual_hosts": [{"name": "vh", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]}]
                    }],
                    "listeners": [{
                      "name": "l1",
                      "address": "127.0.0.1:%d",
                      "bind_port": true,
                      "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "%s"}}]}]
                    }]
                  }],
                  "cluster_manager": {"clusters": [{"name": "c1", "type": "SIMPLE"%s, "hosts": %s}]}
                }
                """.formatted(MosnProcess.freePort(), routerName, clusterExtra, hosts);
    }

    /** A one-listener config whose proxy filter has {@code proxyFields} (JSON members) and no upstream host. */
    static String proxyConfig(String proxyFields) {
        return """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r1", "virtual_hosts": [{"name": "vh", "domains": ["*"],
                    "routers": [{"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "c1"}}]}]}],
                  "listeners": [{"name": "l1", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {%s, "router_config_name": "r1"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "c1", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:9"}]}]}}
                """.formatted(MosnProcess.freePort(), proxyFields);
    }

    static final String PROXY = "servers[0].listeners[0].filter_chains[0].filters[0].config.";

    static Stream<Arguments> brokenConfigs() {
        String hosts = "[{\"address\": \"127.0.0.1:9\"}]";
        return Stream.of(
                Arguments.of("unknown lb_type", "c.json", config(", \"lb_type\": \"LB_FOO\"", hosts, "r1"),
                        "cluster_manager.clusters[0].lb_type", "LB_FOO"),
                Arguments.of("hosts is a string", "c.json", config("", "\"x\"", "r1"),
                        "cluster_manager.clusters[0].hosts", "array"),
                Arguments.of("malformed JSON", "c.json", config("", hosts, "r1").replace("\"bind_port\": true,", "\"bind_port\": true,,"),
                        "JSON", "line"),
                Arguments.of("unknown router name", "c.json", config("", hosts, "no_such_router"),
                        "servers[0].listeners[0].filter_chains[0].filters[0].config.router_config_name", "no_such_router"),
                Arguments.of("bad duration", "c.json", config(", \"connect_timeout\": \"3 parsecs\"", hosts, "r1"),
                        "cluster_manager.clusters[0].connect_timeout", "3 parsecs"),
                Arguments.of("negative circuit breaker", "c.json",
                        config(", \"circuit_breakers\": [{\"max_connections\": 10, \"max_requests\": -5}]", hosts, "r1"),
                        "cluster_manager.clusters[0].circuit_breakers[0].max_requests", "must not be negative, got -5"),
                Arguments.of("host address without port", "c.json", config("", "[{\"address\": \"127.0.0.1\"}]", "r1"),
                        "cluster_manager.clusters[0].hosts[0].address", "127.0.0.1"),
                Arguments.of("YAML wrong type", "c.yaml", """
                        servers:
                          - default_log_path: stdout
                            listeners:
                              - name: l1
                                address: 127.0.0.1:%d
                                filter_chains:
                                  - filters:
                                      - type: tcp_proxy
                                        config:
                                          cluster: c1
                        cluster_manager:
                          clusters:
                            - name: c1
                              max_request_per_conn: lots
                              hosts:
                                - address: 127.0.0.1:9
                        """.formatted(MosnProcess.freePort()),
                        "cluster_manager.clusters[0].max_request_per_conn", "lots"),
                Arguments.of("unknown network filter", "c.json", config("", hosts, "r1").replace("\"type\": \"proxy\"", "\"type\": \"proxyy\""),
                        "servers[0].listeners[0].filter_chains[0].filters[0].type", "proxyy"),
                // HTTP to RPC loads: the transcoder stream filter converts requests (TranscoderTest)
                Arguments.of("RPC to RPC conversion", "c.json",
                        proxyConfig("\"downstream_protocol\": \"bolt\", \"upstream_protocol\": \"dubbo\""),
                        PROXY + "upstream_protocol", "cannot convert bolt requests to dubbo"),
                Arguments.of("RPC to HTTP conversion", "c.json",
                        proxyConfig("\"downstream_protocol\": \"dubbo\", \"upstream_protocol\": \"Http2\""),
                        PROXY + "upstream_protocol", "cannot convert dubbo requests to Http2"),
                Arguments.of("X to HTTP conversion", "c.json",
                        proxyConfig("\"downstream_protocol\": \"X\", \"upstream_protocol\": \"Http1\", \"extend_config\": {\"sub_protocol\": \"tars\"}"),
                        PROXY + "upstream_protocol", "cannot convert tars requests to Http1"),
                Arguments.of("X without sub_protocol", "c.json",
                        proxyConfig("\"downstream_protocol\": \"X\", \"upstream_protocol\": \"X\""),
                        PROXY + "downstream_protocol", "\"X\" needs extend_config.sub_protocol"),
                Arguments.of("X with a non-RPC sub_protocol", "c.json",
                        proxyConfig("\"downstream_protocol\": \"X\", \"upstream_protocol\": \"X\", \"extend_config\": {\"sub_protocol\": \"Http2\"}"),
                        PROXY + "extend_config.sub_protocol", "\"Http2\" is not an RPC protocol"),
                Arguments.of("X with an unknown sub_protocol", "c.json",
                        proxyConfig("\"downstream_protocol\": \"X\", \"upstream_protocol\": \"X\", \"extend_config\": {\"sub_protocol\": \"grpc\"}"),
                        PROXY + "extend_config.sub_protocol", "unknown value \"grpc\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenConfigs")
    void brokenConfigIsRefusedWithOneLine(String name, String fileName, String config, String fieldPath, String detail) throws Exception {
        Path file = MosnProcess.writeTemp(fileName, config);
        MosnProcess.Result r = MosnProcess.run(RUN, "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as("stderr of %s", name).hasSize(1);
        String line = r.stderrLines().get(0);
        assertThat(line).startsWith("mosn: invalid config " + file + ": ").contains(fieldPath).contains(detail);
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("\tat ");
    }

    @Test
    void missingConfigFileIsRefusedWithOneLine() throws Exception {
        String missing = "/nonexistent-dir-mosn-it/nope.json";
        MosnProcess.Result r = MosnProcess.run(RUN, "start", "-c", missing);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains(missing).contains("does not exist");
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("at io.");
    }

    @Test
    void listenerPortInUseExitsOneNamingTheAddress() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            String config = config("", "[{\"address\": \"127.0.0.1:9\"}]", "r1").replaceFirst("127\\.0\\.0\\.1:\\d+\"", "127.0.0.1:" + port + "\"");
            Path file = MosnProcess.writeTemp("busy.json", config);
            MosnProcess.Result r = MosnProcess.run(RUN, "start", "-c", file.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
            assertThat(r.stderr()).contains("127.0.0.1:" + port);
            assertThat(r.all()).doesNotContain("Exception").doesNotContain("at io.");
        }
    }

    @Test
    void logsGoToTheDefaultLogPathFile() throws Exception {
        java.nio.file.Path logDir = java.nio.file.Files.createTempDirectory("mosn-it-log-");
        java.nio.file.Path logFile = logDir.resolve("mosn.log");
        int port = MosnProcess.freePort();
        String cfg = """
                {"servers": [{"default_log_path": "%s", "default_log_level": "INFO",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "logged", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "r"}}]}]}]}]}
                """.formatted(logFile, port);
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                assertThat(c.get("/").bodyText()).isEqualTo("ok");
            }
            mosn.stopCleanly();
            String log = java.nio.file.Files.readString(logFile);
            assertThat(log).contains("mosn4j started").contains("logged").contains("mosn4j stopped");
            assertThat(log).doesNotContain("LEAK:");
            assertThat(mosn.output()).doesNotContain("mosn4j started");
        }
    }

    @Test
    void sigintDrainsAndExitsZeroToo() throws Exception {
        int port = MosnProcess.freePort();
        String cfg = """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "r"}}]}]}]}]}
                """.formatted(port);
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            // a test run started in the background of a non-interactive shell hands every child SIGINT ignored
            assumeFalse(mosn.ignoresSigint(), "mosn inherited SIGINT ignored from the shell that started the tests");
            mosn.provokeLeakReports();
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(mosn.pid())).start();
            assertThat(kill.waitFor()).isZero();
            mosn.awaitCleanExit(Duration.ofSeconds(15));
            assertThat(mosn.output()).contains("draining");
        }
    }

    @Test
    void mosnSectionsNotBuiltYetAreAccepted() throws Exception {
        // real MOSN files carry tracing, metrics, pprof, stream filters, access logs...
        int port = MosnProcess.freePort();
        String cfg = """
                {
                  "close_graceful": true,
                  "tracing": {"enable": false, "driver": "SOFATracer"},
                  "metrics": {"sinks": [], "stats_matcher": {"reject_all": true}},
                  "pprof": {"debug": false, "port_value": 34902},
                  "servers": [{
                    "default_log_path": "stdout",
                    "graceful_timeout": "5s",
                    "processor": 1,
                    "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                      "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                    "listeners": [{
                      "name": "l", "address": "127.0.0.1:%d", "bind_port": true, "log_path": "stdout",
                      "access_logs": [{"log_path": "stdout", "log_format": "%%start_time%% %%request_received_duration%%"}],
                      "stream_filters": [{"type": "fault", "config": {"delay_percent": 0}}],
                      "filter_chains": [{"tls_context": {}, "filters": [{"type": "proxy", "config": {
                        "downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]
                    }]
                  }],
                  "cluster_manager": {"tls_context": {}, "clusters": []}
                }
                """.formatted(port);
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                assertThat(c.get("/").bodyText()).isEqualTo("ok");
            }
            mosn.stopCleanly();
        }
    }

    // ---------------------------------------------------------------- MOSN settings mosn4j does not act on

    /**
     * A one-listener MOSN config on {@code port}, with MOSN fields spliced in: {@code top} before
     * {@code servers} (ending in a comma), {@code listener} into the listener (ending in a comma),
     * {@code route} after the route's cluster name (starting with a comma), {@code cluster} into the
     * cluster (ending in a comma). {@code /direct} answers "ok" from the proxy itself.
     */
    static String mosn(int port, String top, String listener, String route, String cluster) {
        return """
                {%s
                  "servers": [{"default_log_path": "stdout",
                    "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                      {"match": {"prefix": "/direct"}, "direct_response": {"status": 200, "body": "ok"}},
                      {"match": {"prefix": "/"}, "route": {"cluster_name": "c"%s}}]}]}],
                    "listeners": [{"name": "l", "address": "127.0.0.1:%d", "bind_port": true, %s
                      "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
                  "cluster_manager": {"clusters": [{"name": "c", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", %s
                    "hosts": [{"address": "127.0.0.1:9"}]}]}}
                """.formatted(top, route, port, listener, cluster);
    }

    static String mosnTop(String top) {
        return mosn(MosnProcess.freePort(), top, "", "", "");
    }

    static String mosnListener(String listener) {
        return mosn(MosnProcess.freePort(), "", listener, "", "");
    }

    static String mosnRoute(String route) {
        return mosn(MosnProcess.freePort(), "", "", route, "");
    }

    static String mosnCluster(String cluster) {
        return mosn(MosnProcess.freePort(), "", "", "", cluster);
    }

    static final String ROUTE = "servers[0].routers[0].virtual_hosts[0].routers[1].";
    static final String LISTENER = "servers[0].listeners[0].";
    static final String CLUSTER = "cluster_manager.clusters[0].";

    /**
     * Fragments of MOSN's own example configs that turn on what mosn4j does not enforce yet: each
     * is refused with exit 1 and one line naming the field, instead of starting and quietly
     * sending traffic in clear, to dead hosts, past an access check or to the wrong place.
     */
    static Stream<Arguments> unenforcedSettings() {
        return Stream.of(
                // tls_client_config.json with a TLCP (GB/T 38636) suite, which no maintained Java library implements
                Arguments.of("upstream TLCP", mosnCluster("\"tls_context\": {\"status\": true, \"server_name\": \"mosn.io\", "
                                + "\"cipher_suites\": \"ECC-SM4-SM3\"},"),
                        CLUSTER + "tls_context.cipher_suites", "cipher \"ECC-SM4-SM3\": TLCP (GB/T 38636) is not supported"),
                Arguments.of("cluster_manager TLS", mosnTop("").replace("\"cluster_manager\": {\"clusters\"",
                                "\"cluster_manager\": {\"tls_context\": {\"status\": true}, \"clusters\""),
                        "cluster_manager.tls_context", "a TLS context shared by the clusters (with cluster_manager_tls) is not supported yet"),
                Arguments.of("TLS listener set with a key mosn4j does not know", mosnListener("").replace("\"filters\": [{\"type\": \"proxy\"",
                                "\"tls_context_set\": [{\"status\": true, \"tlcp\": true}], \"filters\": [{\"type\": \"proxy\""),
                        LISTENER + "filter_chains[0].tls_context_set[0].tlcp", "not a tls_context field mosn4j supports (status, type, "),
                // tproxy_ingress/egress: transparent interception, a string in MOSN
                Arguments.of("use_original_dst tproxy", mosnListener("\"use_original_dst\": \"tproxy\","),
                        LISTENER + "use_original_dst", "transparent interception (\"tproxy\") is not supported yet"),
                Arguments.of("use_original_dst redirect", mosnListener("\"use_original_dst\": \"redirect\","),
                        LISTENER + "use_original_dst", "transparent interception (\"redirect\") is not supported yet"),
                // a filter that guards: a jwt_authn without providers would verify nothing (see JwtAuthnTest for jwtauthn/config.json);
                // mosn_config_broadcast.json: a filter that diverts
                Arguments.of("jwt_authn without providers", mosnListener("\"stream_filters\": [{\"type\": \"jwt_authn\", \"config\": {\"providers\": {}}}],"),
                        LISTENER + "stream_filters[0].config.providers", "required: an object of named providers"),
                Arguments.of("mirror broadcast", mosnListener("\"stream_filters\": [{\"type\": \"mirror\", \"config\": {\"amplification\": 10, \"broadcast\": true}}],"),
                        LISTENER + "stream_filters[0].config.broadcast", "broadcast is not supported yet"),
                // xDS's EDS clusters and transparent interception's original-destination clusters come later
                Arguments.of("EDS cluster", mosnCluster("").replace("\"type\": \"SIMPLE\"", "\"type\": \"EDS\""),
                        CLUSTER + "type", "cluster type \"EDS\" is not supported yet (supported: SIMPLE or STRICT_DNS)"),
                Arguments.of("https health check", mosnCluster("\"health_check\": {\"protocol\": \"Http1\", \"service_name\": \"s\", "
                                + "\"check_config\": {\"http_check_config\": {\"scheme\": \"https\"}}},"),
                        CLUSTER + "health_check.check_config.http_check_config.scheme", "https health checks are not supported yet"),
                Arguments.of("misspelt match key", mosnRoute("").replace("{\"prefix\": \"/\"}", "{\"prefx\": \"/admin\"}"),
                        ROUTE + "match.prefx", "unknown match field; refused rather than matching more than the file asks"),
                // an Envoy bootstrap asking for xDS over REST polling: refused, naming the field
                Arguments.of("REST xDS", """
                        {"servers": [{"default_log_path": "stdout"}],
                         "dynamic_resources": {"ads_config": {"api_type": "REST", "grpc_services": [{"envoy_grpc": {"cluster_name": "xds"}}]}},
                         "static_resources": {"clusters": [{"name": "xds", "type": "STATIC", "load_assignment": {"cluster_name": "xds",
                           "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15010}}}}]}]}}]},
                         "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 1}}}}
                        """, "dynamic_resources.ads_config.api_type", "REST is not supported; use GRPC or DELTA_GRPC"),
                Arguments.of("nothing to serve", "{\"servers\": [{\"default_log_path\": \"stdout\"}], \"pprof\": {\"debug\": false}}",
                        "servers[0].listeners", "no listeners, so nothing would be served"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unenforcedSettings")
    void settingsMosn4jWouldNotEnforceAreRefusedWithOneLine(String name, String config, String fieldPath, String detail) throws Exception {
        brokenConfigIsRefusedWithOneLine(name, "c.json", config, fieldPath, fieldPath + ": " + detail);
    }

    /**
     * MOSN fields that only observe or tune, and a key that is no MOSN field: the proxy starts and
     * serves, and says once, at WARN in its log, which field it does not act on.
     */
    static Stream<Arguments> harmlessSettings() {
        return Stream.of(
                // skywalking samples, mosn_config_dev.json, most samples' listeners
                Arguments.of("tracing on", "", "\"tracing\": {\"enable\": true, \"driver\": \"SkyWalking\"},", "", "", "",
                        "tracing: tracing is not supported yet; ignored"),
                Arguments.of("pprof on", "", "\"pprof\": {\"debug\": true, \"port_value\": 34902},", "", "", "",
                        "pprof: pprof is Go's profiler; use JFR with mosn4j; ignored"),
                Arguments.of("listener log_path", "", "", "\"log_path\": \"./logs/ingress.log\",", "", "",
                        LISTENER + "log_path: per-listener logs are not supported; everything goes to default_log_path; ignored"),
                // Istio's Envoy-only names in a MOSN access log format: printed as "-", as MOSN does
                Arguments.of("unknown access log variable", "", "",
                        "\"access_logs\": [{\"log_path\": \"stdout\", \"log_format\": \"%start_time% %UPSTREAM_TRANSPORT_FAILURE_REASON%\"}],", "", "",
                        LISTENER + "access_logs[0].log_format: unknown variable %UPSTREAM_TRANSPORT_FAILURE_REASON%; it prints \"-\""),
                Arguments.of("istio.stats stream filter", "", "", "\"stream_filters\": [{\"type\": \"istio.stats\", \"config\": {}}],", "", "",
                        LISTENER + "stream_filters[0]: stream filter \"istio.stats\" is not supported yet; requests pass without it"),
                Arguments.of("processor neither number nor auto", "\"processor\": \"lots\",", "", "", "", "",
                        "servers[0].processor: \"lots\" is neither a number nor \"auto\"; using auto ("),
                // MOSN starts a cluster's health checker only when it has a service_name
                Arguments.of("health check without service_name", "", "", "", "", "\"health_check\": {\"protocol\": \"Http1\", \"interval\": \"5s\"},",
                        CLUSTER + "health_check: MOSN runs a cluster's health checks only when health_check.service_name is set; none run"),
                // MOSN's resource manager reads the first circuit_breakers entry and no priority
                Arguments.of("circuit breakers by priority", "", "", "", "",
                        "\"circuit_breakers\": [{\"priority\": \"DEFAULT\", \"max_requests\": 100}, {\"priority\": \"DEFAULT\", \"max_requests\": 5}],",
                        CLUSTER + "circuit_breakers: only the first entry applies, as in MOSN (limits are not grouped by priority); 1 more ignored"),
                Arguments.of("a HIGH priority circuit breaker", "", "", "", "", "\"circuit_breakers\": [{\"priority\": \"HIGH\", \"max_requests\": 100}],",
                        CLUSTER + "circuit_breakers[0].priority: circuit breakers are not grouped by priority (as in MOSN): this entry's "
                                + "limits apply to every request; ignored"),
                Arguments.of("a key that is no MOSN field", "", "", "", "", "\"conect_timeout\": \"1s\",",
                        CLUSTER + "conect_timeout: unknown field; ignored"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("harmlessSettings")
    void harmlessSettingsStartWithExactlyOneWarningLine(String name, String server, String top, String listener, String route,
                                                        String cluster, String warning) throws Exception {
        int port = MosnProcess.freePort();
        String cfg = mosn(port, top, listener, route, cluster).replace("\"default_log_path\": \"stdout\",", "\"default_log_path\": \"stdout\", " + server);
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                assertThat(c.get("/direct").bodyText()).isEqualTo("ok");
            }
            List<String> warnings = mosn.output().lines().filter(l -> l.contains("[WARN]")).toList();
            assertThat(warnings).as(mosn.output()).hasSize(1);
            assertThat(warnings.get(0)).contains("[config] " + warning);
            mosn.stopCleanly();
        }
    }

    /** MOSN's values for {@code processor} and {@code use_original_dst}, and MOSN's LB name: no warning, no refusal. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"processor\": \"auto\"", "\"processor\": \"AUTO\"", "\"processor\": \"2\"", "\"processor\": -1",
            "\"use_original_dst\": \"\""})
    void mosnValuesThatAreEasyToGetWrongStartQuietly(String field) throws Exception {
        int port = MosnProcess.freePort();
        String cfg = field.startsWith("\"processor\"")
                ? mosn(port, "", "", "", "").replace("\"default_log_path\": \"stdout\",", "\"default_log_path\": \"stdout\", " + field + ",")
                : mosn(port, "", field + ",", "", "");
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                assertThat(c.get("/direct").bodyText()).isEqualTo("ok");
            }
            assertThat(mosn.output()).doesNotContain("[WARN]").contains("event loops)");
            mosn.stopCleanly();
        }
    }

    /**
     * {@code LB_REQUEST_ROUNDROBIN} (MOSN's configs/mosn_config_broadcast.json) does what MOSN's does:
     * every request goes to the first host; the others are its fallbacks.
     */
    @Test
    void requestRoundRobinSendsEveryRequestToTheFirstHostAsMosnDoes() throws Exception {
        int front = MosnProcess.freePort();
        int first = MosnProcess.freePort();
        int second = MosnProcess.freePort();
        String cfg = """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [
                    {"router_config_name": "front", "virtual_hosts": [{"domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]},
                    {"router_config_name": "one", "virtual_hosts": [{"domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "first"}}]}]},
                    {"router_config_name": "two", "virtual_hosts": [{"domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "second"}}]}]}],
                  "listeners": [
                    {"name": "front", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "front"}}]}]},
                    {"name": "first", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "one"}}]}]},
                    {"name": "second", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "two"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "c", "lb_type": "LB_REQUEST_ROUNDROBIN",
                   "hosts": [{"address": "127.0.0.1:%d"}, {"address": "127.0.0.1:%d"}]}]}}
                """.formatted(front, first, second, first, second);
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(front, first, second).probe(front, first, second).start()) {
            for (int i = 0; i < 10; i++) {
                try (RawHttpClient c = RawHttpClient.connect(front)) {
                    assertThat(c.get("/r" + i).bodyText()).isEqualTo("first");
                }
            }
            assertThat(mosn.output()).doesNotContain("[WARN]");
            mosn.stopCleanly();
        }
    }

    /**
     * The warnings are written where the config says logs go, after the log is set up from it: none
     * on the console when {@code default_log_path} is a file.
     */
    @Test
    void warningsGoToTheDefaultLogPathOnce() throws Exception {
        Path logFile = java.nio.file.Files.createTempDirectory("mosn-it-log-").resolve("mosn.log");
        int port = MosnProcess.freePort();
        String cfg = mosn(port, "\"metrics\": {\"shm_zone\": \"mosn\"},", "\"log_level\": \"DEBUG\",", "", "")
                .replace("\"default_log_path\": \"stdout\"", "\"default_log_path\": \"" + logFile + "\"");
        try (MosnProcess mosn = MosnProcess.startHttp(cfg, port)) {
            mosn.stopCleanly();
            List<String> warnings = java.nio.file.Files.readString(logFile).lines().filter(l -> l.contains("[WARN]")).toList();
            assertThat(warnings).hasSize(2);
            assertThat(String.join("\n", warnings))
                    .contains("[config] metrics.shm_zone: shared-memory metrics (for MOSN's hot upgrade) are not used; ignored")
                    .contains("[config] " + LISTENER + "log_level: per-listener log levels are not supported; default_log_level applies; ignored");
            assertThat(mosn.output()).doesNotContain("[WARN]").doesNotContain("metrics");
        }
    }

    /**
     * {@code config_dump} hides secrets wherever a config keeps them (a TLS context, a filter's
     * config, {@code extend_config}, host metadata, a header matcher's value, a PEM key under any
     * name) and lists what the config sets but mosn4j does not act on under {@code "warnings"}.
     */
    @Test
    void configDumpRedactsSecretsAndListsTheWarnings() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        String pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n";
        String cfg = """
                {"tracing": {"enable": true, "driver": "SOFATracer", "config": {"authentication": "tracer-s3cret-1"}},
                 "servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"domains": ["*"], "routers": [
                    {"match": {"prefix": "/", "headers": [{"name": "x-api-key", "value": "route-s3cret-2"}]}, "direct_response": {"status": 200, "body": "ok"},
                     "per_filter_config": {"fault": {"headers": [{"name": "Authorization", "value": "Bearer fault-s3cret-3"}]}}},
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d",
                    "stream_filters": [{"type": "fault", "config": {"headers": [{"name": "authorization", "value": "Bearer filter-s3cret-4"}]}}],
                    "filter_chains": [{"tls_context": {"status": false, "cert_chain": "CERT", "private_key": "%s"},
                      "filters": [{"type": "proxy", "config": {"router_config_name": "r",
                        "extend_config": {"api_key": "ext-s3cret-5", "password": "ext-s3cret-6"}}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "c", "tls_context": {"private_key": "cluster-s3cret-7"},
                   "hosts": [{"address": "127.0.0.1:9", "metadata": {"filter_metadata": {"mosn.lb": {"token": "meta-s3cret-8", "version": "v1"}}}}]}]},
                 "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}}
                """.formatted(port, pem, admin);
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(port, admin).probe(port, admin).start()) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            String dump = r.body();
            assertThat(dump).doesNotContain("s3cret").doesNotContain("MIIEvQIBADAN").contains("***REDACTED***")
                    .contains("\"cert_chain\" : \"CERT\"").contains("\"version\" : \"v1\"").contains("\"name\" : \"x-api-key\"");
            JsonNode tree = new ObjectMapper().readTree(dump);
            assertThat(tree.path("warnings").isArray()).isTrue();
            assertThat(tree.path("warnings").toString()).contains("tracing: tracing is not supported yet; ignored");
            assertThat(mosn.output()).doesNotContain("s3cret");
            mosn.stopCleanly();
        }
    }

    /** Without an address the admin API listens on 127.0.0.1 only, and says nothing about it. */
    @Test
    void adminWithoutAnAddressListensOnLoopback() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        String cfg = mosn(port, "\"admin\": {\"address\": {\"socket_address\": {\"port_value\": " + admin + "}}},", "", "", "");
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(port, admin).probe(port).start()) {
            // the port accepts before the line that announces it has passed through the output reader
            assertThat(mosn.awaitOutput("admin API on /127\\.0\\.0\\.1:" + admin, Duration.ofSeconds(5)))
                    .contains("admin API on /127.0.0.1:" + admin).doesNotContain("[WARN]");
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .contains("\"address\" : \"127.0.0.1\"").doesNotContain("\"warnings\"");
            mosn.stopCleanly();
        }
    }
}
