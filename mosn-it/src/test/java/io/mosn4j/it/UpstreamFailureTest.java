package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstreams that fail: refused connections, resets and closes before and during the response,
 * garbage, slow headers against route.timeout, connect timeouts (a loopback listener with a full
 * accept queue), and clients that walk away mid-response. The proxy must answer 502/504 where it
 * still can, cut the client off (never hang) where it cannot, and keep serving.
 */
class UpstreamFailureTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{
                  "router_config_name": "r",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/closed"}, "route": {"cluster_name": "closed"}},
                    {"match": {"prefix": "/ok"}, "route": {"cluster_name": "good"}},
                    {"match": {"prefix": "/big"}, "route": {"cluster_name": "good"}},
                    {"match": {"prefix": "/slow-headers"}, "route": {"cluster_name": "raw", "timeout": "1s"}},
                    {"match": {"prefix": "/slow-body"}, "route": {"cluster_name": "raw", "timeout": "500ms"}},
                    {"match": {"prefix": "/blackhole"}, "route": {"cluster_name": "blackhole", "timeout": "20s"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "raw"}}
                  ]}]
                }],
                "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "closed", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${CLOSED_PORT}"}]},
                {"name": "good", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${GOOD}"}]},
                {"name": "raw", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${RAW}"}]},
                {"name": "blackhole", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "500ms", "hosts": [{"address": "127.0.0.1:${BLACKHOLE_PORT}"}]}
              ]}
            }
            """;

    private static final int BIG = 50 << 20;
    private static NettyHttpBackend good;
    private static RawHttpServer raw;
    private static ServerSocket blackhole;
    private static final List<Socket> fillers = new ArrayList<>();
    private static boolean blackholeFull;
    private static MosnProcess mosn;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        byte[] big = new byte[BIG];
        good = NettyHttpBackend.start("good", req -> req.uri().startsWith("/big")
                ? new NettyHttpBackend.Response(200, Map.of(), big, 0, false)
                : NettyHttpBackend.Response.text(200, "good " + req.uri()));
        raw = RawHttpServer.start("raw", UpstreamFailureTest::misbehave);
        blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        blackholeFull = fillAcceptQueue(blackhole.getLocalPort());
        port = freePort();
        mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "CLOSED_PORT", deadPort(), "GOOD", good.address(),
                "RAW", raw.address(), "BLACKHOLE_PORT", blackhole.getLocalPort())), port);
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
            good.close();
            raw.close();
            for (Socket s : fillers) {
                s.close();
            }
            blackhole.close();
        }
    }

    /** Connects until the listener's accept queue (never accepted) is full, so further SYNs are dropped. */
    private static boolean fillAcceptQueue(int target) {
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 300);
                fillers.add(s);
            } catch (SocketTimeoutException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    private static void misbehave(RawHttpServer.Exchange ex) throws Exception {
        String uri = ex.uri;
        if (uri.startsWith("/reset-mid-body")) {
            ex.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            ex.write(new byte[1000]);
            ex.flush();
            MosnProcess.sleep(100);
            ex.reset();
        } else if (uri.startsWith("/fin-mid-body")) {
            ex.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            ex.write(new byte[1000]);
            ex.flush();
            MosnProcess.sleep(100);
            ex.closeConnection();
        } else if (uri.startsWith("/reset-mid-chunked")) {
            ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n");
            ex.write(new byte[1000]);
            ex.write("\r\n");
            ex.flush();
            MosnProcess.sleep(100);
            ex.reset();
        } else if (uri.startsWith("/reset-before-response")) {
            ex.drainBody();
            ex.reset();
        } else if (uri.startsWith("/close-before-response")) {
            ex.drainBody();
            ex.closeConnection();
        } else if (uri.startsWith("/garbage")) {
            ex.drainBody();
            ex.write("THIS IS NOT HTTP\r\n\r\n");
            ex.closeConnection();
        } else if (uri.startsWith("/slow-headers")) {
            MosnProcess.sleep(3000);
            ex.respond(200, "late");
        } else if (uri.startsWith("/slow-body")) {
            ex.write("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nfirst");
            ex.flush();
            MosnProcess.sleep(1500);
            ex.write("-end");
            ex.flush();
        } else if (uri.startsWith("/ka-idle")) {
            ex.respond(200, "ka " + ex.connection);
            ex.socket.setSoTimeout(500); // our keep-alive idle timeout: the connection closes after 500 ms idle
        } else {
            ex.respond(200, "raw " + uri);
        }
    }

    private static RawHttpClient.RawResponse get(String path) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            return c.get(path);
        }
    }

    private static void assertStillServing() throws Exception {
        RawHttpClient.RawResponse r = get("/ok/after");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("good /ok/after");
        assertThat(mosn.isAlive()).isTrue();
    }

    @Test
    void refusedUpstreamIs502AndTheSameConnectionServesTheNextRequest() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse bad = c.get("/closed");
            assertThat(bad.status()).isEqualTo(502);
            assertThat(bad.connectionClose()).as("a local 502 keeps the downstream connection").isFalse();
            RawHttpClient.RawResponse ok = c.get("/ok/1");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.bodyText()).isEqualTo("good /ok/1");
            assertThat(c.get("/closed").status()).isEqualTo(502);
            assertThat(c.get("/ok/2").bodyText()).isEqualTo("good /ok/2");
        }
    }

    @Test
    void refusedUpstreamWithHttpClient() throws Exception {
        var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try (client) {
            var closed = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/closed"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(closed.statusCode()).isEqualTo(502);
            var ok = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/ok/hc"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void resetOrCloseBeforeTheResponseIs502() throws Exception {
        for (String path : new String[] {"/reset-before-response", "/close-before-response", "/reset-before-response/2"}) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                RawHttpClient.RawResponse r = c.get(path);
                assertThat(r.status()).as(path).isEqualTo(502);
                assertThat(c.get("/ok/same-conn").status()).isEqualTo(200);
            }
        }
        assertStillServing();
    }

    @Test
    void garbageFromUpstreamIs5xx() throws Exception {
        assertThat(get("/garbage").status()).isIn(502, 503);
        assertStillServing();
    }

    /** Reads the body the headers announce; returns how many bytes came before the connection ended. */
    private static long readTruncatedBody(RawHttpClient c, RawHttpClient.RawResponse head) throws IOException {
        InputStream body = HttpWire.isChunked(head.headers()) ? new HttpWire.ChunkedInput(c.in())
                : new HttpWire.FixedInput(c.in(), HttpWire.contentLength(head.headers()));
        byte[] buf = new byte[8192];
        long got = 0;
        try {
            int n;
            while ((n = body.read(buf)) >= 0) {
                got += n;
            }
            fail("the body ended normally after " + got + " bytes, but the upstream sent an incomplete body");
        } catch (SocketTimeoutException e) {
            fail("the proxy left the client hanging after " + got + " of the body's bytes");
        } catch (java.io.EOFException | SocketException e) {
            // expected: the connection was cut
        }
        return got;
    }

    @Test
    void upstreamResetMidBodyCutsTheClientOff() throws Exception {
        for (String path : new String[] {"/reset-mid-body", "/fin-mid-body", "/reset-mid-chunked"}) {
            for (int i = 0; i < 3; i++) {
                try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
                    RawHttpClient.RawResponse head = c.readHead();
                    assertThat(head.status()).isEqualTo(200);
                    long got = readTruncatedBody(c, head);
                    assertThat(got).as(path).isLessThan(100_000);
                }
                assertStillServing();
            }
        }
    }

    @Test
    void routeTimeoutBeforeHeadersIs504() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            long t0 = System.nanoTime();
            RawHttpClient.RawResponse r = c.get("/slow-headers");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(ms).as("504 after the 1s route timeout").isBetween(900L, 2500L);
            assertThat(r.connectionClose()).isFalse();
            assertThat(c.get("/ok/after-504").status()).isEqualTo(200);
            // the late answer of the abandoned upstream request must never reach a later request
            RawHttpClient.RawResponse next = c.get("/raw-after-504");
            assertThat(next.bodyText()).isEqualTo("raw /raw-after-504");
        }
    }

    @Test
    void routeTimeoutDoesNotCutAResponseWhoseHeadersArrived() throws Exception {
        // timeout 500ms; headers at once, the rest of the body after 1.5s
        RawHttpClient.RawResponse r = get("/slow-body");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("first-end");
    }

    @Test
    void connectTimeoutToAFullAcceptQueueIs502() throws Exception {
        assumeTrue(blackholeFull, "could not fill a loopback accept queue to make connects hang");
        long t0 = System.nanoTime();
        RawHttpClient.RawResponse r = get("/blackhole");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isIn(502, 503, 504);
        assertThat(r.status()).as("connect failure is 502").isEqualTo(502);
        assertThat(ms).as("after connect_timeout 500ms, well before the route's 20s").isBetween(400L, 5000L);
        assertStillServing();
    }

    @Test
    void clientWalkingAwayMidResponseLeavesTheProxyHealthy() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                c.send("GET /big/" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
                RawHttpClient.RawResponse head = c.readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("content-length")).isEqualTo(Integer.toString(BIG));
                c.in().readNBytes(1 << 20);
                c.socket().setSoLinger(true, 0); // abort with a reset
            }
        }
        assertStillServing();
        // and a full big download still works
        RawHttpClient.RawResponse full = get("/big/full");
        assertThat(full.body()).hasSize(BIG);
    }

    @Test
    void uploadToARefusedUpstreamIs502() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            byte[] body = new byte[100_000];
            c.send("POST /closed/upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(502);
        }
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /closed/chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(502);
        }
        assertStillServing();
    }

    @Test
    void pipelinedRequestBehindA502IsStillAnswered() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /closed/p1 HTTP/1.1\r\nHost: h\r\n\r\nGET /ok/p2 HTTP/1.1\r\nHost: h\r\n\r\nGET /slow-headers/p3 HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "GET /ok/p4 HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(502);
            assertThat(c.readResponse().bodyText()).isEqualTo("good /ok/p2");
            assertThat(c.readResponse().status()).isEqualTo(504);
            assertThat(c.readResponse().bodyText()).isEqualTo("good /ok/p4");
        }
    }

    @Test
    void upstreamClosingIdleKeepAliveConnectionsIsHandled() throws Exception {
        // the backend closes each connection 500 ms after its last response; requests come around that moment
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (long pause : new long[] {0, 100, 450, 500, 520, 550, 600, 1000, 480, 510}) {
                Thread.sleep(pause);
                RawHttpClient.RawResponse r = c.get("/ka-idle");
                assertThat(r.status()).as("after %d ms idle", pause).isEqualTo(200);
                assertThat(r.bodyText()).startsWith("ka ");
            }
        }
    }
}
