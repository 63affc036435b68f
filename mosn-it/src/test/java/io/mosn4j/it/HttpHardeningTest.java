package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.it.Http2FloodTest.RawH2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10 items 4, 6 and 8 through the real {@code bin/mosn}, with the exact bytes a hostile or
 * broken client sends (raw sockets, raw HTTP/2 frames):
 * <ul>
 *   <li>HTTP/2 request lines an HTTP/1 upstream would read otherwise (methods that are not upper-case
 *       tokens, targets that are not origin-form, CONNECT with {@code :path}, header values with CR/LF)
 *       are reset with PROTOCOL_ERROR, over HTTP/1 and HTTP/2 upstreams alike, and never reach the
 *       backend; the connection serves on. HTTP/1 gets 400 for the same, and for a missing or repeated
 *       {@code Host}.
 *   <li>{@code grpc-timeout: 99999999H} (valid: 8 digits of hours) is served, not cancelled, on HTTP/2
 *       and on HTTP/1 with a request pipelined behind it.
 *   <li>Trailers that RFC 9110 6.5.1 keeps out ({@code Host}, {@code Authorization}, framing, cookies)
 *       are dropped both ways; a 431/400 is read whole by a client still sending; 502s do not name the
 *       upstream's address (the log does).
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpHardeningTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [
                  {"router_config_name": "to_h1", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "raw", "timeout": "20s"}}]}]},
                  {"router_config_name": "to_h2", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "h2", "timeout": "20s"}}]}]}
                ],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "to_h1"}}]}]},
                  {"name": "h2_h1", "address": "127.0.0.1:${H2_H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "to_h1"}}]}]},
                  {"name": "h2_h2", "address": "127.0.0.1:${H2_H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "to_h2"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "raw", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${RAW}"}]},
                {"name": "h2", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${H2}"}]},
                {"name": "dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s", "hosts": [{"address": "127.0.0.1:${DEAD}"}]}
              ]}
            }
            """;

    private static RawHttpServer raw;
    private static H2Peers.Backend h2;
    private static MosnProcess mosn;
    private static int h1Port;
    private static int h2h1Port;
    private static int h2h2Port;
    private static int dead;
    /** Request trailers the backend read, by request target. */
    private static final Map<String, HttpWire.Fields> TRAILERS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        raw = RawHttpServer.start("hardening", HttpHardeningTest::serve);
        h2 = new H2Peers.Backend("h2b", 100, 0);
        h1Port = freePort();
        h2h1Port = freePort();
        h2h2Port = freePort();
        dead = deadPort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H1", h1Port, "H2_H1", h2h1Port, "H2_H2", h2h2Port,
                        "RAW", raw.address(), "H2", h2.address(), "DEAD", dead)))
                .waitFor(h1Port, h2h1Port, h2h2Port).probe(h1Port).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                assertThat(mosn.output()).as("no exception ended a connection unlogged or unexpectedly").doesNotContain("unexpected exception");
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            raw.close();
            h2.close();
        }
    }

    private static void serve(RawHttpServer.Exchange ex) throws Exception {
        String path = ex.uri;
        if (path.startsWith("/req-trailers")) {
            byte[] body = ex.readBody();
            TRAILERS.put(path, ex.trailers());
            ex.respond(200, "body=" + new String(body, StandardCharsets.UTF_8));
        } else if (path.startsWith("/resp-trailers")) {
            ex.drainBody();
            ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nx-t: 1\r\nSet-Cookie: s=1\r\nContent-Type: evil/x\r\n"
                    + "Authorization: Basic eA==\r\n\r\n");
            ex.flush();
        } else if (path.startsWith("/reset")) {
            ex.drainBody();
            ex.reset();
        } else {
            byte[] body = ex.readBody();
            ex.respond(200, ex.method + " " + path + (body.length > 0 ? " body=" + new String(body, StandardCharsets.UTF_8) : ""));
        }
    }

    private static boolean backendSaw(String marker) {
        return raw.seen.stream().anyMatch(s -> s.uri().contains(marker) || s.method().contains(marker))
                || h2.paths.stream().anyMatch(p -> p.contains(marker));
    }

    // ---- item 4: HTTP/2 request lines ----

    /** A well-formed request with one pseudo-header or field replaced. */
    static Http2Headers request(int port, String marker) {
        return new DefaultHttp2Headers(false).method("GET").scheme("http").path("/ok/" + marker).authority("127.0.0.1:" + port);
    }

    static Stream<Arguments> malformedHttp2Requests() {
        return Stream.of(
                Arguments.of("method with a space", (Mutator) (h, m) -> h.method("GE T")),
                Arguments.of("method with a tab", (Mutator) (h, m) -> h.method("GET\t")),
                Arguments.of("lower-case method", (Mutator) (h, m) -> h.method("get")),
                Arguments.of("mixed-case method", (Mutator) (h, m) -> h.method("Post")),
                Arguments.of("method with a non-token character", (Mutator) (h, m) -> h.method("G(T")),
                Arguments.of("method with CRLF", (Mutator) (h, m) -> h.method("GET /x HTTP/1.1\r\nX:")),
                Arguments.of("path with a space", (Mutator) (h, m) -> h.path("/a b/" + m)),
                Arguments.of("path with a tab", (Mutator) (h, m) -> h.path("/a\tb/" + m)),
                Arguments.of("path with CRLF", (Mutator) (h, m) -> h.path("/" + m + "\r\nX-Injected: 1")),
                Arguments.of("relative path", (Mutator) (h, m) -> h.path("a/" + m)),
                Arguments.of("absolute URI naming another host", (Mutator) (h, m) -> h.path("http://evil.example/admin/" + m)),
                Arguments.of("asterisk for GET", (Mutator) (h, m) -> h.path("*")),
                Arguments.of("empty path", (Mutator) (h, m) -> h.path("")),
                Arguments.of("CONNECT with a path", (Mutator) (h, m) -> {
                    h.method("CONNECT");
                    h.remove(":scheme");
                    h.path("/" + m);
                }),
                Arguments.of("no scheme", (Mutator) (h, m) -> h.remove(":scheme")),
                Arguments.of("host field naming another authority", (Mutator) (h, m) -> h.add("host", "evil.example")),
                Arguments.of("authority with a path", (Mutator) (h, m) -> h.authority("evil.example/" + m)),
                Arguments.of("header value with CRLF", (Mutator) (h, m) -> h.add("x-a", "1\r\nx-injected: " + m)),
                Arguments.of("header value with NUL", (Mutator) (h, m) -> h.add("x-a", "1\u0000" + m)));
    }

    interface Mutator {
        void apply(Http2Headers h, String marker);
    }

    /**
     * Each malformed request is reset with PROTOCOL_ERROR and never reaches the backend, over an
     * HTTP/1 and an HTTP/2 upstream alike; the same connection then serves a well-formed request.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHttp2Requests")
    void malformedHttp2RequestsAreResetWithProtocolError(String what, Mutator mutator) throws Exception {
        for (int port : new int[] {h2h1Port, h2h2Port}) {
            String marker = "bad" + Math.abs((what + port).hashCode());
            String good = "good" + Math.abs((what + port).hashCode());
            try (RawH2 c = new RawH2(port, 0, true)) {
                Http2Headers bad = request(port, marker);
                mutator.apply(bad, marker);
                ByteBuf out = Unpooled.buffer();
                c.headers(out, 1, bad, true);
                c.write(out);
                assertThat(c.awaitStream(1, Duration.ofSeconds(10))).as("%s on port %d: an answer; %s", what, port, c.summary()).isTrue();
                assertThat(c.resets.get(1)).as("%s on port %d: RST_STREAM code; %s", what, port, c.summary())
                        .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                assertThat(c.statuses).as("no response to the malformed request").doesNotContainKey(1);
                // the connection is fine: a stream error, not a connection error
                out = Unpooled.buffer();
                c.headers(out, 3, request(port, good), true);
                c.write(out);
                assertThat(c.awaitEnd(3, Duration.ofSeconds(10))).as("served after; %s", c.summary()).isTrue();
                assertThat(c.statuses.get(3)).isEqualTo(200);
            }
            MosnProcess.sleep(100);
            assertThat(backendSaw(marker)).as("%s: the backend never saw it", what).isFalse();
            assertThat(backendSaw(good)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PURGE", "M-SEARCH", "PROPFIND"})
    void extensionMethodsAndOptionsAsteriskPass(String method) throws Exception {
        for (int port : new int[] {h2h1Port, h2h2Port}) {
            try (RawH2 c = new RawH2(port, 0, true)) {
                ByteBuf out = Unpooled.buffer();
                c.headers(out, 1, request(port, "ext-" + method).method(method), true);
                c.headers(out, 3, request(port, "opt").method("OPTIONS").path("*"), true);
                c.write(out);
                assertThat(c.awaitEnd(1, Duration.ofSeconds(10))).as(c.summary()).isTrue();
                assertThat(c.statuses.get(1)).isEqualTo(200);
                assertThat(c.awaitStream(3, Duration.ofSeconds(10))).as(c.summary()).isTrue();
                assertThat(c.resets).as("OPTIONS * is well-formed (no route matches it: 404)").doesNotContainKey(3);
                assertThat(c.statuses.get(3)).isEqualTo(404);
            }
        }
    }

    // ---- item 4 and 8: HTTP/1 request lines and Host ----

    static Stream<Arguments> badHttp1Requests() {
        return Stream.of(
                Arguments.of("lower-case method", "get /h1-lower HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("method with a non-token character", "G(T /h1-tchar HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("relative target", "GET h1-relative HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("asterisk for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("absolute URI of another scheme", "GET ftp://h/h1-ftp HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("HTTP/1.1 without Host", "GET /h1-nohost HTTP/1.1\r\n\r\n"),
                Arguments.of("HTTP/1.1 absolute form without Host", "GET http://h/h1-abs-nohost HTTP/1.1\r\n\r\n"),
                Arguments.of("two Host fields", "GET /h1-twohosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of("two Host fields, same value", "GET /h1-twosame HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
                Arguments.of("Host with a space", "GET /h1-hostspace HTTP/1.1\r\nHost: a b\r\n\r\n"),
                Arguments.of("Host with a path", "GET /h1-hostpath HTTP/1.1\r\nHost: evil.example/admin\r\n\r\n"));
    }

    /** 400, read whole by the client, then the connection closes; the backend never sees the request. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badHttp1Requests")
    void badHttp1RequestsGet400(String what, String wire) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            c.send(wire + "GET /pipelined-after-400 HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).as(what).isEqualTo(400);
            assertThat(r.connectionClose()).isTrue();
            assertThat(c.closedByPeerWithin(7000)).isTrue();
        }
        MosnProcess.sleep(100);
        String target = wire.split(" ")[1];
        assertThat(raw.seen.stream().map(RawHttpServer.Seen::uri)).doesNotContain(target, "/pipelined-after-400");
    }

    @Test
    void http10WithoutHostAndAbsoluteFormWithHostAreServed() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            c.send("GET /h10-nohost HTTP/1.0\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /h10-nohost");
        }
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            c.send("GET http://example.com/abs-ok?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /abs-ok?q=1");
            c.send("PURGE /purge HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("PURGE /purge");
        }
    }

    // ---- item 6: grpc-timeout at the end of its range ----

    @Test
    void grpcTimeoutOfEightDigitsOfHoursIsServedOverHttp2() throws Exception {
        for (int port : new int[] {h2h2Port, h2h1Port}) {
            try (H2Peers.Client c = new H2Peers.Client(port)) {
                Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http").path("/grpc/huge-timeout").authority("127.0.0.1")
                        .add("content-type", "application/grpc").add("te", "trailers").add("grpc-timeout", "99999999H");
                H2Peers.Response r = c.request(h, "hello".getBytes(StandardCharsets.UTF_8), null).get(10, TimeUnit.SECONDS);
                assertThat(r.resetCode()).as("not cancelled (port %d)", port).isNull();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).contains("hello");
                // the connection still serves
                assertThat(c.request(H2Peers.get("/after-grpc", port), null, null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        }
    }

    @Test
    void grpcTimeoutOfEightDigitsOfHoursKeepsThePipelinedRequestBehindItOverHttp1() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            c.send("POST /grpc-h1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/grpc\r\ngrpc-timeout: 99999999H\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /after-grpc-h1 HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse first = c.readResponse();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.bodyText()).isEqualTo("POST /grpc-h1 body=hello");
            assertThat(c.readResponse().bodyText()).isEqualTo("GET /after-grpc-h1");
            assertThat(c.closedByPeerWithin(300)).isFalse();
        }
    }

    // ---- item 8: trailers ----

    @Test
    void forbiddenRequestTrailersAreDroppedFromHttp1() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            c.send("POST /req-trailers/h1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                    + "Host: evil.example\r\nAuthorization: Bearer stolen\r\nContent-Length: 5\r\nCookie: c=1\r\nTrailer: x\r\n"
                    + "x-ok: yes\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("body=hello");
        }
        HttpWire.Fields t = TRAILERS.get("/req-trailers/h1");
        assertThat(t.get("x-ok")).isEqualTo("yes");
        assertThat(t.names()).doesNotContain("host", "authorization", "content-length", "cookie", "trailer");
    }

    @Test
    void forbiddenRequestTrailersAreDroppedFromHttp2() throws Exception {
        try (RawH2 c = new RawH2(h2h1Port, 0, true)) {
            ByteBuf out = Unpooled.buffer();
            c.headers(out, 1, new DefaultHttp2Headers().method("POST").scheme("http").path("/req-trailers/h2").authority("h"), false);
            c.data(out, 1, "hello".getBytes(StandardCharsets.UTF_8), false);
            c.headers(out, 1, new DefaultHttp2Headers(false).add("host", "evil.example").add("authorization", "Bearer stolen")
                    .add("cookie", "c=1").add("x-ok", "yes"), true);
            c.write(out);
            assertThat(c.awaitEnd(1, Duration.ofSeconds(10))).as(c.summary()).isTrue();
            assertThat(c.statuses.get(1)).isEqualTo(200);
        }
        HttpWire.Fields t = TRAILERS.get("/req-trailers/h2");
        assertThat(t.get("x-ok")).isEqualTo("yes");
        assertThat(t.names()).doesNotContain("host", "authorization", "cookie");
    }

    @Test
    void forbiddenResponseTrailersAreDropped() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            RawHttpClient.RawResponse r = c.get("/resp-trailers");
            assertThat(r.bodyText()).isEqualTo("ok");
            assertThat(r.trailers().get("x-t")).isEqualTo("1");
            assertThat(r.trailers().names()).doesNotContain("set-cookie", "content-type", "authorization");
        }
        try (H2Peers.Client c = new H2Peers.Client(h2h1Port)) {
            H2Peers.Response r = c.request(H2Peers.get("/resp-trailers/h2", h2h1Port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.text()).isEqualTo("ok");
            assertThat(r.trailers()).isNotNull();
            assertThat(String.valueOf(r.trailers().get("x-t"))).isEqualTo("1");
            assertThat(r.trailers().contains("set-cookie")).isFalse();
            assertThat(r.trailers().contains("authorization")).isFalse();
        }
    }

    // ---- item 8: a refusal is read whole by a client still sending ----

    /**
     * The client sends a header block over the 60 KiB limit and keeps sending (2 MiB more) while
     * it reads: the 431 must arrive whole, then end of stream, with no reset destroying it first.
     * Same for a 400 whose request has a large body the proxy will never read.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"431", "400"})
    void aRefusalIsReadWholeByAClientStillSending(String status) throws Exception {
        for (int round = 0; round < 5; round++) {
            try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
                String head = status.equals("431")
                        ? "GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(70 * 1024) + "\r\n"
                        : "POST /bad HTTP/1.1\r\nHost: a b\r\nContent-Length: 100000000\r\n\r\n";
                OutputStream o = c.out();
                Thread writer = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        o.write(head.getBytes(StandardCharsets.ISO_8859_1));
                        byte[] more = new byte[16 * 1024];
                        java.util.Arrays.fill(more, (byte) 'x');
                        for (int i = 0; i < 128; i++) {
                            o.write(more);
                        }
                        o.flush();
                    } catch (IOException expected) {
                        // the proxy closes (after the linger) while we still send
                    }
                });
                RawHttpClient.RawResponse r;
                try {
                    r = c.readResponse();
                } catch (SocketException e) {
                    throw new AssertionError("round " + round + ": the " + status + " was reset away before the client read it: " + e);
                }
                assertThat(r.status()).isEqualTo(Integer.parseInt(status));
                assertThat(r.connectionClose()).isTrue();
                writer.join(15_000);
            }
        }
    }

    // ---- item 8: local replies do not name upstream addresses ----

    @Test
    void upstreamFailuresDoNotNameTheAddressToTheClient() throws Exception {
        String address = "127.0.0.1:" + dead;
        try (RawHttpClient c = RawHttpClient.connect(h1Port)) {
            RawHttpClient.RawResponse r = c.get("/dead/h1");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("upstream connect error").doesNotContain(address).doesNotContain(":" + dead);
            RawHttpClient.RawResponse reset = c.get("/reset/h1");
            assertThat(reset.status()).isEqualTo(502);
            assertThat(reset.bodyText()).contains("upstream reset before response").doesNotContain(raw.address())
                    .doesNotContain(":" + raw.port());
        }
        try (H2Peers.Client c = new H2Peers.Client(h2h2Port)) {
            H2Peers.Response r = c.request(H2Peers.get("/dead/h2", h2h2Port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("upstream connect error").doesNotContain(address);
            Http2Headers grpc = new DefaultHttp2Headers().method("POST").scheme("http").path("/dead/grpc").authority("h")
                    .add("content-type", "application/grpc");
            H2Peers.Response g = c.request(grpc, new byte[5], null).get(10, TimeUnit.SECONDS);
            assertThat(String.valueOf(g.headers().get("grpc-status"))).isEqualTo("14");
            assertThat(String.valueOf(g.headers().get("grpc-message"))).doesNotContain(String.valueOf(dead));
        }
        // the operator still finds it, in the log
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!mosn.output().contains("cannot connect to " + address) && System.nanoTime() < deadline) {
            MosnProcess.sleep(50);
        }
        assertThat(mosn.output()).contains("cannot connect to " + address);
    }
}
