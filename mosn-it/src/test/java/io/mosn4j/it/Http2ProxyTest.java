package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 through the real {@code bin/mosn}: h2c prior-knowledge downstream listeners, h2c upstream
 * pools, and HTTP/1 <-> HTTP/2 conversion both ways.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Http2ProxyTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "to_h1",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/endless"}, "route": {"cluster_name": "endless"}},
                    {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "h1"}}
                  ]}]
                }, {
                  "router_config_name": "to_h2",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/limited"}, "route": {"cluster_name": "h2_limited"}},
                    {"match": {"prefix": "/goaway"}, "route": {"cluster_name": "h2_goaway"}},
                    {"match": {"prefix": "/silent"}, "route": {"cluster_name": "silent"}},
                    {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "h2"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "h2_to_h1", "address": "127.0.0.1:${H2_H1}", "extend_config": {"Http2": {"http2_use_stream": true}},
                   "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "to_h1"}}]}]},
                  {"name": "h1_to_h2", "address": "127.0.0.1:${H1_H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http2", "router_config_name": "to_h2"}}]}]},
                  {"name": "h2_to_h2", "address": "127.0.0.1:${H2_H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "to_h2",
                               "extend_config": {"http2_use_stream": true}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "h1", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H1}"}]},
                {"name": "endless", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${ENDLESS}"}]},
                {"name": "dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s", "hosts": [{"address": "127.0.0.1:${DEAD}"}]},
                {"name": "h2", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H2}"}]},
                {"name": "h2_limited", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H2_LIMITED}"}]},
                {"name": "h2_goaway", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H2_GOAWAY}"}]},
                {"name": "silent", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s", "hosts": [{"address": "127.0.0.1:${SILENT}"}]}
              ]}
            }
            """;

    private static final int BIG = 10 << 20;
    private static NettyHttpBackend h1;
    private static H2Peers.Backend h2;
    private static H2Peers.Backend h2Limited;
    private static H2Peers.Backend h2GoAway;
    private static ServerSocket endless;
    /** Accepts TCP connections (in the kernel backlog) but never speaks: no HTTP/2 SETTINGS. */
    private static ServerSocket silent;
    private static Thread endlessThread;
    private static final AtomicInteger endlessClosed = new AtomicInteger();
    private static final AtomicLong endlessWritten = new AtomicLong();
    private static MosnProcess mosn;
    private static int h2ToH1;
    private static int h1ToH2;
    private static int h2ToH2;

    @BeforeAll
    static void start() throws Exception {
        h1 = NettyHttpBackend.start("b1");
        h2 = new H2Peers.Backend("h2b", 100, 200);
        h2Limited = new H2Peers.Backend("h2lim", 4, 300);
        h2GoAway = new H2Peers.Backend("h2ga", 100, 500);
        h2GoAway.goAwayOnFirstRequest.set(true);
        endless = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        silent = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        endlessThread = Thread.ofPlatform().daemon().start(Http2ProxyTest::serveEndless);
        h2ToH1 = freePort();
        h1ToH2 = freePort();
        h2ToH2 = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H2_H1", h2ToH1, "H1_H2", h1ToH2, "H2_H2", h2ToH2,
                        "H1", h1.address(), "ENDLESS", endless.getLocalPort(), "DEAD", deadPort(),
                        "H2", h2.address(), "H2_LIMITED", h2Limited.address(), "H2_GOAWAY", h2GoAway.address(), "SILENT", silent.getLocalPort())))
                .waitFor(h2ToH1, h1ToH2, h2ToH2).probe(h1ToH2).start();
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
            h1.close();
            h2.close();
            h2Limited.close();
            h2GoAway.close();
            endless.close();
            silent.close();
        }
    }

    /** An HTTP/1 upstream that streams a chunked body until the proxy closes the connection (bounded). */
    private static void serveEndless() {
        while (!endless.isClosed()) {
            try {
                Socket s = endless.accept();
                Thread.ofPlatform().daemon().start(() -> streamEndless(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void streamEndless(Socket socket) {
        {
            try (Socket s = socket) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                int n;
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0 && (n = in.read(buf)) > 0) {
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[16384];
                byte[] chunkHead = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (int i = 0; i < 20_000; i++) { // bounded: ~40 s at most
                        out.write(chunkHead);
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        endlessWritten.addAndGet(chunk.length);
                        Thread.sleep(2);
                    }
                } catch (IOException closedByProxy) {
                    endlessClosed.incrementAndGet();
                }
            } catch (IOException | InterruptedException e) {
                // done
            }
        }
    }

    private static Path temp(byte[] data) throws IOException {
        Path f = Files.createTempFile("h2-", ".bin");
        Files.write(f, data);
        f.toFile().deleteOnExit();
        return f;
    }

    // (1) curl --http2-prior-knowledge -> Http2 listener -> HTTP/1 upstream
    @Test
    void curlPriorKnowledgeToHttp1UpstreamCarriesHeadersAndTenMegabytesBothWays() throws Exception {
        Curl.assumeAvailable();
        Curl.Result v = Curl.run("-V");
        assumeTrue(v.stdout().contains("HTTP2"), "curl without HTTP/2 support");

        Path headers = Files.createTempFile("h2-headers-", ".txt");
        Curl.Result get = Curl.run("--http2-prior-knowledge", "-D", headers.toString(), "-H", "X-Custom: yes",
                "http://127.0.0.1:" + h2ToH1 + "/hello?q=1");
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        assertThat(get.stdout()).isEqualTo("b1 GET /hello?q=1");
        String head = Files.readString(headers);
        assertThat(head).startsWith("HTTP/2 200");
        assertThat(head).containsIgnoringCase("x-backend: b1");
        NettyHttpBackend.Request seen = h1.seen.stream().filter(r -> r.uri().equals("/hello?q=1")).findFirst().orElseThrow();
        assertThat(seen.headers().get("host")).isEqualTo("127.0.0.1:" + h2ToH1);
        assertThat(seen.headers().get("x-custom")).isEqualTo("yes");

        byte[] big = new byte[BIG];
        new Random(42).nextBytes(big);
        Path in = temp(big);
        Path out = Files.createTempFile("h2-out-", ".bin");
        Curl.Result post = Curl.run("--http2-prior-knowledge", "-D", headers.toString(), "-H", "Content-Type: application/octet-stream",
                "--data-binary", "@" + in, "-o", out.toString(), "http://127.0.0.1:" + h2ToH1 + "/echo");
        assertThat(post.exitCode()).as(post.stderr()).isZero();
        assertThat(Files.readString(headers)).startsWith("HTTP/2 200");
        assertThat(Arrays.equals(Files.readAllBytes(out), big)).as("10 MB echoed byte-exact through HTTP/2 -> HTTP/1").isTrue();
    }

    // (2) HTTP/1 clients -> Http1 listener -> one multiplexed h2c upstream connection
    @Test
    void http1ClientsShareOneUpstreamHttp2Connection() throws Exception {
        int before = h2.connections.get();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1ToH2 + "/many/" + i))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("h2b GET /many/" + i);
            assertThat(r.headers().firstValue("x-backend")).hasValue("h2b");
            assertThat(r.headers().firstValue("x-authority")).hasValue("127.0.0.1:" + h1ToH2);
        }
        assertThat(h2.connections.get() - before).as("upstream h2 connections opened").isLessThanOrEqualTo(1);
        assertThat(h2.maxActive.get()).as("streams in flight at once on the upstream").isGreaterThan(1);

        // 10 MB both ways: HTTP/1 content-length upload -> HTTP/2 DATA frames -> echoed -> HTTP/1 chunked
        byte[] big = new byte[BIG];
        new Random(7).nextBytes(big);
        HttpResponse<byte[]> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1ToH2 + "/up"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(post.body(), big)).as("10 MB echoed byte-exact through HTTP/1 -> HTTP/2").isTrue();
    }

    @Test
    void upstreamMaxConcurrentStreamsOpensMoreConnections() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1ToH2 + "/limited/" + i))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("h2lim GET /limited/" + i);
        }
        assertThat(h2Limited.maxActive.get()).as("SETTINGS_MAX_CONCURRENT_STREAMS 4 respected per connection... in total")
                .isLessThanOrEqualTo(4 * h2Limited.connections.get());
        assertThat(h2Limited.connections.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void upstreamGoAwayLetsInFlightStreamsFinishAndMovesNewOnesToAFreshConnection() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2ToH2)) {
            // the first request makes the upstream send GOAWAY (last stream = this one), then answers it
            CompletableFuture<H2Peers.Response> first = c.request(H2Peers.get("/goaway/first", h2ToH2), null, null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (h2GoAway.requests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(150); // the GOAWAY reaches mosn
            List<CompletableFuture<H2Peers.Response>> next = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                next.add(c.request(H2Peers.get("/goaway/next/" + i, h2ToH2), null, null));
            }
            H2Peers.Response r = first.get(20, TimeUnit.SECONDS);
            assertThat(r.status()).as("the stream in flight at GOAWAY finishes").isEqualTo(200);
            assertThat(r.text()).isEqualTo("h2ga GET /goaway/first");
            for (int i = 0; i < next.size(); i++) {
                H2Peers.Response n = next.get(i).get(20, TimeUnit.SECONDS);
                assertThat(n.status()).isEqualTo(200);
                assertThat(n.text()).isEqualTo("h2ga GET /goaway/next/" + i);
            }
            assertThat(h2GoAway.connections.get()).as("new streams went to a second connection").isEqualTo(2);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (h2GoAway.closedConnections.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(h2GoAway.closedConnections.get()).as("the GOAWAY connection closes after its last stream").isEqualTo(1);
        }
    }

    // (3) HTTP/2 -> HTTP/2 with trailers both ways
    @Test
    void http2ToHttp2CarriesTrailersBothWays() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2ToH2)) {
            Http2Headers req = new DefaultHttp2Headers().method("POST").scheme("http").path("/trail").authority("svc.local")
                    .add("te", "trailers").add("content-type", "application/grpc");
            Http2Headers trailers = new DefaultHttp2Headers().add("x-checksum", "abc123");
            H2Peers.Response r = c.request(req, "hello trailers".getBytes(StandardCharsets.UTF_8), trailers).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello trailers");
            assertThat(r.headers().get("x-authority").toString()).isEqualTo("svc.local");
            assertThat(r.trailers()).as("response trailers").isNotNull();
            assertThat(r.trailers().get("x-echo-x-checksum").toString()).isEqualTo("abc123");

            // many concurrent streams on one downstream connection
            List<CompletableFuture<H2Peers.Response>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) { // more than the upstream's 100 concurrent streams
                all.add(c.request(H2Peers.get("/multi/" + i, h2ToH2), null, null));
            }
            for (int i = 0; i < all.size(); i++) {
                H2Peers.Response m = all.get(i).get(20, TimeUnit.SECONDS);
                assertThat(m.status()).isEqualTo(200);
                assertThat(m.text()).isEqualTo("h2b GET /multi/" + i);
            }
        }
    }

    // (4) a client RST_STREAM mid-download ends the upstream request
    @Test
    void clientCancelMidDownloadClosesTheUpstreamRequest() throws Exception {
        int closedBefore = endlessClosed.get();
        try (H2Peers.Client c = new H2Peers.Client(h2ToH1)) {
            H2Peers.Response r = c.request(H2Peers.get("/endless", h2ToH1), null, null, 256 * 1024).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().length).isGreaterThanOrEqualTo(256 * 1024);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (endlessClosed.get() == closedBefore && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(endlessClosed.get()).as("upstream HTTP/1 request closed after the client's RST_STREAM").isGreaterThan(closedBefore);
            // the downstream connection survives the stream reset
            H2Peers.Response after = c.request(H2Peers.get("/after-cancel", h2ToH1), null, null).get(20, TimeUnit.SECONDS);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.text()).isEqualTo("b1 GET /after-cancel");
        }
    }

    // flow control: a client that stops reading (no WINDOW_UPDATE) stalls the HTTP/1 upstream
    @Test
    void slowHttp2ReaderPushesBackOnTheUpstream() throws Exception {
        int closedBefore = endlessClosed.get();
        try (H2Peers.Client c = new H2Peers.Client(h2ToH1)) {
            AtomicReference<Http2StreamChannel> stream = new AtomicReference<>();
            long start = endlessWritten.get();
            CompletableFuture<H2Peers.Response> f = c.request(H2Peers.get("/endless", h2ToH1), null, null, 100L << 20, ch -> {
                ch.config().setAutoRead(false);
                stream.set(ch);
            });
            Thread.sleep(2500);
            long stalledAt = endlessWritten.get();
            Thread.sleep(1000);
            long later = endlessWritten.get();
            assertThat(later - stalledAt).as("upstream bytes written while the client reads nothing").isLessThan(256 * 1024);
            assertThat(later - start).as("bytes buffered between upstream and the paused client").isLessThan(16L << 20);
            // resume reading: the download continues; then the client closes the stream (RST_STREAM CANCEL)
            stream.get().eventLoop().execute(() -> stream.get().config().setAutoRead(true));
            long resumeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (endlessWritten.get() < later + (2 << 20) && System.nanoTime() < resumeDeadline) {
                Thread.sleep(20);
            }
            assertThat(endlessWritten.get()).as("upstream resumes once the client reads").isGreaterThanOrEqualTo(later + (2 << 20));
            stream.get().eventLoop().execute(() -> stream.get().close());
            f.handle((r, e) -> null).get(10, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (endlessClosed.get() == closedBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(endlessClosed.get()).isGreaterThan(closedBefore);
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() throws Exception {
        Curl.assumeAvailable();
        assumeTrue(Curl.run("-V").stdout().contains("HTTP2"), "curl without HTTP/2 support");
        Path in = temp("continue please".getBytes(StandardCharsets.UTF_8));
        Curl.Result r = Curl.run("--http2-prior-knowledge", "-H", "Expect: 100-continue", "--expect100-timeout", "20",
                "--data-binary", "@" + in, "http://127.0.0.1:" + h2ToH1 + "/continue");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("continue please");
    }

    @Test
    void sigtermDrainsHttp2StreamsInFlight() throws Exception {
        String config = """
                {"servers": [{"default_log_path": "stdout", "graceful_timeout": "10s",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "slow"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r"}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "slow", "type": "SIMPLE", "hosts": [{"address": "${SLOW}"}]}]}}
                """;
        try (H2Peers.Backend slow = new H2Peers.Backend("slow", 100, 1500)) {
            int port = freePort();
            try (MosnProcess m = MosnProcess.builder().config(render(config, vars("PORT", port, "SLOW", slow.address()))).waitFor(port).start();
                 H2Peers.Client c = new H2Peers.Client(port)) {
                m.provokeLeakReports();
                CompletableFuture<H2Peers.Response> f = c.request(H2Peers.get("/drain", port), null, null);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (slow.requests.get() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                m.sigterm();
                H2Peers.Response r = f.get(20, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("slow GET /drain");
                m.awaitCleanExit(Duration.ofSeconds(20));
            }
        }
    }

    @Test
    void upstreamThatNeverSendsSettingsGets502AndDoesNotWedgeThePool() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2ToH2)) {
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                H2Peers.Response r = c.request(H2Peers.get("/silent/" + i, h2ToH2), null, null).get(20, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(502);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            }
        }
    }

    // (5) an unreachable upstream: 502 on HTTP/2
    @Test
    void unreachableUpstreamIs502OverHttp2() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2ToH1)) {
            H2Peers.Response r = c.request(H2Peers.get("/dead", h2ToH1), null, null).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("upstream connect error");
        }
        try (H2Peers.Client c = new H2Peers.Client(h2ToH2)) {
            H2Peers.Response r = c.request(H2Peers.get("/dead", h2ToH2), null, null).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(502);
        }
    }

    @Test
    void http2UploadWithTrailersToHttp1Upstream() throws Exception {
        // Http2 -> Http1 upload with trailers: trailers travel on the chunked HTTP/1 request
        try (H2Peers.Client c = new H2Peers.Client(h2ToH1)) {
            Http2Headers req = new DefaultHttp2Headers().method("POST").scheme("http").path("/post").authority("127.0.0.1");
            H2Peers.Response r = c.request(req, "abc".getBytes(StandardCharsets.UTF_8), new DefaultHttp2Headers().add("x-t", "1"))
                    .get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("abc");
        }
    }
}
