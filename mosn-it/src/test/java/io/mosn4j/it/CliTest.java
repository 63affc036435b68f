package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
                Arguments.of("HTTP to RPC conversion", "c.json",
                        proxyConfig("\"downstream_protocol\": \"Http1\", \"upstream_protocol\": \"bolt\""),
                        PROXY + "upstream_protocol", "cannot convert Http1 requests to bolt"),
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
}
