package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One listener, several filter chains, chosen by what its listener filters find: here the PROXY
 * protocol header a real HAProxy sends, whose destination port picks the chain. The restored
 * addresses are what the request's record shows (printed by the example plugin's response
 * headers).
 */
class ListenerChainsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [
                  {"router_config_name": "a", "virtual_hosts": [{"name": "a", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "chain-a"}}]}]},
                  {"router_config_name": "b", "virtual_hosts": [{"name": "b", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "chain-b"}}]}]}
                ],
                "listeners": [{
                  "name": "behind_lb", "address": "127.0.0.1:${PORT}",
                  "listener_filters": [{"type": "proxy_protocol"}],
                  "stream_filters": [{"type": "example_response_headers", "config": {"headers": {
                    "x-src": "%downstream_remote_address%", "x-dst": "%downstream_local_address%"}}}],
                  "filter_chains": [
                    {"filter_chain_match": {"destination_port": ${A}},
                     "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "a"}}]},
                    {"filter_chain_match": {"destination_port": ${B}},
                     "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "b"}}]}
                  ]
                }]
              }]
            }
            """;

    static final String HAPROXY = """
            global
              maxconn 100
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend fe_a
              bind 127.0.0.1:${A}
              default_backend to_mosn_v1
            frontend fe_b
              bind 127.0.0.1:${B}
              default_backend to_mosn_v2
            frontend fe_c
              bind 127.0.0.1:${C}
              default_backend to_mosn_v1
            backend to_mosn_v1
              server mosn 127.0.0.1:${PORT} send-proxy
            backend to_mosn_v2
              server mosn 127.0.0.1:${PORT} send-proxy-v2
            """;

    private static MosnProcess mosn;
    private static Process haproxy;
    private static int port;
    private static int a;
    private static int b;
    private static int c;

    @BeforeAll
    static void start() throws Exception {
        port = freePort();
        a = freePort();
        b = freePort();
        c = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "A", a, "B", b)))
                .args("--plugins", ExtensionTest.pluginsFolder().toString()).waitFor(port).start();
        Path cfg = MosnProcess.writeTemp("haproxy.cfg", render(HAPROXY, vars("PORT", port, "A", a, "B", b, "C", c)));
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(cfg.resolveSibling("haproxy.out").toFile()).start();
        for (int p : new int[] {a, b, c}) {
            awaitListening(p);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (haproxy != null) {
                haproxy.destroy();
                haproxy.waitFor(10, TimeUnit.SECONDS);
            }
            if (mosn != null) {
                assertThat(mosn.stop()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
        }
    }

    @Test
    void haproxysDestinationPortPicksTheChain() throws Exception {
        Response viaA = curl("http://127.0.0.1:" + a + "/x");
        assertThat(viaA.status()).isEqualTo(200);
        assertThat(viaA.body()).isEqualTo("chain-a");
        assertThat(viaA.header("x-dst")).as("the destination HAProxy was asked for (v1 header)").isEqualTo("127.0.0.1:" + a);
        assertThat(viaA.header("x-src")).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:" + port);

        Response viaB = curl("http://127.0.0.1:" + b + "/x");
        assertThat(viaB.body()).isEqualTo("chain-b");
        assertThat(viaB.header("x-dst")).as("v2 header").isEqualTo("127.0.0.1:" + b);
    }

    @Test
    void clientAddressesComeFromTheHeader() throws Exception {
        try (RawHttpClient client = RawHttpClient.connect(port)) {
            client.send("PROXY TCP4 10.1.2.3 127.0.0.1 5555 " + b + "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.RawResponse r = client.readResponse();
            assertThat(r.bodyText()).isEqualTo("chain-b");
            assertThat(r.headers().get("x-src")).isEqualTo("10.1.2.3:5555");
            assertThat(r.headers().get("x-dst")).isEqualTo("127.0.0.1:" + b);
            // the same connection keeps its chain and addresses for its next request
            client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse().headers().get("x-src")).isEqualTo("10.1.2.3:5555");
        }
    }

    @Test
    void aConnectionNoChainMatchesIsClosed() throws Exception {
        Curl.Result viaC = Curl.run("-i", "http://127.0.0.1:" + c + "/x");
        assertThat(viaC.exitCode()).as("curl: empty reply from server (%s)", viaC.stderr()).isEqualTo(52);
        assertThat(closedWithoutAnswer("PROXY TCP4 10.1.2.3 127.0.0.1 5555 1\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")).isTrue();
    }

    @Test
    void aConnectionWithoutTheHeaderIsClosed() throws Exception {
        assertThat(closedWithoutAnswer("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).isTrue();
        assertThat(closedWithoutAnswer("PROXY TCP4 not-an-ip 127.0.0.1 5555 80\r\n")).isTrue();
    }

    record Response(int status, java.util.Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** A GET with the real curl, through HAProxy. */
    private static Response curl(String url) throws Exception {
        Curl.Result r = Curl.run("-i", url);
        assertThat(r.exitCode()).as("curl %s: %s", url, r.stderr()).isZero();
        String[] parts = r.stdout().split("\r\n\r\n", 2);
        String[] lines = parts[0].split("\r\n");
        java.util.Map<String, String> headers = new java.util.HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, parts.length > 1 ? parts[1] : "");
    }

    private static void awaitListening(int p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", p)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("haproxy is not listening on " + p + " (is haproxy installed? .ci/run installs it)");
    }

    /** Sends {@code bytes} and reads until the proxy closes: true when nothing came back. */
    private static boolean closedWithoutAnswer(String bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return in.read() == -1;
        }
    }
}
