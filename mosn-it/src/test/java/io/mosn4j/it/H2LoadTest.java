package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * nghttp2's {@code h2load} (an independent HTTP/2 implementation) against h2c prior-knowledge
 * listeners: 20,000 multiplexed requests per case (10 connections x 10 concurrent streams), every
 * one must succeed with a 2xx. Skipped when {@code h2load} is not on PATH ({@code .ci/run}
 * installs Debian's nghttp2-client).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class H2LoadTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 2,
                "routers": [
                  {"router_config_name": "to_h1", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "h1"}}]}]},
                  {"router_config_name": "to_h2", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "h2"}}]}]}
                ],
                "listeners": [
                  {"name": "h2_to_h1", "address": "127.0.0.1:${H2_H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "to_h1"}}]}]},
                  {"name": "h2_to_h2", "address": "127.0.0.1:${H2_H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "to_h2"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "h1", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H1}"}]},
                {"name": "h2", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H2}"}]}
              ]}
            }
            """;

    static final int N = 20_000;
    static final int CONNECTIONS = 10;
    static final int STREAMS = 10;

    private static NettyHttpBackend h1;
    private static H2Peers.Backend h2;
    private static MosnProcess mosn;
    private static int h2ToH1;
    private static int h2ToH2;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(available(), "h2load is not on PATH (Debian package nghttp2-client; .ci/run installs it)");
        h1 = NettyHttpBackend.start("b1");
        h2 = new H2Peers.Backend("h2b", 1000, 0);
        h2ToH1 = freePort();
        h2ToH2 = freePort();
        mosn = MosnProcess.builder()
                .config(render(CONFIG, vars("H2_H1", h2ToH1, "H2_H2", h2ToH2, "H1", h1.address(), "H2", h2.address())))
                .waitFor(h2ToH1, h2ToH2).start();
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
            if (h1 != null) {
                h1.close();
            }
            if (h2 != null) {
                h2.close();
            }
        }
    }

    @Test
    void getsThroughHttp2ToHttp1() throws Exception {
        h1.resetCounters();
        Summary s = h2load(h2ToH1, "/h2load/get", null);
        s.assertAllSucceeded(N);
        assertThat(h1.requests.get()).as("requests the HTTP/1 backend answered").isEqualTo(N);
        assertThat(s.dataBytes).as("response DATA bytes: \"b1 GET /h2load/get\" each")
                .isEqualTo((long) N * "b1 GET /h2load/get".length());
        assertThat(h1.connections.get()).as("upstream HTTP/1 connections are pooled").isLessThan(N / 10);
        assertThat(mosn.isAlive()).isTrue();
    }

    @Test
    void getsThroughHttp2ToHttp2() throws Exception {
        int before = h2.requests.get();
        int connsBefore = h2.connections.get();
        Summary s = h2load(h2ToH2, "/h2load/get", null);
        s.assertAllSucceeded(N);
        assertThat(h2.requests.get() - before).as("requests the HTTP/2 backend answered").isEqualTo(N);
        assertThat(s.dataBytes).isEqualTo((long) N * "h2b GET /h2load/get".length());
        assertThat(h2.connections.get() - connsBefore).as("upstream h2 connections (multiplexed)").isLessThanOrEqualTo(4);
        assertThat(mosn.isAlive()).isTrue();
    }

    @Test
    void postsWithABodyThroughHttp2ToHttp1() throws Exception {
        int n = 5_000; // the backend keeps every request it saw: bounded memory
        byte[] body = body(8 * 1024 + 7, 1);
        h1.resetCounters();
        Summary s = h2load(h2ToH1, "/h2load/post", temp(body), "-n", Integer.toString(n));
        s.assertAllSucceeded(n);
        assertThat(s.dataBytes).as("the echoed bodies").isEqualTo((long) n * body.length);
        assertThat(h1.requests.get()).isEqualTo(n);
        assertThat(h1.seen).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(Arrays.equals(r.body(), body)).as("request body byte-exact").isTrue();
        });
        h1.resetCounters();
    }

    @Test
    void postsWithABodyThroughHttp2ToHttp2() throws Exception {
        // 64 KiB + 1: past the 65,535-byte initial stream windows on both hops, so WINDOW_UPDATEs are needed.
        // (Fewer requests: the backend's 64 KiB connection window caps the proxy's one or two multiplexed
        // upstream connections, so this runs at ~300 req/s where h2load straight to the backend, on 10
        // connections, gets ~10x the window.)
        int n = 2_000;
        byte[] body = body(64 * 1024 + 1, 2);
        int before = h2.requests.get();
        Summary s = h2load(h2ToH2, "/h2load/post", temp(body), "-n", Integer.toString(n));
        s.assertAllSucceeded(n);
        assertThat(s.dataBytes).as("the echoed bodies").isEqualTo((long) n * body.length);
        assertThat(h2.requests.get() - before).isEqualTo(n);
    }

    // ---- h2load ----

    static boolean available() {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> new File(d, "h2load").canExecute());
    }

    /** h2load's totals. */
    record Summary(String output, long total, long started, long done, long succeeded, long failed, long errored, long timeout,
                   long s2xx, long s3xx, long s4xx, long s5xx, long dataBytes, String protocol) {
        void assertAllSucceeded(long n) {
            assertThat(protocol).as("negotiated protocol\n%s", output).isEqualTo("h2c");
            assertThat(succeeded + " succeeded, " + failed + " failed, " + errored + " errored, " + timeout + " timeout")
                    .as("h2load output:\n%s", output)
                    .isEqualTo(n + " succeeded, 0 failed, 0 errored, 0 timeout");
            assertThat(done).as(output).isEqualTo(n);
            assertThat(s2xx).as("status 2xx\n%s", output).isEqualTo(n);
            assertThat(s3xx + s4xx + s5xx).as(output).isZero();
        }
    }

    private static final Pattern REQUESTS = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
    private static final Pattern STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern DATA = Pattern.compile("traffic: .*\\((\\d+)\\) data");
    private static final Pattern PROTOCOL = Pattern.compile("Application protocol: (\\S+)");

    /** Runs {@code h2load -n N -c 10 -m 10 [-d BODY] [EXTRA] http://127.0.0.1:PORT/PATH}, bounded to 120 s. */
    static Summary h2load(int port, String path, Path data, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("h2load", "-n", Integer.toString(N), "-c", Integer.toString(CONNECTIONS),
                "-m", Integer.toString(STREAMS), "-t", "1"));
        if (data != null) {
            cmd.addAll(List.of("-d", data.toString(), "-H", "content-type: application/octet-stream"));
        }
        cmd.addAll(Arrays.asList(extra)); // a later -n wins
        cmd.add("http://127.0.0.1:" + port + path);
        Path out = Files.createTempFile("h2load-", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            long t0 = System.nanoTime();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("h2load did not finish within 120 s: " + cmd + "\n" + Files.readString(out));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            System.out.printf("H2LoadTest: %s -> exit %d in %d ms%n%s%n", String.join(" ", cmd), p.exitValue(),
                    (System.nanoTime() - t0) / 1_000_000, text);
            Summary s = parse(text);
            if (s.succeeded != s.done && mosn != null) {
                String log = mosn.output();
                System.out.printf("H2LoadTest: mosn output (last 4000 chars):%n%s%n", log.substring(Math.max(0, log.length() - 4000)));
            }
            return s;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Summary parse(String text) {
        Matcher r = REQUESTS.matcher(text);
        Matcher s = STATUS.matcher(text);
        assertThat(r.find()).as("h2load printed its request totals:\n%s", text).isTrue();
        assertThat(s.find()).as("h2load printed its status totals:\n%s", text).isTrue();
        Matcher d = DATA.matcher(text);
        Matcher proto = PROTOCOL.matcher(text);
        return new Summary(text, l(r, 1), l(r, 2), l(r, 3), l(r, 4), l(r, 5), l(r, 6), l(r, 7),
                l(s, 1), l(s, 2), l(s, 3), l(s, 4), d.find() ? l(d, 1) : -1, proto.find() ? proto.group(1) : "none");
    }

    private static long l(Matcher m, int group) {
        return Long.parseLong(m.group(group));
    }

    private static byte[] body(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Path temp(byte[] data) throws IOException {
        Path f = Files.createTempFile("h2load-body-", ".bin");
        Files.write(f, data);
        f.toFile().deleteOnExit();
        return f;
    }
}
