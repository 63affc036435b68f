package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * the client spoke; bytes of no known protocol close only that connection.
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
        Curl.assumeAvailable();
        backend = NettyHttpBackend.start("b1");
        auto = freePort();
        front = freePort();
        mosn = MosnProcess.startHttp(render(CONFIG, vars("AUTO", auto, "FRONT", front, "BACKEND", backend.address())), auto, front);
    }

    @AfterAll
    static void stop() {
        if (mosn != null) {
            mosn.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** Runs curl and returns "HTTP_VERSION STATUS BODY". */
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
            h1.add(CompletableFuture.supplyAsync(() -> curl(auto, "/h1/" + n, false)));
            h2.add(CompletableFuture.supplyAsync(() -> curl(auto, "/h2/" + n, true)));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(h1.get(i).join()).isEqualTo("1.1 200 b1 GET /h1/" + i);
            assertThat(h2.get(i).join()).isEqualTo("2 200 b1 GET /h2/" + i);
        }
    }

    @Test
    void autoUpstreamSpeaksWhatTheClientSpoke() {
        // front (Auto -> Auto) forwards to the auto listener, which must detect each protocol again
        assertThat(curl(front, "/chain/1", false)).isEqualTo("1.1 200 b1 GET /chain/1");
        assertThat(curl(front, "/chain/2", true)).isEqualTo("2 200 b1 GET /chain/2");
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
        assertThat(curl(auto, "/after", true)).isEqualTo("2 200 b1 GET /after");
        assertThat(curl(auto, "/after", false)).isEqualTo("1.1 200 b1 GET /after");
    }
}
