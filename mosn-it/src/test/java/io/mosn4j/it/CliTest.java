package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line: the demo config, {@code version}, and configs that must be refused cleanly. */
class CliTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    @Test
    void demoConfigServesTheDemoUpstream() throws Exception {
        assumeTrue(portFree(2045) && portFree(2046), "demo ports 2045/2046 are busy");
        try (MosnProcess mosn = MosnProcess.builder().waitFor(2045, 2046).probe(2045).start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:2045/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("Hello from the mosn4j demo upstream\n");
            if (Curl.available()) {
                Curl.Result curl = Curl.run("-i", "http://127.0.0.1:2045/some/path");
                assertThat(curl.exitCode()).as(curl.stderr()).isZero();
                assertThat(curl.stdout()).startsWith("HTTP/1.1 200").endsWith("Hello from the mosn4j demo upstream\n");
            }
            assertThat(mosn.output()).contains("demo_listener");
            assertThat(mosn.stop()).isZero();
            assertThat(mosn.output()).doesNotContain("Exception");
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
                        "servers[0].listeners[0].filter_chains[0].filters[0].type", "proxyy"));
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

    static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
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
            assertThat(mosn.stop()).isZero();
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
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(mosn.pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(mosn.awaitExit(Duration.ofSeconds(15))).isZero();
            assertThat(mosn.output()).contains("draining");
            mosn.assertNoLeaks();
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
            assertThat(mosn.stop()).isZero();
        }
    }
}
