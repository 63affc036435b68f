package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM drains: listeners stop accepting at once, idle keep-alive connections close, requests in
 * flight finish (up to graceful_timeout), then the process exits 0. HTTP/1.1 and HTTP/2 here;
 * bolt, dubbo and tars in their own test classes.
 */
class GracefulDrainTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                ${GRACE}
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "raw", "timeout": "30s"}}]}]}],
                "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]
              }],
              "cluster_manager": {"clusters": [{"name": "raw", "type": "SIMPLE", "hosts": [{"address": "${RAW}"}]}]}
            }
            """;

    static final byte[] SLOW_BODY = new byte[200_000];
    private static volatile CountDownLatch slowArrived = new CountDownLatch(1);
    private static RawHttpServer backend;

    @BeforeAll
    static void startBackend() throws IOException {
        Arrays.fill(SLOW_BODY, (byte) 'z');
        backend = RawHttpServer.start("drain", ex -> {
            if (ex.uri.startsWith("/slow")) {
                slowArrived.countDown();
                long ms = Long.parseLong(ex.uri.substring(ex.uri.lastIndexOf('/') + 1));
                MosnProcess.sleep(ms);
                ex.respond(200, java.util.Map.of(), SLOW_BODY);
            } else if (ex.uri.startsWith("/stream")) {
                // 128 MiB in 64 KiB chunks, paced to ~2 s
                ex.write("HTTP/1.1 200 OK\r\nContent-Length: " + (128L << 20) + "\r\n\r\n");
                byte[] buf = new byte[65536];
                long t0 = System.nanoTime();
                for (int i = 0; i < 2048; i++) {
                    ex.write(buf);
                    long due = (i + 1) * 2_000_000_000L / 2048;
                    long ahead = due - (System.nanoTime() - t0);
                    if (ahead > 2_000_000) {
                        MosnProcess.sleep(ahead / 1_000_000);
                    }
                    if (i == 10) {
                        ex.flush();
                        slowArrived.countDown();
                    }
                }
                ex.flush();
            } else {
                ex.respond(200, "quick");
            }
        });
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    private static MosnProcess start(String grace, int port) throws IOException {
        return MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "RAW", backend.address(), "GRACE", grace)), port);
    }

    @Test
    void inFlightRequestCompletesAndTheProcessExitsZero() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = start("", port)) {
            slowArrived = new CountDownLatch(1);
            // warm up, and let the leak detector see a GC'd heap before we stop
            try (RawHttpClient warm = RawHttpClient.connect(port)) {
                assertThat(warm.get("/quick").status()).isEqualTo(200);
            }
            mosn.provokeLeakReports();

            RawHttpClient idle = RawHttpClient.connect(port);
            RawHttpClient busy = RawHttpClient.connect(port, 20_000);
            try (idle; busy) {
                assertThat(idle.get("/quick").bodyText()).isEqualTo("quick");
                long t0 = System.nanoTime();
                busy.send("GET /slow/2000 HTTP/1.1\r\nHost: h\r\n\r\n");
                CompletableFuture<RawHttpClient.RawResponse> response = CompletableFuture.supplyAsync(() -> {
                    try {
                        return busy.readResponse();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
                mosn.sigterm();
                long termAt = System.nanoTime();

                // listeners close at once: new connections are refused
                boolean refused = false;
                while (System.nanoTime() - termAt < TimeUnit.SECONDS.toNanos(3)) {
                    if (!MosnProcess.canConnect(port)) {
                        refused = true;
                        break;
                    }
                    Thread.sleep(20);
                }
                assertThat(refused).as("new connections refused soon after SIGTERM").isTrue();
                assertThat((System.nanoTime() - termAt) / 1_000_000).isLessThan(1500);

                // the idle keep-alive connection is closed by the drain
                assertThat(idle.closedByPeerWithin(3000)).as("idle keep-alive connection closed on drain").isTrue();

                RawHttpClient.RawResponse r = response.get(15, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(SLOW_BODY);
                assertThat(r.connectionClose()).as("a response finished while draining closes its connection").isTrue();
                assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1900);

                mosn.awaitCleanExit(Duration.ofSeconds(15));
                assertThat(mosn.output()).contains("draining");
            }
        }
    }

    @Test
    void gracefulTimeoutBoundsTheDrain() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = start("\"graceful_timeout\": \"1s\",", port)) {
            slowArrived = new CountDownLatch(1);
            mosn.provokeLeakReports();
            try (RawHttpClient busy = RawHttpClient.connect(port, 20_000)) {
                busy.send("GET /slow/8000 HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
                long t0 = System.nanoTime();
                mosn.sigterm();
                mosn.awaitCleanExit(Duration.ofSeconds(10));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(ms).as("exit after graceful_timeout 1s, not after the 8s request").isBetween(800L, 5000L);
                // the cut request: the client sees the connection end, not a hang
                try {
                    busy.readResponse();
                    // a proxy may also answer 5xx here; what it must not do is leave the client hanging
                } catch (IOException e) {
                    assertThat(e).isInstanceOfAny(java.io.EOFException.class, SocketException.class);
                }
            }
        }
    }

    @Test
    void idleProcessStopsQuickly() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = start("", port)) {
            long t0 = System.nanoTime();
            mosn.stopCleanly();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("including a forced GC and probe").isLessThan(10_000);
        }
    }

    @Test
    void streamingResponseInFlightCompletesDuringDrain() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = start("", port)) {
            slowArrived = new CountDownLatch(1);
            mosn.provokeLeakReports();
            try (RawHttpClient c = RawHttpClient.connect(port, 20_000)) {
                c.send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
                RawHttpClient.RawResponse head = c.readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
                mosn.sigterm();
                long got = new HttpWire.FixedInput(c.in(), 128L << 20).transferTo(java.io.OutputStream.nullOutputStream());
                assertThat(got).isEqualTo(128L << 20);
                mosn.awaitCleanExit(Duration.ofSeconds(15));
            }
        }
    }

    /**
     * HTTP/2 on SIGTERM: each connection is told GOAWAY (NO_ERROR) with the last stream it took
     * on; a connection with no stream in flight is closed, the stream in flight is answered and
     * then its connection closed; a stream the client opens after the GOAWAY is not processed
     * (it never reaches the upstream, and gets no response); new connections are refused.
     */
    @Test
    void http2DrainSendsGoAwayRefusesNewStreamsAndClosesIdleConnections() throws Exception {
        String config = """
                {"servers": [{"default_log_path": "stdout", "graceful_timeout": "20s",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "h2", "timeout": "30s"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "h2", "type": "SIMPLE", "hosts": [{"address": "${H2}"}]}]}}
                """;
        int port = freePort();
        try (H2Peers.Backend h2 = new H2Peers.Backend("drain-h2", 100, 0);
             MosnProcess mosn = MosnProcess.builder().config(render(config, vars("PORT", port, "H2", h2.address()))).waitFor(port).start();
             Http2FloodTest.RawH2 idle = new Http2FloodTest.RawH2(port, 0, true);
             Http2FloodTest.RawH2 busy = new Http2FloodTest.RawH2(port, 0, true)) {
            get(idle, port, 1, "/warm", null);
            assertThat(idle.awaitEnd(1, Duration.ofSeconds(10))).as("a first request on the idle connection; %s", idle.summary()).isTrue();
            mosn.provokeLeakReports();
            get(busy, port, 1, "/in-flight", "3000");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!h2.paths.contains("/in-flight") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(h2.paths).as("the slow request reached the upstream").contains("/in-flight");
            mosn.sigterm();
            BoltProxyTest.assertRefusedSoon(port);
            // the idle connection: GOAWAY, then closed
            assertThat(idle.awaitClosed(Duration.ofSeconds(10))).as("idle HTTP/2 connection closed by the drain; %s", idle.summary()).isTrue();
            assertThat(idle.goAwayCode.get()).as("GOAWAY NO_ERROR on the idle connection; %s", idle.summary()).isZero();
            assertThat(idle.goAwayLastStream.get()).isEqualTo(1);
            // the busy one: GOAWAY naming stream 1 as the last it processes; stream 3, opened after it, is not processed
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (busy.goAwayCode.get() < 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(busy.goAwayCode.get()).as("GOAWAY NO_ERROR on the busy connection; %s", busy.summary()).isZero();
            assertThat(busy.goAwayLastStream.get()).as("the GOAWAY's last stream id").isEqualTo(1);
            get(busy, port, 3, "/after-goaway", null);
            assertThat(busy.awaitEnd(1, Duration.ofSeconds(15))).as("the stream in flight completes; %s", busy.summary()).isTrue();
            assertThat(busy.statuses.get(1)).isEqualTo(200);
            assertThat(busy.bodyText(1)).isEqualTo("drain-h2 GET /in-flight");
            assertThat(busy.awaitClosed(Duration.ofSeconds(10))).as("closed after its last stream; %s", busy.summary()).isTrue();
            assertThat(busy.statuses).as("no response to the stream opened after GOAWAY").doesNotContainKey(3);
            assertThat(busy.resets.getOrDefault(3, Http2Error.REFUSED_STREAM.code()))
                    .as("stream 3 ignored or refused").isEqualTo(Http2Error.REFUSED_STREAM.code());
            assertThat(h2.paths).as("requests that reached the upstream").doesNotContain("/after-goaway");
            mosn.awaitCleanExit(Duration.ofSeconds(30));
            assertThat(mosn.output()).contains("draining");
        }
    }

    /** A GET on stream {@code id} of {@code c}; {@code delayMillis} makes the H2Peers backend answer that late. */
    private static void get(Http2FloodTest.RawH2 c, int port, int id, String path, String delayMillis) throws IOException {
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("127.0.0.1:" + port);
        if (delayMillis != null) {
            h.add("x-delay-ms", delayMillis);
        }
        ByteBuf out = Unpooled.buffer();
        c.headers(out, id, h, true);
        c.write(out);
    }
}
