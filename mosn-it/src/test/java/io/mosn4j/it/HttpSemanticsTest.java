package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 semantics through the proxy, checked on the wire: HEAD, 204/304, Expect: 100-continue,
 * hop-by-hop headers both ways, HTTP/1.0 clients, pipelining, oversized and malformed requests,
 * responses that come before the request body is done.
 */
class HttpSemanticsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "raw", "timeout": "20s"}}]}]}],
                "listeners": [
                  {"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "idle", "address": "127.0.0.1:${IDLE_PORT}", "connection_idle_timeout": "1s", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [{"name": "raw", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${RAW}"}]}]}
            }
            """;

    private static final java.util.Set<Integer> REUSE_RACE_CONNS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static RawHttpServer backend;
    private static MosnProcess mosn;
    private static int port;
    private static int idlePort;
    private static final java.util.concurrent.LinkedBlockingQueue<String> hangOutcome = new java.util.concurrent.LinkedBlockingQueue<>();
    /** "backend connection:body bytes read" of each /early-keep request, once its body was read or cut. */
    private static final java.util.concurrent.LinkedBlockingQueue<String> earlyKeep = new java.util.concurrent.LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        backend = RawHttpServer.start("semantics", HttpSemanticsTest::serve);
        port = freePort();
        idlePort = freePort();
        mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "IDLE_PORT", idlePort, "RAW", backend.address())), port, idlePort);
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
            backend.close();
        }
    }

    private static void serve(RawHttpServer.Exchange ex) throws Exception {
        String path = ex.uri.startsWith("/reuse-race-post?") ? "/reuse-race-post" : ex.uri;
        switch (path) {
            case "/head" -> ex.respond(200, Map.of("Content-Type", "text/plain"), "0123456789".getBytes(StandardCharsets.US_ASCII));
            case "/head-chunked" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                if (!ex.method.equals("HEAD")) {
                    ex.write("5\r\nhello\r\n0\r\n\r\n");
                }
                ex.flush();
            }
            case "/204" -> ex.respond(204, Map.of("X-Status", "none"), new byte[0]);
            case "/304" -> ex.respond(304, Map.of("ETag", "\"v1\"", "Content-Length", "1234"), new byte[0]);
            case "/expect" -> {
                byte[] body = ex.readBody();
                ex.respond(200, "got " + body.length + " bytes expect=" + ex.headers.get("expect"));
            }
            case "/resp-hop" -> ex.respond(200, new LinkedHashMap<>(Map.of("Connection", "x-bar", "x-bar", "1", "Keep-Alive", "timeout=5",
                    "Proxy-Connection", "keep-alive", "x-end", "yes")), "hop".getBytes(StandardCharsets.US_ASCII));
            case "/slow-a" -> {
                MosnProcess.sleep(300);
                ex.respond(200, "A");
            }
            case "/chunked-resp" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
                ex.flush();
            }
            case "/early" -> {
                // answer without reading the (large) body, and close like most servers do
                ex.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big\n");
                ex.flush();
                MosnProcess.sleep(200);
                ex.closeConnection();
            }
            case "/early-keep" -> {
                // answer at once and keep the connection, reading the body only afterwards
                ex.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
                ex.flush();
                int read;
                try {
                    read = ex.readBody().length;
                } catch (java.io.IOException e) {
                    read = -1;
                }
                earlyKeep.add(ex.connection + ":" + read);
            }
            case "/which-connection" -> ex.respond(200, "conn=" + ex.connection);
            case "/early-ok" -> {
                // answer a small upload without reading it (nginx's "return 200"), and close
                ex.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
                ex.flush();
                MosnProcess.sleep(200);
                ex.closeConnection();
            }
            case "/latin1" -> ex.respond(200, Map.of("x-back", "caf\u00c3\u00a9 \u00ff"), ("x-name=" + ex.headers.get("x-name")
                    + "|x-empty=" + ex.headers.get("x-empty") + "|").getBytes(StandardCharsets.ISO_8859_1));
            case "/odd-noreason" -> rawReply(ex, "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok");
            case "/odd-lf" -> rawReply(ex, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
            case "/odd-spaces" -> rawReply(ex, "HTTP/1.1 200 OK\r\nX-Pad:    padded value   \r\nContent-Length:2\r\n\r\nok");
            case "/odd-hexcase" -> rawReply(ex, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000A\r\n0123456789\r\n1;x=y\r\n!\r\n0\r\n\r\n");
            case "/odd-http10" -> {
                ex.drainBody();
                ex.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
                ex.closeConnection(); // HTTP/1.0 without keep-alive: one response per connection
            }
            case "/odd-bytewise" -> {
                ex.drainBody();
                for (byte b : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5\r\nhello\r\n0\r\nx-t: 1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)) {
                    ex.write(new byte[] {b});
                    ex.flush();
                    MosnProcess.sleep(2);
                }
            }
            case "/odd-bigchunk" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n");
                ex.write(new byte[1 << 20]);
                ex.write("\r\n0\r\n\r\n");
                ex.flush();
            }
            case "/upstream-close" -> ex.respond(200, Map.of("Connection", "close"), "closing upstream".getBytes(StandardCharsets.US_ASCII));
            case "/hang" -> {
                // never answers; reports how long until the proxy gave up on this upstream connection
                long t0 = System.nanoTime();
                ex.socket.setSoTimeout(10_000);
                try {
                    int b = ex.in.read();
                    hangOutcome.add(b < 0 ? "closed after " + (System.nanoTime() - t0) / 1_000_000 + " ms" : "unexpected byte");
                } catch (java.net.SocketTimeoutException e) {
                    hangOutcome.add("still open after 10 s");
                } catch (IOException e) {
                    hangOutcome.add("closed after " + (System.nanoTime() - t0) / 1_000_000 + " ms (" + e.getMessage() + ")");
                }
                ex.closeConnection();
            }
            case "/close-delimited" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
                ex.closeConnection();
            }
            case "/informational" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
                ex.flush();
            }
            case "/multi" -> ex.respond(200, new LinkedHashMap<>(Map.of("Set-Cookie", "a=1")), ("x-multi=" + String.join("|", ex.headers.getAll("x-multi")))
                    .getBytes(StandardCharsets.UTF_8), "Set-Cookie: b=2");
            case "/reuse-race", "/reuse-race-post" -> {
                ex.drainBody();
                if (REUSE_RACE_CONNS.add(ex.connection)) {
                    ex.respond(200, "first on connection " + ex.connection);
                } else {
                    ex.closeConnection(); // as if our idle timeout fired just as the proxy reused the connection
                }
            }
            default -> {
                byte[] body = ex.readBody();
                ex.respond(200, ex.method + " " + path + (body.length > 0 ? " body=" + new String(body, StandardCharsets.UTF_8) : ""));
            }
        }
    }

    private static void rawReply(RawHttpServer.Exchange ex, String wire) throws IOException {
        ex.drainBody();
        ex.write(wire);
        ex.flush();
    }

    /** The request the backend saw for {@code uri} (waits briefly). */
    private static RawHttpServer.Seen seen(String uri) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (RawHttpServer.Seen s : backend.seen) {
                if (s.uri().equals(uri)) {
                    return s;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("backend never saw " + uri);
    }

    @Test
    void headHasContentLengthButNoBodyAndKeepsTheConnection() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse head = c.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("10");
            // no body bytes may follow: the next response must start right away
            RawHttpClient.RawResponse get = c.get("/head");
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.bodyText()).isEqualTo("0123456789");

            c.send("HEAD /head-chunked HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse headChunked = c.readResponse(true);
            assertThat(headChunked.status()).isEqualTo(200);
            RawHttpClient.RawResponse after = c.get("/head-chunked");
            assertThat(after.bodyText()).isEqualTo("hello");
        }
        if (Curl.available()) {
            Curl.Result r = Curl.run("-I", "http://127.0.0.1:" + port + "/head");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 10");
        }
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse r204 = c.get("/204");
            assertThat(r204.status()).isEqualTo(204);
            assertThat(r204.header("x-status")).isEqualTo("none");
            assertThat(r204.header("transfer-encoding")).isNull();
            assertThat(r204.header("content-length")).as("204 carries no content-length").isNull();
            RawHttpClient.RawResponse r304 = c.get("/304");
            assertThat(r304.status()).isEqualTo(304);
            assertThat(r304.header("etag")).isEqualTo("\"v1\"");
            assertThat(r304.header("transfer-encoding")).isNull();
            // nothing followed either: the connection is in sync
            assertThat(c.get("/after").bodyText()).isEqualTo("GET /after");
            assertThat(c.closedByPeerWithin(200)).isFalse();
        }
    }

    @Test
    void expectContinueGets100ThenTheResponse() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("POST /expect HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
            RawHttpClient.RawResponse interim = c.readResponse();
            assertThat(interim.version()).isEqualTo("HTTP/1.1");
            assertThat(interim.status()).isEqualTo(100);
            c.send("0123456789");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).startsWith("got 10 bytes");
            assertThat(c.get("/after-expect").status()).isEqualTo(200);
        }
        HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (hc) {
            HttpResponse<String> r = hc.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/expect"))
                    .timeout(Duration.ofSeconds(10)).expectContinue(true).POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("got 5000 bytes");
        }
        if (Curl.available()) {
            Curl.Result r = Curl.run("-v", "-H", "Expect: 100-continue", "--data-binary", "y".repeat(2000),
                    "http://127.0.0.1:" + port + "/expect");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stderr()).contains("HTTP/1.1 100 Continue");
            assertThat(r.stdout()).startsWith("got 2000 bytes");
        }
    }

    @Test
    void hopByHopRequestHeadersStopAtTheProxy() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /hop HTTP/1.1\r\nHost: h\r\nConnection: x-foo, keep-alive\r\nx-foo: 1\r\nKeep-Alive: timeout=5\r\n"
                    + "TE: trailers\r\nProxy-Connection: keep-alive\r\nx-end: yes\r\nAccept: text/plain\r\nCookie: a=b\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        HttpWire.Fields h = seen("/hop").headers();
        assertThat(h.get("x-end")).isEqualTo("yes");
        assertThat(h.get("accept")).isEqualTo("text/plain");
        assertThat(h.get("cookie")).isEqualTo("a=b");
        assertThat(h.get("host")).isEqualTo("h");
        assertThat(h.names()).doesNotContain("x-foo", "keep-alive", "te", "proxy-connection");
        String conn = h.get("connection");
        if (conn != null) {
            assertThat(conn.toLowerCase()).doesNotContain("x-foo");
        }
    }

    @Test
    void hopByHopResponseHeadersStopAtTheProxy() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse r = c.get("/resp-hop");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hop");
            assertThat(r.header("x-end")).isEqualTo("yes");
            assertThat(r.headers().names()).doesNotContain("x-bar", "keep-alive", "proxy-connection");
            assertThat(r.connectionClose()).isFalse();
            assertThat(c.get("/after-hop").status()).isEqualTo(200);
        }
    }

    @Test
    void http10ClientGetsAnHttp10Response() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /ten HTTP/1.0\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.version()).isEqualTo("HTTP/1.0");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("GET /ten");
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(c.closedByPeerWithin(5000)).as("HTTP/1.0 without keep-alive: the proxy closes").isTrue();
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /ten-ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("GET /ten-ka");
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            c.send("GET /ten-ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /ten-ka2");
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            // a chunked upstream body reaches an HTTP/1.0 client delimited by the close
            c.send("GET /chunked-resp HTTP/1.0\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.bodyText()).isEqualTo("hello world");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /slow-a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("A");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /b");
            c.send("GET /slow-a HTTP/1.1\r\nHost: h\r\n\r\nPOST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "HEAD /head HTTP/1.1\r\nHost: h\r\n\r\nGET /d HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("A");
            assertThat(c.readResponse().bodyText()).isEqualTo("POST /p body=hello");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /c");
            RawHttpClient.RawResponse head = c.readResponse(true);
            assertThat(head.header("content-length")).isEqualTo("10");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /d");
        }
    }

    @Test
    void oversizedHeadersGet431AndTheProxyKeepsServing() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /big-header HTTP/1.1\r\nHost: h\r\nx-big: " + "a".repeat(70 * 1024) + "\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(431);
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            // many headers adding up to > 64 KiB
            StringBuilder sb = new StringBuilder("GET /many-headers HTTP/1.1\r\nHost: h\r\n");
            for (int i = 0; i < 700; i++) {
                sb.append("x-h").append(i).append(": ").append("b".repeat(100)).append("\r\n");
            }
            c.send(sb.append("\r\n").toString());
            assertThat(c.readResponse().status()).isEqualTo(431);
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/after-431").status()).isEqualTo(200);
        }
        assertThat(backend.seen.stream().map(RawHttpServer.Seen::uri)).doesNotContain("/big-header", "/many-headers");
    }

    @Test
    void longUriGets414() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /" + "u".repeat(20_000) + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(414);
        }
    }

    @Test
    void malformedRequestsGet400() throws Exception {
        for (String bad : new String[] {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nBad Header Line\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"}) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                c.send(bad);
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).as(bad).isEqualTo(400);
                assertThat(c.closedByPeerWithin(5000)).isTrue();
            }
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/after-400").status()).isEqualTo(200);
        }
    }

    @Test
    void responseBeforeTheRequestBodyEnds() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000\r\n\r\n");
            c.send(new byte[4096]);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).isEqualTo("too big\n");
            assertThat(c.closedByPeerWithin(5000)).as("the unread request body forces a close").isTrue();
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/after-early").status()).isEqualTo(200);
        }
    }

    @Test
    void anAnswerBeforeASmallBodyEndsKeepsTheConnection() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early-ok HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n");
            c.send(new byte[4096]);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok\n");
            assertThat(r.header("connection")).as("the rest of a known, small body is read and dropped").isNull();
            c.send(new byte[65536 - 4096]);
            RawHttpClient.RawResponse next = c.get("/after-early-ok");
            assertThat(next.status()).as("the same connection serves the next request").isEqualTo(200);
        }
        // a client that never sends the rest is closed after the discard timeout
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early-ok HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n");
            c.send(new byte[4096]);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.closedByPeerWithin(8000)).as("closed once the rest is overdue").isTrue();
        }
    }

    @Test
    void anEarlyKeepAliveAnswerStillGetsTheBodyAndItsUpstreamConnectionServesAgain() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early-keep HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n");
            c.send(new byte[4096]);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok\n");
            c.send(new byte[65536 - 4096]);
            String early = earlyKeep.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(early).as("the upstream read the whole body after its answer").endsWith(":65536");
            RawHttpClient.RawResponse next = c.get("/which-connection");
            assertThat(next.bodyText()).as("the next request goes over the same upstream connection")
                    .isEqualTo("conn=" + early.substring(0, early.indexOf(':')));
        }
        // a client that never sends the rest: its connection closes after the discard timeout, and
        // the upstream's unfinished request is cut, not left waiting
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early-keep HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n");
            c.send(new byte[4096]);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.closedByPeerWithin(8000)).as("closed once the rest is overdue").isTrue();
            String cut = earlyKeep.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(cut).as("the upstream connection was closed under its unfinished request").isNotNull().doesNotEndWith(":65536");
        }
        // a rest of more than 64 KiB: a new upstream connection costs less than sending it, so the
        // upstream's request is cut; the client's connection still serves its next request
        try (RawHttpClient c = RawHttpClient.connect(port, 10_000)) {
            c.send("POST /early-keep HTTP/1.1\r\nHost: h\r\nContent-Length: 1048576\r\n\r\n");
            c.send(new byte[4096]);
            assertThat(c.readResponse().status()).isEqualTo(200);
            String cut = earlyKeep.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(cut).as("the upstream's request was cut, not completed").isNotNull().doesNotEndWith(":1048576");
            c.send(new byte[1048576 - 4096]);
            RawHttpClient.RawResponse next = c.get("/which-connection");
            assertThat(next.status()).as("the client's connection serves the next request").isEqualTo(200);
            assertThat(next.bodyText()).as("over another upstream connection").isNotEqualTo("conn=" + cut.substring(0, cut.indexOf(':')));
        }
    }

    @Test
    void closeDelimitedUpstreamBodyIsRelayedWhole() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse r = c.get("/close-delimited");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("until the end");
        }
    }

    @Test
    void informationalUpstreamResponsesDoNotConfuseTheProxy() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /informational HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            while (r.status() >= 100 && r.status() < 200) {
                r = c.readResponse(); // a proxy may pass 1xx on; the final response must follow
            }
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("final");
            assertThat(c.get("/after-1xx").bodyText()).isEqualTo("GET /after-1xx");
        }
    }

    @Test
    void clientConnectionCloseIsHonoured() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.connectionClose()).isTrue();
            assertThat(c.closedByPeerWithin(5000)).isTrue();
        }
    }

    @Test
    void repeatedHeadersArePreservedBothWays() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /multi HTTP/1.1\r\nHost: h\r\nx-multi: one\r\nx-multi: two\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.bodyText()).isEqualTo("x-multi=one|two");
            assertThat(r.headers().getAll("set-cookie")).containsExactly("a=1", "b=2");
        }
    }

    @Test
    void absoluteFormRequestTargetIsRoutedByItsPath() throws Exception {
        // RFC 9112 3.2.2: a server must accept the absolute form; the origin gets the origin form
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET http://example.com/abs?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("GET /abs?q=1");
        }
    }

    @Test
    void upstreamClosingAReusedConnectionIsRetriedForBodilessRequests() throws Exception {
        // the backend answers the first request on each connection and silently closes on the second
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 4; i++) {
                RawHttpClient.RawResponse r = c.get("/reuse-race");
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(r.bodyText()).startsWith("first on connection");
            }
        }
    }

    @Test
    void upstreamConnectionCloseDoesNotCloseTheClientConnection() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse r = c.get("/upstream-close");
            assertThat(r.bodyText()).isEqualTo("closing upstream");
            assertThat(r.connectionClose()).as("Connection is hop-by-hop").isFalse();
            assertThat(c.get("/upstream-close").bodyText()).isEqualTo("closing upstream");
            assertThat(c.get("/after-close").bodyText()).isEqualTo("GET /after-close");
        }
    }

    @Test
    void largeButAllowedRequestHeadersPass() throws Exception {
        String cookie = "c".repeat(40 * 1024);
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /large-headers HTTP/1.1\r\nHost: h\r\nCookie: " + cookie + "\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        assertThat(seen("/large-headers").headers().get("cookie")).isEqualTo(cookie);
    }

    @Test
    void requestTargetAndMethodsAreForwardedVerbatim() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (String method : new String[] {"PUT", "DELETE", "PATCH", "OPTIONS", "PURGE"}) {
                String uri = "/a%20b/%E2%82%AC?x=%2F&y=1&" + method;
                c.send(method + " " + uri + " HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok");
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo(method + " " + uri + " body=ok");
            }
        }
    }

    @Test
    void clientGivingUpReleasesTheUpstreamConnection() throws Exception {
        hangOutcome.clear();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /hang HTTP/1.1\r\nHost: h\r\n\r\n");
            seen("/hang");
            Thread.sleep(200);
            // abort (RST): unambiguous, unlike a FIN, which may be a half-close of a client still reading
            c.socket().setSoLinger(true, 0);
        }
        String outcome = hangOutcome.poll(15, TimeUnit.SECONDS);
        assertThat(outcome).as("the proxy closes the upstream request when its client leaves").startsWith("closed after");
        assertThat(Long.parseLong(outcome.replaceAll("closed after (\\d+) ms.*", "$1"))).isLessThan(3000);
    }

    @Test
    void connectionIdleTimeoutClosesIdleClientConnections() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(idlePort)) {
            assertThat(c.get("/idle-1").status()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(c.closedByPeerWithin(6000)).as("idle for longer than connection_idle_timeout 1s").isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(700L, 5000L);
        }
        try (RawHttpClient c = RawHttpClient.connect(idlePort)) {
            // a request slower than the idle timeout is not cut: it is not idle
            assertThat(c.get("/slow-a").bodyText()).isEqualTo("A");
        }
    }

    @Test
    void headerBytesRoundTripUnchanged() throws Exception {
        // header values are octets: UTF-8 (or any obs-text) must pass through byte for byte, both ways
        byte[] utf8 = "caf\u00e9".getBytes(StandardCharsets.UTF_8);
        String asLatin1 = new String(utf8, StandardCharsets.ISO_8859_1);
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send(("GET /latin1 HTTP/1.1\r\nHost: h\r\nx-name: " + asLatin1 + "\r\nx-empty:\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-back")).isEqualTo("caf\u00c3\u00a9 \u00ff");
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).isEqualTo("x-name=" + asLatin1 + "|x-empty=|");
        }
    }

    @Test
    void chunkExtensionsAreAccepted() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("POST /ext HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("POST /ext body=hello0123456789");
        }
    }

    @Test
    void contentLengthAndChunkedTogetherAreNotForwardedAmbiguously() throws Exception {
        // RFC 9112 6.1/6.3: Transfer-Encoding overrides Content-Length; a proxy must not forward both
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            if (r.status() == 400) {
                assertThat(c.closedByPeerWithin(5000)).isTrue(); // refusing is fine too
                return;
            }
            assertThat(r.bodyText()).isEqualTo("POST /smuggle body=hello");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /next");
        }
        HttpWire.Fields h = seen("/smuggle").headers();
        assertThat(h.contains("content-length") && h.contains("transfer-encoding")).as("both framings forwarded: %s", h).isFalse();
    }

    @Test
    void conflictingContentLengthsAreRefused() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("POST /cl-conflict HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        assertThat(backend.seen.stream().map(RawHttpServer.Seen::uri)).doesNotContain("/cl-conflict");
    }

    @Test
    void upstreamRequestsAreValidHttp11EvenFromAnHttp10ClientWithoutHost() throws Exception {
        // RFC 9112 3.2: an HTTP/1.1 request MUST carry Host; strict origins (Go's net/http) answer 400 otherwise
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /no-host HTTP/1.0\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            if (r.status() == 400) {
                return; // refusing it is also consistent
            }
            assertThat(r.status()).isEqualTo(200);
        }
        RawHttpServer.Seen s = seen("/no-host");
        if (s.version().equals("HTTP/1.1")) {
            assertThat(s.headers().contains("host")).as("HTTP/1.1 request sent upstream without Host: %s", s.headers()).isTrue();
        }
    }

    @Test
    void oddButValidUpstreamResponses() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/odd-noreason").bodyText()).isEqualTo("ok");
            // bare-LF line endings: RFC 9112 2.2 says a recipient MAY accept them; Netty's strict parsing refuses
            // them (a smuggling defence), so either "ok" or a 502 is fine, as long as the connection carries on
            RawHttpClient.RawResponse lf = c.get("/odd-lf");
            assertThat(lf.status()).isIn(200, 502);
            if (lf.status() == 200) {
                assertThat(lf.bodyText()).isEqualTo("ok");
            }
            RawHttpClient.RawResponse spaces = c.get("/odd-spaces");
            assertThat(spaces.bodyText()).isEqualTo("ok");
            assertThat(spaces.header("x-pad")).isEqualTo("padded value");
            assertThat(c.get("/odd-hexcase").bodyText()).isEqualTo("0123456789!");
            assertThat(c.get("/odd-http10").bodyText()).isEqualTo("ok");
            assertThat(c.get("/odd-http10").bodyText()).as("an HTTP/1.0 upstream connection is not reused").isEqualTo("ok");
            RawHttpClient.RawResponse bytewise = c.get("/odd-bytewise");
            assertThat(bytewise.bodyText()).isEqualTo("hello");
            assertThat(bytewise.header("x-a")).isEqualTo("b");
            assertThat(bytewise.trailers().get("x-t")).isEqualTo("1");
            assertThat(c.get("/odd-bigchunk").body()).hasSize(1 << 20);
            assertThat(c.get("/after-odd").bodyText()).isEqualTo("GET /after-odd");
        }
    }

    @Test
    void nonIdempotentRequestsAreNotReplayedOnAReusedConnection() throws Exception {
        int failures = 0;
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 6; i++) {
                c.send("POST /reuse-race-post?n=" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody");
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).isIn(200, 502);
                if (r.status() == 502) {
                    failures++;
                }
            }
        }
        assertThat(failures).as("a POST lost to a closing keep-alive connection is reported, not replayed").isPositive();
        for (int i = 0; i < 6; i++) {
            String uri = "/reuse-race-post?n=" + i;
            assertThat(backend.seen.stream().filter(x -> x.uri().equals(uri)).count()).as(uri).isEqualTo(1);
        }
    }

    @Test
    void requestsPipelinedAfterConnectionCloseAreNotProcessed() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /last-one HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /must-not-run HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /last-one");
            assertThat(c.closedByPeerWithin(5000)).isTrue();
        }
        Thread.sleep(300);
        assertThat(backend.seen.stream().map(RawHttpServer.Seen::uri)).doesNotContain("/must-not-run");
    }

    @Test
    void headersNamedInASecondConnectionLineAreDropped() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("GET /two-conn HTTP/1.1\r\nHost: h\r\nConnection: x-one\r\nConnection: x-two\r\nx-one: 1\r\nx-two: 2\r\nx-three: 3\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        HttpWire.Fields h = seen("/two-conn").headers();
        assertThat(h.names()).doesNotContain("x-one", "x-two").contains("x-three");
    }
}
