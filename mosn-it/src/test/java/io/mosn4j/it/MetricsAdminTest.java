package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.it.plugin.PluginJar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 part B through the real {@code bin/mosn}: the {@code metrics} block's Prometheus sink
 * scraped over HTTP, parsed strictly ({@link PromText}) and checked against the traffic sent;
 * {@code stats_matcher}; every admin endpoint (MOSN's, Envoy's, the JVM diagnostics, an admin
 * path from a plugin jar); a log level changed at runtime; {@code /quitquitquit}; Holmes writing a
 * JFR recording when a threshold is crossed.
 */
class MetricsAdminTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static NettyHttpBackend backend;

    @BeforeAll
    static void backend() throws Exception {
        backend = NettyHttpBackend.start("b", req -> req.uri().startsWith("/fail")
                ? NettyHttpBackend.Response.text(503, "down")
                : req.uri().contains("slow") ? NettyHttpBackend.Response.text(200, "hello").delayed(2000)
                : NettyHttpBackend.Response.text(200, "hello"));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private static String config(int port, int admin, String metrics, String logPath, String extra) {
        return """
                {%s
                 "servers": [{"default_log_path": "%s", "default_log_level": "INFO", "processor": 2,
                   "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                     {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}},
                     {"match": {"prefix": "/timeout"}, "route": {"cluster_name": "c", "timeout": "500ms"}},
                     {"match": {"prefix": "/cb"}, "route": {"cluster_name": "cb"}},
                     {"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]}],
                   "listeners": [{"name": "l", "address": "127.0.0.1:%d", "bind_port": true,
                     "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1",
                       "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
                 "cluster_manager": {"clusters": [
                   {"name": "c", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:%d"}]},
                   {"name": "dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:%d"}]},
                   {"name": "cb", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "circuit_breakers": [{"max_requests": 1}],
                    "hosts": [{"address": "127.0.0.1:%d"}]}]},
                 "metrics": %s,
                 "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}}
                """.formatted(extra, logPath, port, backend.port(), MosnProcess.deadPort(), backend.port(), metrics, admin);
    }

    /** Sends {@code count} GETs of {@code path} on one keep-alive connection; returns {bytes sent, bytes read}. */
    private static long[] send(int port, String path, int count, int expectStatus) throws IOException {
        long sent = 0;
        long read = 0;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < count; i++) {
                byte[] req = ("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                out.write(req);
                out.flush();
                sent += req.length;
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    assertThat(b).as("response head").isNotNegative();
                    head.append((char) b);
                }
                read += head.length();
                assertThat(head.toString()).startsWith("HTTP/1.1 " + expectStatus);
                int length = Integer.parseInt(head.toString().lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                        .findFirst().orElseThrow().substring(15).trim());
                read += in.readNBytes(length).length;
            }
        }
        return new long[] {sent, read};
    }

    private static HttpResponse<String> call(String method, int port, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PromText scrape(int port, String path) throws Exception {
        HttpResponse<String> r = call("GET", port, path, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        return PromText.parse(r.body());
    }

    @Test
    void prometheusSinkCountsWhatWasSentAndEveryAdminEndpointAnswers() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        int sink = MosnProcess.freePort();
        Path log = Files.createTempDirectory("mosn-it-metrics-").resolve("mosn.log");
        String metrics = """
                {"sinks": [{"type": "prometheus", "config": {"port": %d, "endpoint": "/prom", "percentiles": [50, 99]}}]}""".formatted(sink);
        try (MosnProcess mosn = MosnProcess.builder().config(config(port, admin, metrics, log.toString(), ""))
                .args("--plugins", PluginJar.folder().toString()).waitFor(port, admin, sink).probe(port).start()) {
            long[] ok = send(port, "/ok", 7, 200);
            long[] fail = send(port, "/fail", 3, 503);
            long[] dead = send(port, "/dead", 1, 502);

            PromText p = scrape(sink, "/prom");
            Map<String, String> l = Map.of("listener", "l");
            Map<String, String> c = Map.of("cluster", "c");
            Map<String, String> h = Map.of("cluster", "c", "host", "127.0.0.1:" + backend.port());
            assertThat(p.types).containsEntry("downstream_request_total", "counter").containsEntry("downstream_request_active", "gauge")
                    .containsEntry("downstream_request_time", "gauge").containsEntry("upstream_request_total", "counter");
            assertThat(p.value("downstream_request_total", l)).isEqualTo(11);
            assertThat(p.value("downstream_request_active", l)).isEqualTo(0);
            assertThat(p.value("downstream_request_2xx_total", l)).isEqualTo(7);
            assertThat(p.value("downstream_request_200_total", l)).isEqualTo(7);
            assertThat(p.value("downstream_request_503_total", l)).isEqualTo(3);
            assertThat(p.value("downstream_request_502_total", l)).isEqualTo(1);
            assertThat(p.value("downstream_request_5xx_total", l)).isEqualTo(4);
            assertThat(p.value("downstream_request_time_count", l)).isEqualTo(11);
            double min = p.value("downstream_request_time_min", l);
            double max = p.value("downstream_request_time_max", l);
            double p50 = p.value("downstream_request_time", Map.of("listener", "l", "percentile", "P50"));
            double p99 = p.value("downstream_request_time", Map.of("listener", "l", "percentile", "P99"));
            assertThat(min).isPositive();
            assertThat(p50).isBetween(min, max);
            assertThat(p99).isBetween(p50, max);
            assertThat(p.value("downstream_request_time_total", l)).isGreaterThanOrEqualTo(11 * min);
            // exact bytes: counted on the connection, both ways
            assertThat(p.value("downstream_bytes_read_total", l)).isEqualTo(ok[0] + fail[0] + dead[0]);
            assertThat(p.value("downstream_bytes_write_total", l)).isEqualTo(ok[1] + fail[1] + dead[1]);
            assertThat(p.value("downstream_connection_total", l)).isGreaterThanOrEqualTo(3);
            assertThat(p.value("upstream_request_total", c)).isEqualTo(10);
            assertThat(p.value("upstream_request_total", h)).isEqualTo(10);
            assertThat(p.value("upstream_response_2xx_total", h)).isEqualTo(7);
            assertThat(p.value("upstream_response_5xx_total", c)).isEqualTo(3);
            assertThat(p.value("upstream_response_success", c)).isEqualTo(7);
            assertThat(p.value("upstream_response_failed", c)).isEqualTo(3);
            assertThat(p.value("upstream_request_duration_time_count", h)).isEqualTo(10);
            assertThat(p.value("upstream_connection_total", h)).isGreaterThanOrEqualTo(1);
            assertThat(p.value("upstream_request_active", c)).isEqualTo(0);
            assertThat(p.value("upstream_connection_con_fail", Map.of("cluster", "dead"))).isEqualTo(1);
            // the JVM's and the process's own, from the Prometheus Java client's collectors
            assertThat(p.has("jvm_memory_used_bytes")).isTrue();
            assertThat(p.has("process_cpu_seconds_total")).isTrue();

            // the admin's /stats/prometheus shows the same
            assertThat(scrape(admin, "/stats/prometheus").value("downstream_request_total", l)).isEqualTo(11);

            // MOSN's admin API
            assertThat(call("GET", admin, "/api/v1/config_dump", null).body()).contains("\"listeners\"");
            HttpResponse<String> stats = call("GET", admin, "/api/v1/stats", null);
            assertThat(stats.body()).contains("\"downstream\"").contains("\"listener.l\"").contains("\"request_total\" : \"11\"");
            assertThat(call("GET", admin, "/api/v1/stats?key=upstream", null).body()).contains("\"cluster.c.host.127.0.0.1:" + backend.port())
                    .doesNotContain("\"downstream\"");
            assertThat(call("POST", admin, "/api/v1/stats", null).statusCode()).isEqualTo(405);
            assertThat(call("GET", admin, "/api/v1/version", null).body()).startsWith("mosn version: ");
            assertThat(call("GET", admin, "/api/v1/features", null).body()).contains("\"debug_api\" : false");
            assertThat(call("GET", admin, "/api/v1/features?key=debug_api", null).body()).isEqualTo("false");
            HttpResponse<String> env = call("GET", admin, "/api/v1/env?key=PATH&key=MOSN_IT_NOT_SET", null);
            assertThat(env.body()).contains("\"PATH\" : \"" + System.getenv("PATH")).contains("\"not_found\" : [ \"MOSN_IT_NOT_SET\" ]");
            assertThat(call("GET", admin, "/api/v1/env", null).statusCode()).isEqualTo(400);
            assertThat(call("GET", admin, "/api/v1/get_loglevel", null).body()).contains("\"" + log + "\" : \"INFO\"");

            // a log level changed at runtime takes effect: a DEBUG line appears after, not before
            send(port, "/dead", 1, 502);
            assertThat(Files.readString(log)).doesNotContain("[DEBUG]");
            assertThat(call("POST", admin, "/api/v1/update_loglevel", "{\"log_path\": \"" + log + "\", \"log_level\": \"LOUD\"}").statusCode())
                    .isEqualTo(400);
            assertThat(call("GET", admin, "/api/v1/update_loglevel", null).statusCode()).isEqualTo(405);
            HttpResponse<String> up = call("POST", admin, "/api/v1/update_loglevel", "{\"log_path\": \"" + log + "\", \"log_level\": \"DEBUG\"}");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).isEqualTo("update logger success\n");
            send(port, "/dead", 1, 502);
            assertThat(Files.readString(log)).contains("[DEBUG] [DownstreamStream] connect to 127.0.0.1:");
            // disable_log / enable_log: nothing written while disabled
            assertThat(call("POST", admin, "/api/v1/disable_log", "/no/such.log").statusCode()).isEqualTo(400);
            assertThat(call("POST", admin, "/api/v1/disable_log", log.toString()).body()).isEqualTo("disable logger success\n");
            long before = Files.size(log);
            send(port, "/dead", 1, 502);
            assertThat(Files.size(log)).isEqualTo(before);
            assertThat(call("POST", admin, "/api/v1/enable_log", log.toString()).body()).isEqualTo("enable logger success\n");
            send(port, "/dead", 1, 502);
            assertThat(Files.size(log)).isGreaterThan(before);

            // the JVM's diagnostics
            assertThat(call("GET", admin, "/api/v1/debug/thread_dump", null).body()).contains("mosn-worker");
            assertThat(call("GET", admin, "/api/v1/debug/heap_histogram", null).body()).contains("java.lang.String");
            HttpResponse<byte[]> jfr = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/debug/jfr?seconds=1"))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(jfr.statusCode()).isEqualTo(200);
            assertThat(new String(jfr.body(), 0, 3, StandardCharsets.US_ASCII)).isEqualTo("FLR"); // JFR's magic
            assertThat(call("GET", admin, "/api/v1/debug/jfr?seconds=0", null).statusCode()).isEqualTo(400);
            // proxying went on while the recording ran on the admin's own thread
            send(port, "/ok", 1, 200);

            // Envoy's, as Istio's agent and probes call them
            assertThat(call("GET", admin, "/ready", null).body()).isEqualTo("LIVE\n");
            assertThat(call("GET", admin, "/server_info", null).body()).contains("\"state\" : \"LIVE\"");
            HttpResponse<String> envoy = call("GET", admin, "/stats?usedonly&filter="
                    + java.net.URLEncoder.encode("^(server\\.state|listener_manager\\.workers_started)", StandardCharsets.UTF_8), null);
            assertThat(envoy.body()).isEqualTo("listener_manager.workers_started: 1\nserver.state: 0\n");
            assertThat(call("GET", admin, "/stats", null).body()).contains("downstream.listener.l.request_total: 16\n");

            // an admin path from a plugin jar
            assertThat(call("GET", admin, "/api/v1/it_hello?name=x", null).body()).isEqualTo("hello x by GET\n");
            assertThat(call("GET", admin, "/api/v1/nothing", null).statusCode()).isEqualTo(404);
            mosn.stopCleanly();
        }
    }

    @Test
    void timeoutsAndCircuitBreakerOverflowAreCounted() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        String metrics = "{\"sinks\": []}";
        try (MosnProcess mosn = MosnProcess.builder().config(config(port, admin, metrics, "stdout", "")).waitFor(port, admin)
                .probe(port).start()) {
            send(port, "/timeout-slow", 1, 504); // the backend answers after 2 s; the route waits 500 ms
            var held = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return send(port, "/cb-slow", 1, 200);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            PromText p;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            do { // until the held request is in flight upstream
                p = scrape(admin, "/stats/prometheus");
            } while (p.value("upstream_request_active", Map.of("cluster", "cb")) < 1 && System.nanoTime() < deadline);
            send(port, "/cb", 1, 503); // max_requests 1: refused at once
            held.get(30, java.util.concurrent.TimeUnit.SECONDS);
            p = scrape(admin, "/stats/prometheus");
            Map<String, String> c = Map.of("cluster", "c");
            assertThat(p.value("upstream_request_timeout", c)).isEqualTo(1);
            assertThat(p.value("upstream_request_timeout", Map.of("cluster", "c", "host", "127.0.0.1:" + backend.port()))).isEqualTo(1);
            assertThat(p.value("downstream_request_504_total", Map.of("listener", "l"))).isEqualTo(1);
            assertThat(p.value("upstream_request_pending_overflow", Map.of("cluster", "cb"))).isEqualTo(1);
            assertThat(p.value("upstream_request_total", Map.of("cluster", "cb"))).isEqualTo(1);
            assertThat(p.value("upstream_response_2xx_total", Map.of("cluster", "cb"))).isEqualTo(1);
            assertThat(p.value("downstream_request_503_total", Map.of("listener", "l"))).isEqualTo(1);
            assertThat(p.value("downstream_request_active", Map.of("listener", "l"))).isEqualTo(0);
            mosn.stopCleanly();
        }
    }

    @Test
    void statsMatcherLeavesOutWhatItExcludes() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        int sink = MosnProcess.freePort();
        String metrics = """
                {"sinks": [{"type": "prometheus", "config": {"port": %d, "disable_collect_go": true}}],
                 "stats_matcher": {"exclusion_labels": ["host"], "exclusion_keys": ["request_total"]}}""".formatted(sink);
        try (MosnProcess mosn = MosnProcess.builder().config(config(port, admin, metrics, "stdout", "")).waitFor(port, admin, sink)
                .probe(port).start()) {
            send(port, "/ok", 2, 200);
            PromText p = scrape(sink, "/metrics");
            assertThat(p.has("downstream_request_total")).isFalse();
            assertThat(p.has("upstream_request_total")).isFalse();
            assertThat(p.value("downstream_request_2xx_total", Map.of("listener", "l"))).isEqualTo(2);
            assertThat(p.samples).noneMatch(s -> s.labels().containsKey("host"));
            assertThat(p.value("upstream_response_2xx_total", Map.of("cluster", "c"))).isEqualTo(2);
            assertThat(p.has("jvm_memory_used_bytes")).isFalse(); // disable_collect_go: the runtime's own
            assertThat(p.has("process_cpu_seconds_total")).isTrue();
            mosn.stopCleanly();
        }
    }

    @Test
    void rejectAllKeepsNothingAndQuitquitquitStopsCleanly() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        int sink = MosnProcess.freePort();
        String metrics = """
                {"sinks": [{"type": "prometheus", "config": {"port": %d}}], "stats_matcher": {"reject_all": true}}""".formatted(sink);
        try (MosnProcess mosn = MosnProcess.builder().config(config(port, admin, metrics, "stdout", "")).waitFor(port, admin, sink)
                .probe(port).start()) {
            send(port, "/ok", 2, 200);
            PromText p = scrape(sink, "/metrics");
            assertThat(p.samples).noneMatch(s -> s.name().startsWith("downstream_") || s.name().startsWith("upstream_"));
            assertThat(p.has("process_cpu_seconds_total")).isTrue();
            assertThat(call("GET", admin, "/quitquitquit", null).statusCode()).isEqualTo(405);
            mosn.provokeLeakReports();
            assertThat(call("POST", admin, "/quitquitquit", null).body()).isEqualTo("OK\n");
            mosn.awaitCleanExit(Duration.ofSeconds(30));
            assertThat(mosn.output()).contains("POST /quitquitquit received: draining and stopping").contains("mosn4j stopped");
        }
    }

    @Test
    void holmesRecordsJfrWhenAThresholdIsCrossedThenCoolsDown() throws Exception {
        int port = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        Path dumps = Files.createTempDirectory("mosn-it-holmes-");
        // more than one thread always runs: the trigger is crossed at the first sample
        String holmes = """
                "extends": [{"type": "holmes", "config": {"Enable": true, "DumpPath": "%s", "CollectInterval": "200ms",
                  "JfrDuration": "1s", "ThreadProfile": {"Enable": true, "TriggerAbs": 2, "CoolDown": "10m"},
                  "CPUProfile": {"Enable": true, "TriggerAbs": 100000, "CoolDown": "1m"}}}],""".formatted(dumps);
        try (MosnProcess mosn = MosnProcess.builder().config(config(port, admin, "{}", "stdout", holmes)).waitFor(port, admin)
                .probe(port).start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (jfrFiles(dumps) == 0 && System.nanoTime() < deadline) {
                MosnProcess.sleep(200);
            }
            assertThat(jfrFiles(dumps)).as("holmes' recordings in %s; output:\n%s", dumps, mosn.tail()).isEqualTo(1);
            MosnProcess.sleep(2000); // ten more samples, all over the trigger, within the cool-down
            assertThat(jfrFiles(dumps)).isEqualTo(1);
            try (Stream<Path> files = Files.list(dumps)) {
                Path f = files.filter(x -> x.getFileName().toString().startsWith("thread.")).findFirst().orElseThrow();
                byte[] head = Files.readAllBytes(f);
                assertThat(new String(head, 0, 3, StandardCharsets.US_ASCII)).isEqualTo("FLR");
            }
            assertThat(mosn.output()).contains("holmes: thread at").contains("crossed its trigger");
            mosn.stopCleanly();
        }
    }

    private static long jfrFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jfr")).count();
        }
    }
}
