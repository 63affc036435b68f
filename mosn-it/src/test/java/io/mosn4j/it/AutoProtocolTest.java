package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code "downstream_protocol": "Auto"}: one port serves HTTP/1.1 and HTTP/2 (prior knowledge)
 * clients at once, telling them apart by their first bytes; an {@code Auto} upstream speaks what
 * the client spoke; bytes of no known protocol close only that connection, and so does a client
 * that has not shown its protocol within the sniff timeout. Java clients throughout (the JDK's for
 * HTTP/1.1, Netty's for h2c); curl as well when it is installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoProtocolTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 2,
                "routers": [{
                  "router_config_name": "to_backend",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]
                }, {
                  "router_config_name": "to_back",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "back"}}]}]
                }],
                "listeners": [
                  {"name": "auto", "address": "127.0.0.1:${AUTO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Auto", "upstream_protocol": "Http1", "router_config_name": "to_backend"}}]}]},
                  {"name": "front", "address": "127.0.0.1:${FRONT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Auto", "router_config_name": "to_back"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${BACKEND}"}]},
                {"name": "back", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${AUTO}"}]}
              ]}
            }
            """;

    static NettyHttpBackend backend;
    static MosnProcess mosn;
    static int auto;
    static int front;

    @BeforeAll
    static void start() throws Exception {
        backend = NettyHttpBackend.start("b1");
        auto = freePort();
        front = freePort();
        mosn = MosnProcess.startHttp(render(CONFIG, vars("AUTO", auto, "FRONT", front, "BACKEND", backend.address())), auto, front);
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

    /** "HTTP_VERSION STATUS BODY" of a GET over HTTP/1.1 (JDK client) or h2c with prior knowledge (Netty client). */
    static String get(int port, String path, boolean http2) {
        try {
            if (http2) {
                try (H2Peers.Client c = new H2Peers.Client(port)) {
                    H2Peers.Response r = c.request(H2Peers.get(path, port), null, null).get(10, TimeUnit.SECONDS);
                    return "2 " + r.status() + " " + r.text();
                }
            }
            HttpResponse<String> r = HTTP1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return (r.version() == HttpClient.Version.HTTP_1_1 ? "1.1" : r.version().toString()) + " " + r.statusCode() + " " + r.body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The same as {@link #get} through curl, an independent client, when it is installed. */
    static String curl(int port, String path, boolean http2) {
        try {
            List<String> args = new ArrayList<>(List.of("-w", "\n%{http_version} %{http_code}"));
            args.add(http2 ? "--http2-prior-knowledge" : "--http1.1");
            args.add("http://127.0.0.1:" + port + path);
            Curl.Result r = Curl.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            String[] parts = r.stdout().split("\n");
            return parts[parts.length - 1] + " " + String.join("\n", java.util.Arrays.copyOf(parts, parts.length - 1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void onePortServesHttp1AndHttp2ClientsAtOnce() {
        List<CompletableFuture<String>> h1 = new ArrayList<>();
        List<CompletableFuture<String>> h2 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            h1.add(CompletableFuture.supplyAsync(() -> get(auto, "/h1/" + n, false)));
            h2.add(CompletableFuture.supplyAsync(() -> get(auto, "/h2/" + n, true)));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(h1.get(i).join()).isEqualTo("1.1 200 b1 GET /h1/" + i);
            assertThat(h2.get(i).join()).isEqualTo("2 200 b1 GET /h2/" + i);
        }
        if (Curl.available()) {
            assertThat(curl(auto, "/curl/1", false)).isEqualTo("1.1 200 b1 GET /curl/1");
            assertThat(curl(auto, "/curl/2", true)).isEqualTo("2 200 b1 GET /curl/2");
        }
    }

    @Test
    void autoUpstreamSpeaksWhatTheClientSpoke() {
        // front (Auto -> Auto) forwards to the auto listener, which must detect each protocol again
        assertThat(get(front, "/chain/1", false)).isEqualTo("1.1 200 b1 GET /chain/1");
        assertThat(get(front, "/chain/2", true)).isEqualTo("2 200 b1 GET /chain/2");
        if (Curl.available()) {
            assertThat(curl(front, "/chain/3", true)).isEqualTo("2 200 b1 GET /chain/3");
        }
    }

    @Test
    void firstBytesArrivingOneByOneAreWaitedFor() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), auto)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GE".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200);
            out.write("T /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200").endsWith("b1 GET /slow");
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), auto)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            out.write(preface, 0, 5);
            out.flush();
            Thread.sleep(200);
            out.write(preface, 5, preface.length - 5);
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            byte[] head = s.getInputStream().readNBytes(9);
            assertThat(head).hasSize(9);
            assertThat(head[3]).as("the server's first frame is SETTINGS").isEqualTo((byte) 4);
        }
    }

    @Test
    void unknownProtocolClosesOnlyThatConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), auto)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("\u0007\u0000NOT A PROTOCOL\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            assertThat(in.read()).as("the proxy closes the connection without answering").isEqualTo(-1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!mosn.output().contains("speaks no protocol this listener knows") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(mosn.output()).contains("listener auto: connection from /127.0.0.1:")
                .contains("speaks no protocol this listener knows; first bytes: \"..NOT A PROTOCOL..\"");
        assertThat(get(auto, "/after", true)).isEqualTo("2 200 b1 GET /after");
        assertThat(get(auto, "/after", false)).isEqualTo("1.1 200 b1 GET /after");
    }

    /**
     * A client that sends nothing, or one byte that several protocols start with ({@code P}: PRI,
     * POST, PUT, PATCH), is closed once the sniff timeout (15 s, as the README says) has passed, with one
     * log line each; a client that completes its first line in time is served.
     */
    @Test
    void undecidedConnectionsAreClosedAfterTheSniffTimeout() throws Exception {
        long limit = SNIFF_TIMEOUT_SECONDS * 1000;
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), auto);
             Socket ambiguous = new Socket(InetAddress.getLoopbackAddress(), auto);
             Socket patient = new Socket(InetAddress.getLoopbackAddress(), auto)) {
            long t0 = System.nanoTime();
            ambiguous.getOutputStream().write('P');
            ambiguous.getOutputStream().flush();
            patient.getOutputStream().write('P');
            patient.getOutputStream().flush();
            Thread.sleep(1000);
            patient.getOutputStream().write("OST /patient HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
                    .getBytes(StandardCharsets.US_ASCII));
            patient.getOutputStream().flush();
            patient.setSoTimeout(10_000);
            String reply = new String(patient.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).as("a P completed within the timeout is HTTP/1").startsWith("HTTP/1.1 200").endsWith("hi");
            for (Socket s : List.of(silent, ambiguous)) {
                s.setSoTimeout((int) (limit + 15_000 - millisSince(t0)));
                assertThat(s.getInputStream().read()).as("the proxy closes the undecided connection without answering").isEqualTo(-1);
            }
            long closedAfter = millisSince(t0);
            assertThat(closedAfter).as("closed by the sniff timeout, not before").isGreaterThanOrEqualTo(limit - 200);
            for (Socket s : List.of(silent, ambiguous)) {
                String from = "connection from /127.0.0.1:" + s.getLocalPort() + " ";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (mosn.output().lines().noneMatch(l -> l.contains(from)) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                List<String> lines = mosn.output().lines().filter(l -> l.contains(from)).toList();
                assertThat(lines).as("log lines about %s", from).hasSize(1);
                assertThat(lines.get(0)).contains("listener auto: ").contains("has not shown which protocol it speaks within "
                        + SNIFF_TIMEOUT_SECONDS + " s")
                        .contains(s == ambiguous ? "first bytes: \"P\" (50)" : "first bytes: \"\" ()");
            }
        }
        assertThat(get(auto, "/after-timeout", true)).isEqualTo("2 200 b1 GET /after-timeout");
        assertThat(get(auto, "/after-timeout", false)).isEqualTo("1.1 200 b1 GET /after-timeout");
    }

    static final long SNIFF_TIMEOUT_SECONDS = 15;

    static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
