package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.remoting.BizContext;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.protocol.SyncUserProcessor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listener {@code access_logs} and {@code global_log_roller} through the real {@code bin/mosn}: one
 * line per request in the configured format, checked field by field, for HTTP/1.1 (raw client),
 * HTTP/2 (curl, prior knowledge) and bolt (SOFABolt's client and server); the JSON form; stdout;
 * "-" for what a request has not; files rolled by size and by time, the error log with them.
 */
class AccessLogTest {
    /** Every field separated by '|' so that a value with a space cannot shift the others. */
    private static final String HTTP_FORMAT = "%protocol%|%request_header_x-test%|%response_code%|%bytes_received%|%bytes_sent%|"
            + "%upstream_cluster%|%route_name%|%upstream_host%|%downstream_remote_address%|%downstream_local_address%|"
            + "%upstream_local_address%|%connection_id%|%upstream_connection_id%|%response_flag%|%request_header_x-absent%|"
            + "%x-mosn-method%|%x-mosn-path%|%response_header_x-backend%|%trace_id%|%start_time%|%duration%|%request_received_duration%|"
            + "%response_received_duration%|%request_finished_duration%|%listener_name%|%upstream_protocol%|%process_time_duration%";
    private static final String BOLT_FORMAT = "%protocol%|%x-mosn-rpc-service%|%x-mosn-rpc-method%|%rpc_request_id%|%response_code%|"
            + "%upstream_host%|%upstream_cluster%|%request_header_service%|%trace_id%|%bytes_sent%";

    private static final String CONFIG = """
            {"servers": [{"default_log_path": "${DIR}/error.log", "processor": 1,
              "routers": [{"router_config_name": "http", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/missing"}, "route": {"cluster_name": "nowhere"}},
                  {"name": "to-backend", "match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]},
                {"router_config_name": "bolt", "virtual_hosts": [{"name": "b", "domains": ["*"], "routers": [
                  {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "boltServer"}}]}]}],
              "listeners": [
                {"name": "h1", "address": "127.0.0.1:${H1}", "bind_port": true,
                  "access_logs": [{"log_path": "${DIR}/h1.log", "log_format": "${HTTP_FORMAT}"},
                                  {"log_path": "${DIR}/h1.json", "json_format": {"code": "%response_code%", "path": "%x-mosn-path%",
                                      "quoted": "%request_header_x-test%", "none": "%request_header_x-absent%", "both": "%protocol% %response_code%"}},
                                  {"log_path": "stdout", "log_format": "STDOUT-LINE %response_code% %x-mosn-path%"},
                                  {"log_path": "${DIR}/default.log"}],
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                {"name": "h2", "address": "127.0.0.1:${H2}", "bind_port": true,
                  "access_logs": [{"log_path": "${DIR}/h2.log", "log_format": "${HTTP_FORMAT}"}],
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                {"name": "bolt", "address": "127.0.0.1:${BOLT}", "bind_port": true,
                  "access_logs": [{"log_path": "${DIR}/bolt.log", "log_format": "${BOLT_FORMAT}"}],
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "bolt"}}]}]}
              ]}],
             "cluster_manager": {"clusters": [
                {"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BACKEND}"}]},
                {"name": "boltServer", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]},
                {"name": "nowhere", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": []}]}}
            """;

    @TempDir
    static Path dir;
    private static NettyHttpBackend backend;
    private static RpcServer boltServer;
    private static RpcClient boltClient;
    private static MosnProcess mosn;
    private static int h1;
    private static int h2;
    private static int bolt;
    private static int boltServerPort;

    @BeforeAll
    static void start() throws Exception {
        BoltHeaderSerializer.register();
        backend = NettyHttpBackend.start("b1");
        boltServerPort = freePort();
        boltServer = new RpcServer("127.0.0.1", boltServerPort);
        boltServer.registerUserProcessor(new SyncUserProcessor<BoltEcho>() {
            @Override
            public Object handleRequest(BizContext biz, BoltEcho request) {
                return "echo " + request.payload();
            }

            @Override
            public String interest() {
                return BoltEcho.class.getName();
            }
        });
        boltServer.startup();
        h1 = freePort();
        h2 = freePort();
        bolt = freePort();
        mosn = MosnProcess.builder()
                .config(render(CONFIG, vars("DIR", dir, "H1", h1, "H2", h2, "BOLT", bolt, "BACKEND", backend.port(), "BOLT_SERVER", boltServerPort,
                        "HTTP_FORMAT", HTTP_FORMAT, "BOLT_FORMAT", BOLT_FORMAT)))
                .waitFor(h1, h2, bolt).probe(h1).start();
        boltClient = new RpcClient();
        boltClient.startup();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (boltClient != null) {
                boltClient.shutdown();
            }
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (boltServer != null) {
                boltServer.shutdown();
            }
            if (backend != null) {
                backend.close();
            }
        }
    }

    @Test
    void http1LineFieldByField() throws Exception {
        String body = "hello-body";
        String line;
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("POST /h1/fields?q=1 HTTP/1.1\r\nHost: a\r\nx-test: h1-value\r\nx-b3-traceid: 463ac35c9f6413ad\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n" + body);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            line = awaitLine(dir.resolve("h1.log"), "/h1/fields");
            String[] f = line.split("\\|", -1);
            assertThat(f).hasSize(27);
            assertThat(f[0]).isEqualTo("Http1");
            assertThat(f[1]).isEqualTo("h1-value");
            assertThat(f[2]).isEqualTo("200");
            assertThat(f[3]).isEqualTo(Integer.toString(body.length()));
            assertThat(f[4]).isEqualTo(Integer.toString(r.body().length));
            assertThat(f[5]).isEqualTo("backend");
            assertThat(f[6]).isEqualTo("to-backend");
            assertThat(f[7]).isEqualTo("127.0.0.1:" + backend.port());
            assertThat(f[8]).isEqualTo("127.0.0.1:" + c.socket().getLocalPort());
            assertThat(f[9]).isEqualTo("127.0.0.1:" + h1);
            assertThat(f[10]).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(f[11]).matches("\\d+");
            assertThat(f[12]).matches("\\d+").isNotEqualTo(f[11]);
            assertThat(f[13]).isEqualTo("-"); // no response flag
            assertThat(f[14]).isEqualTo("-"); // a header the request has not
            assertThat(f[15]).isEqualTo("POST");
            assertThat(f[16]).isEqualTo("/h1/fields");
            assertThat(f[17]).isEqualTo("b1");
            assertThat(f[18]).isEqualTo("463ac35c9f6413ad");
            assertThat(f[19]).matches("\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}");
            for (int i = 20; i <= 23; i++) {
                assertThat(f[i]).as("duration field %d", i).matches("[0-9.]+(ns|µs|ms|s)");
            }
            assertThat(f[24]).isEqualTo("h1");
            assertThat(f[25]).isEqualTo("Http1");
            // the proxy's own time: less than the whole, which also holds the backend's
            assertThat(f[26]).matches("[0-9.]+(ns|µs|ms|s)");
            assertThat(nanos(f[26])).isPositive().isLessThan(nanos(f[20]));
            // the next request on the same connection: the same connection id
            c.send("GET /h1/second HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
            String second = awaitLine(dir.resolve("h1.log"), "/h1/second");
            assertThat(second.split("\\|", -1)[11]).isEqualTo(f[11]);
            assertThat(second.split("\\|", -1)[1]).isEqualTo("-");
            assertThat(second.split("\\|", -1)[3]).isEqualTo("0");
        }
    }

    /** A Go duration as the log prints one ({@code 1.5ms}, {@code 449.248µs}, {@code 12ns}, {@code 2s}) in nanoseconds. */
    private static double nanos(String d) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+)(ns|µs|ms|s)").matcher(d);
        assertThat(m.matches()).as(d).isTrue();
        double unit = switch (m.group(2)) {
            case "ns" -> 1;
            case "µs" -> 1e3;
            case "ms" -> 1e6;
            default -> 1e9;
        };
        return Double.parseDouble(m.group(1)) * unit;
    }

    @Test
    void localReplyHasNoUpstreamValues() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("GET /missing/x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(502);
        }
        String[] f = awaitLine(dir.resolve("h1.log"), "/missing/x").split("\\|", -1);
        assertThat(f[2]).isEqualTo("502");
        assertThat(f[5]).isEqualTo("nowhere");
        assertThat(f[7]).isEqualTo("-"); // no upstream host
        assertThat(f[10]).isEqualTo("-"); // no upstream connection
        assertThat(f[12]).isEqualTo("-");
        assertThat(f[13]).isEqualTo("UH");
        assertThat(f[17]).isEqualTo("-"); // no response header from a backend
        assertThat(f[25]).isEqualTo("-");
    }

    @Test
    void jsonStdoutAndDefaultFormat() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("GET /json/path?x=1 HTTP/1.1\r\nHost: a\r\nx-test: say \"hi\" \\ back\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        String json = awaitLine(dir.resolve("h1.json"), "/json/path");
        JsonNode n = new ObjectMapper().readTree(json);
        assertThat(n.properties().stream().map(Map.Entry::getKey).toList()).containsExactly("code", "path", "quoted", "none", "both");
        assertThat(n.get("code").asText()).isEqualTo("200");
        assertThat(n.get("path").asText()).isEqualTo("/json/path");
        assertThat(n.get("quoted").asText()).isEqualTo("say \"hi\" \\ back");
        assertThat(n.get("none").asText()).isEqualTo("-");
        assertThat(n.get("both").asText()).isEqualTo("Http1 200");
        // stdout: mosn's output holds the line
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!mosn.output().contains("STDOUT-LINE 200 /json/path") && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(mosn.output()).contains("STDOUT-LINE 200 /json/path\n");
        // no log_format: MOSN's default format, 17 variables (its double space after the trace id kept;
        // the start time has a space of its own)
        String d = awaitLine(dir.resolve("default.log"), " Http1 200 ");
        String[] f = d.split(" ", -1);
        assertThat(f).hasSize(19);
        assertThat(f[2]).isNotEmpty(); // trace id ("-" unless the request carried one)
        assertThat(f[3]).isEmpty();
        assertThat(f[10]).isEqualTo("Http1");
        assertThat(f[11]).isEqualTo("200");
        assertThat(f[13]).isEqualTo("-");
        assertThat(f[14]).isEqualTo("200");
        assertThat(f[18]).isEqualTo("127.0.0.1:" + backend.port());
    }

    @Test
    void http2LineFieldByField() throws Exception {
        Curl.Result r = Curl.run("--http2-prior-knowledge", "-H", "x-test: h2-value", "-H", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "http://127.0.0.1:" + h2 + "/h2/fields");
        assertThat(r.exitCode()).isZero();
        String[] f = awaitLine(dir.resolve("h2.log"), "/h2/fields").split("\\|", -1);
        assertThat(f[0]).isEqualTo("Http2");
        assertThat(f[1]).isEqualTo("h2-value");
        assertThat(f[2]).isEqualTo("200");
        assertThat(f[3]).isEqualTo("0");
        assertThat(f[4]).isEqualTo(Integer.toString(r.stdout().getBytes(StandardCharsets.UTF_8).length));
        assertThat(f[5]).isEqualTo("backend");
        assertThat(f[7]).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(f[9]).isEqualTo("127.0.0.1:" + h2);
        assertThat(f[15]).isEqualTo("GET");
        assertThat(f[18]).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(f[24]).isEqualTo("h2");
        assertThat(f[25]).isEqualTo("Http1");
    }

    @Test
    void boltLineFieldByField() throws Exception {
        InvokeContext ctx = new InvokeContext();
        ctx.put(BoltHeaderSerializer.HEADERS, Map.of("service", "com.example.EchoService:1.0", "sofa_head_method_name", "echo",
                "rpc_trace_context.sofaTraceId", "0a0fe8ff15934567890123456"));
        Object reply = boltClient.invokeSync("127.0.0.1:" + bolt, BoltEcho.of("accesslog", "ping"), ctx, 10_000);
        assertThat(reply).isEqualTo("echo ping");
        String[] f = awaitLine(dir.resolve("bolt.log"), "EchoService").split("\\|", -1);
        assertThat(f).hasSize(10);
        assertThat(f[0]).isEqualTo("bolt");
        assertThat(f[1]).isEqualTo("com.example.EchoService:1.0");
        assertThat(f[2]).isEqualTo("echo");
        assertThat(f[3]).matches("\\d+");
        assertThat(f[4]).isEqualTo("0"); // bolt's SUCCESS, as MOSN prints it
        assertThat(f[5]).isEqualTo("127.0.0.1:" + boltServerPort);
        assertThat(f[6]).isEqualTo("boltServer");
        assertThat(f[7]).isEqualTo("com.example.EchoService:1.0");
        assertThat(f[8]).isEqualTo("0a0fe8ff15934567890123456");
        assertThat(Long.parseLong(f[9])).isPositive();
    }

    // ---------------------------------------------------------------- rolling

    @Test
    void rollsBySizeKeepingAndCompressing(@TempDir Path logs) throws Exception {
        int port = freePort();
        String cfg = render("""
                {"servers": [{"default_log_path": "${DIR}/error.log", "global_log_roller": "size=1 keep=2 compress=on",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "bind_port": true,
                    "access_logs": [{"log_path": "${DIR}/access.log", "log_format": "%request_header_x-pad% %response_code%"}],
                    "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
                 "cluster_manager": {"clusters": []}}
                """, vars("DIR", logs, "PORT", port));
        String pad = "p".repeat(7000);
        try (MosnProcess m = MosnProcess.startHttp(cfg, port)) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                // 700 lines of ~7 KB: ~4.7 MiB, 4 rolls of 1 MiB
                for (int i = 0; i < 700; i++) {
                    c.send("GET /" + i + " HTTP/1.1\r\nHost: a\r\nx-pad: " + pad + "\r\n\r\n");
                    assertThat(c.readResponse().status()).isEqualTo(200);
                }
            }
            m.stopCleanly();
        }
        // backups are compressed and pruned off the writer thread: give them a moment
        List<Path> backups = List.of();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            backups = list(logs, "access-");
            if (backups.size() == 2 && backups.stream().allMatch(p -> p.toString().endsWith(".log.gz"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(backups).hasSize(2).allMatch(p -> p.getFileName().toString().matches("access-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}(\\.\\d+)?\\.log\\.gz"));
        for (Path b : backups) {
            String text;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(b))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(text.length()).isBetween(1024 * 1024 - 80_000, 1024 * 1024); // rolled before a batch that would not fit
            assertThat(text.lines()).allMatch(l -> l.equals(pad + " 200"));
        }
        assertThat(Files.size(logs.resolve("access.log"))).isPositive().isLessThanOrEqualTo(1024 * 1024);
    }

    @Test
    void rollsByTimeAccessAndErrorLogs(@TempDir Path logs) throws Exception {
        int port = freePort();
        // time=2s: mosn4j reads a Go duration where MOSN takes whole hours, so that a test need not wait one
        String cfg = render("""
                {"servers": [{"default_log_path": "${DIR}/error.log", "global_log_roller": "time=2s",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "bind_port": true,
                    "access_logs": [{"log_path": "${DIR}/access.log", "log_format": "%x-mosn-path% %response_code%"}],
                    "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
                 "cluster_manager": {"clusters": []}}
                """, vars("DIR", logs, "PORT", port));
        try (MosnProcess m = MosnProcess.startHttp(cfg, port)) {
            get(port, "/first");
            awaitLine(logs.resolve("access.log"), "/first");
            Thread.sleep(2_500); // past the 2 s period, however it is aligned
            get(port, "/second");
            awaitLine(logs.resolve("access.log"), "/second");
            m.stopCleanly(); // the stop's lines come after the period too
        }
        List<Path> access = list(logs, "access.log.");
        assertThat(access).isNotEmpty().allMatch(p -> p.getFileName().toString().matches("access\\.log\\.\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d(\\.\\d+)?"));
        // "/first" was rolled away; "/second", 2.5 s later, went to another file (the current one, or a
        // backup when a period ended again before the stop)
        Path first = access.stream().filter(p -> MosnProcess.read(p).contains("/first 200")).findFirst().orElseThrow();
        assertThat(MosnProcess.read(first)).doesNotContain("/second");
        assertThat(MosnProcess.read(logs.resolve("access.log"))).doesNotContain("/first");
        List<Path> errors = list(logs, "error.log.");
        assertThat(errors).isNotEmpty();
        assertThat(String.join("", errors.stream().map(MosnProcess::read).toList())).contains("mosn4j started");
        assertThat(MosnProcess.read(logs.resolve("error.log"))).doesNotContain("mosn4j started");
    }

    // ---------------------------------------------------------------- helpers

    private static void get(int port, String path) throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get(path).status()).isEqualTo(200);
        }
    }

    private static List<Path> list(Path d, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    /** The first line of {@code file} containing {@code marker}, waiting up to 10 s for the writer thread. */
    static String awaitLine(Path file, String marker) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> lines = new ArrayList<>();
        while (System.nanoTime() < until) {
            if (Files.exists(file)) {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (String l : lines) {
                    if (l.contains(marker)) {
                        return l;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line with " + marker + " in " + file + ": " + lines);
    }
}
