package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP/2 settings through the real {@code bin/mosn}: upstream keepalive PINGs
 * ({@code http2_protocol_options.connection_keepalive}), downstream SETTINGS and limits from the
 * proxy's {@code extend_config}, their config errors, and the retry of streams an upstream refused
 * or never processed (REFUSED_STREAM, GOAWAY's last stream id).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2SettingsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "r",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/ka"}, "route": {"cluster_name": "ka"}},
                    {"match": {"prefix": "/noack"}, "route": {"cluster_name": "noack"}},
                    {"match": {"prefix": "/off"}, "route": {"cluster_name": "off"}},
                    {"match": {"prefix": "/refuse-once"}, "route": {"cluster_name": "refuse_once"}},
                    {"match": {"prefix": "/refuse-all"}, "route": {"cluster_name": "refuse_all"}},
                    {"match": {"prefix": "/refuse-post"}, "route": {"cluster_name": "refuse_post"}},
                    {"match": {"prefix": "/goaway"}, "route": {"cluster_name": "goaway"}},
                    {"match": {"prefix": "/slow"}, "route": {"cluster_name": "slow"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "plain"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "h2", "address": "127.0.0.1:${H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r"}}]}]},
                  {"name": "h1", "address": "127.0.0.1:${H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http2", "router_config_name": "r"}}]}]},
                  {"name": "limited", "address": "127.0.0.1:${LIMITED}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r",
                               "extend_config": {"Http2": {"max_concurrent_streams": 5, "initial_stream_window_size": 1048576,
                                                           "max_header_list_size": 8192}}}}]}]},
                  {"name": "flat", "address": "127.0.0.1:${FLAT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r",
                               "extend_config": {"max_concurrent_streams": 7, "initial_connection_window_size": 1048576,
                                                 "max_resets_per_window": 100, "reset_window": "10s", "max_outbound_control_frames": 5000}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "ka", "type": "SIMPLE", "hosts": [{"address": "${KA}"}],
                 "http2_protocol_options": {"connection_keepalive": {"interval": "300ms", "timeout": "500ms"}}},
                {"name": "noack", "type": "SIMPLE", "hosts": [{"address": "${NOACK}"}],
                 "http2_protocol_options": {"connection_keepalive": {"interval": "300ms", "timeout": "500ms"}}},
                {"name": "off", "type": "SIMPLE", "hosts": [{"address": "${OFF}"}],
                 "http2_protocol_options": {"connection_keepalive": {"interval": "0s"}}},
                {"name": "refuse_once", "type": "SIMPLE", "hosts": [{"address": "${REFUSE_ONCE}"}]},
                {"name": "refuse_all", "type": "SIMPLE", "hosts": [{"address": "${REFUSE_ALL}"}]},
                {"name": "refuse_post", "type": "SIMPLE", "hosts": [{"address": "${REFUSE_POST}"}]},
                {"name": "goaway", "type": "SIMPLE", "hosts": [{"address": "${GOAWAY}"}]},
                {"name": "slow", "type": "SIMPLE", "hosts": [{"address": "${SLOW}"}]},
                {"name": "plain", "type": "SIMPLE", "hosts": [{"address": "${PLAIN}"}]}
              ]}
            }
            """;

    private static final long IDLE_MILLIS = 1500;
    private static final long SLOW_MILLIS = 1500;

    private static H2Peers.Backend ka;
    private static H2Peers.Backend noAck;
    private static H2Peers.Backend off;
    private static H2Peers.Backend refuseOnce;
    private static H2Peers.Backend refuseAll;
    private static H2Peers.Backend refusePost;
    private static H2Peers.Backend goAway;
    private static H2Peers.Backend slow;
    private static H2Peers.Backend plain;
    private static MosnProcess mosn;
    private static int h2Port;
    private static int h1Port;
    private static int limitedPort;
    private static int flatPort;
    private static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        ka = new H2Peers.Backend("ka", 100, 0);
        noAck = new H2Peers.Backend("noack", 100, 0);
        noAck.ackPings = false;
        off = new H2Peers.Backend("off", 100, 0);
        refuseOnce = new H2Peers.Backend("once", 100, 0);
        refuseOnce.refuse = n -> n % 2 == 1; // every client request: the first attempt is refused, the retry served
        refuseAll = new H2Peers.Backend("all", 100, 0);
        refuseAll.refuse = n -> true;
        refusePost = new H2Peers.Backend("post", 100, 0);
        refusePost.refuse = n -> true;
        goAway = new H2Peers.Backend("ga", 100, 0);
        goAway.goAwayAfter.set(3);
        slow = new H2Peers.Backend("slow", 100, SLOW_MILLIS);
        plain = new H2Peers.Backend("plain", 100, 0);
        h2Port = freePort();
        h1Port = freePort();
        limitedPort = freePort();
        flatPort = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H2", h2Port, "H1", h1Port, "LIMITED", limitedPort, "FLAT", flatPort,
                        "KA", ka.address(), "NOACK", noAck.address(), "OFF", off.address(), "REFUSE_ONCE", refuseOnce.address(),
                        "REFUSE_ALL", refuseAll.address(), "REFUSE_POST", refusePost.address(), "GOAWAY", goAway.address(),
                        "SLOW", slow.address(), "PLAIN", plain.address())))
                .waitFor(h2Port, h1Port, limitedPort, flatPort).probe(h1Port).start();
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
            for (H2Peers.Backend b : new H2Peers.Backend[] {ka, noAck, off, refuseOnce, refuseAll, refusePost, goAway, slow, plain}) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    // ---- helpers ----

    private static H2Peers.Response h2Get(H2Peers.Client c, String path, int port) throws Exception {
        return c.request(H2Peers.get(path, port), null, null).get(15, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> h1Get(String path) throws Exception {
        return HTTP1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1Port + path)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code condition} every 10 ms for at most {@code millis}; returns its last value. */
    private static boolean await(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static Http2Headers post(String path, int port) {
        return new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority("127.0.0.1:" + port);
    }

    // ---- 1. upstream keepalive PING ----

    @Test
    void idleUpstreamConnectionIsPingedAndReused() throws Exception {
        HttpResponse<String> first = h1Get("/ka/1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ka GET /ka/1");
        int pingsBefore = ka.pings.get();
        Thread.sleep(IDLE_MILLIS);
        int pings = ka.pings.get() - pingsBefore;
        assertThat(pings).as("PINGs on an upstream connection idle %d ms with interval 300ms", IDLE_MILLIS).isGreaterThanOrEqualTo(2)
                .isLessThanOrEqualTo(8);
        HttpResponse<String> second = h1Get("/ka/2");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo("ka GET /ka/2");
        assertThat(ka.connections.get()).as("the ACKed connection stays in the pool and serves the next request").isEqualTo(1);
        assertThat(ka.closedConnections.get()).isZero();
        assertThat(mosn.output().lines().filter(l -> l.contains("did not answer a keepalive PING") && l.contains(ka.address())))
                .as("keepalive failures logged for this upstream").isEmpty();
    }

    @Test
    void upstreamThatNeverAcksPingsIsClosedAndReplaced() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            H2Peers.Response first = h2Get(c, "/noack/1", h2Port);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.text()).isEqualTo("noack GET /noack/1");
            long t0 = System.nanoTime();
            assertThat(await(IDLE_MILLIS + 1500, () -> noAck.closedConnections.get() == 1))
                    .as("the proxy closes the upstream connection that did not answer its PING; log:%n%s", mosn.output()).isTrue();
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // nominally interval + timeout = 800 ms after the last read
            assertThat(closedAfter).as("ms from the response to the close").isBetween(500L, 2500L);
            assertThat(noAck.pings.get()).as("PINGs sent before giving up").isGreaterThanOrEqualTo(1);
            assertThat(await(2000, () -> mosn.output().contains("did not answer a keepalive PING"))).as(mosn.output()).isTrue();
            assertThat(c.isOpen()).as("the downstream connection is not affected").isTrue();

            H2Peers.Response next = h2Get(c, "/noack/2", h2Port);
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.text()).isEqualTo("noack GET /noack/2");
            assertThat(noAck.connections.get()).as("the next request went to a new upstream connection").isEqualTo(2);
        }
    }

    @Test
    void keepaliveIntervalZeroSendsNoPings() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            assertThat(h2Get(c, "/off/1", h2Port).status()).isEqualTo(200);
            Thread.sleep(IDLE_MILLIS);
            assertThat(off.pings.get()).as("PINGs with interval 0s").isZero();
            assertThat(h2Get(c, "/off/2", h2Port).status()).isEqualTo(200);
            assertThat(off.connections.get()).isEqualTo(1);
        }
    }

    // ---- 2. downstream SETTINGS from extend_config ----

    @Test
    void downstreamSettingsComeFromExtendConfig() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(limitedPort)) {
            Http2Settings s = c.peerSettings.get(10, TimeUnit.SECONDS);
            Map<Character, Long> seen = new TreeMap<>(s);
            assertThat(seen).as("the proxy's SETTINGS").isEqualTo(Map.of(
                    Http2CodecUtil.SETTINGS_MAX_CONCURRENT_STREAMS, 5L,
                    Http2CodecUtil.SETTINGS_INITIAL_WINDOW_SIZE, 1048576L,
                    Http2CodecUtil.SETTINGS_MAX_HEADER_LIST_SIZE, 8192L));
            H2Peers.Response r = h2Get(c, "/settings", limitedPort);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("plain GET /settings");
            // initial_connection_window_size was not set: the default 16 MiB connection window is granted.
            // Netty's server frame codec adds 2 x (stream window - 65535) to the connection window on its
            // own when an initial stream window is set, so the window ends up larger than configured.
            long configured = 16 * 1024 * 1024;
            assertThat((long) c.connectionSendWindow()).as("connection window the proxy grants")
                    .isBetween(configured, configured + 2 * (1048576 - 65535));
        }
        // the listener without extend_config offers the defaults
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            Http2Settings s = c.peerSettings.get(10, TimeUnit.SECONDS);
            assertThat(s.maxConcurrentStreams()).isEqualTo(250L);
            assertThat(s.initialWindowSize()).isEqualTo(256 * 1024);
            assertThat(s.maxHeaderListSize()).isEqualTo(64 * 1024L);
        }
        // the flat form (no "Http2" key), with the reset / control-frame limits accepted alongside
        try (H2Peers.Client c = new H2Peers.Client(flatPort)) {
            Http2Settings s = c.peerSettings.get(10, TimeUnit.SECONDS);
            assertThat(s.maxConcurrentStreams()).isEqualTo(7L);
            assertThat(s.initialWindowSize()).isEqualTo(256 * 1024);
            assertThat(h2Get(c, "/flat", flatPort).text()).isEqualTo("plain GET /flat");
            long configured = 1048576;
            assertThat((long) c.connectionSendWindow()).as("connection window the proxy grants (initial_connection_window_size 1 MiB)")
                    .isBetween(configured, configured + 2 * (256 * 1024 - 65535));
        }
    }

    private static Http2Headers withBigHeaders(Http2Headers h, int totalBytes, long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i * 1000 < totalBytes; i++) {
            StringBuilder v = new StringBuilder(1000);
            for (int j = 0; j < 1000; j++) {
                v.append((char) ('a' + rnd.nextInt(26)));
            }
            h.add("x-big-" + i, v.toString());
        }
        return h;
    }

    @Test
    void headerListOverTheLimitIsRefusedWith431() throws Exception {
        int before = plain.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort, true)) {
            c.peerSettings.get(10, TimeUnit.SECONDS);
            // ~10 KB of header list (> 8192), HPACK-encoded to ~6.5 KB (< Netty's 1.25x hard limit): a stream error
            H2Peers.Response r = c.request(withBigHeaders(H2Peers.get("/big", limitedPort), 10_000, 1), null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).as("response to a 10 KB header list").isEqualTo(431);
            // the connection survives a stream-level refusal
            H2Peers.Response after = h2Get(c, "/after-big", limitedPort);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.text()).isEqualTo("plain GET /after-big");
        }
        assertThat(plain.requests.get() - before).as("requests that reached the upstream").isEqualTo(1);
        try (H2Peers.Client c = new H2Peers.Client(limitedPort)) {
            assertThat(h2Get(c, "/fresh", limitedPort).status()).isEqualTo(200);
        }
    }

    @Test
    void headerBlockFarOverTheLimitClosesTheConnection() throws Exception {
        int before = plain.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort, true)) {
            c.peerSettings.get(10, TimeUnit.SECONDS);
            // ~30 KB: the encoded block alone is over 1.25 x 8192, Netty treats it as a connection error
            CompletableFuture<H2Peers.Response> f = c.request(withBigHeaders(H2Peers.get("/huge", limitedPort), 30_000, 2), null, null);
            Object outcome;
            try {
                H2Peers.Response r = f.get(10, TimeUnit.SECONDS);
                outcome = r.resetCode() != null ? "reset " + r.resetCode() : "status " + r.status();
            } catch (ExecutionException e) {
                outcome = e.getCause().getMessage();
            }
            c.goAway.get(5, TimeUnit.SECONDS);
            await(1000, () -> !c.isOpen());
            // RFC 9113 5.4.1: a connection error is announced with GOAWAY carrying its error code; Netty's
            // codec uses PROTOCOL_ERROR for a header block over 1.25 x max_header_list_size
            assertThat(c.goAway.getNow(null)).as("GOAWAY error code (stream outcome: %s, GOAWAYs received: %s)", outcome, c.goAways)
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(await(5000, () -> !c.isOpen())).as("the connection is closed").isTrue();
        }
        assertThat(plain.requests.get() - before).isZero();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort)) {
            H2Peers.Response r = h2Get(c, "/fresh-after-huge", limitedPort);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("plain GET /fresh-after-huge");
        }
    }

    @Test
    void nettyClientCodecItselfWillNotSendAHeaderListOverTheAdvertisedLimit() throws Exception {
        int before = plain.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort)) {
            c.peerSettings.get(10, TimeUnit.SECONDS);
            CompletableFuture<H2Peers.Response> f = c.request(withBigHeaders(H2Peers.get("/big-local", limitedPort), 10_000, 3), null, null);
            assertThat(f).failsWithin(10, TimeUnit.SECONDS);
            assertThat(c.isOpen()).isTrue();
            assertThat(h2Get(c, "/after-local", limitedPort).status()).isEqualTo(200);
        }
        assertThat(plain.requests.get() - before).isEqualTo(1);
    }

    @Test
    void sixthConcurrentStreamIsRefusedByTheProxy() throws Exception {
        int before = slow.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort, true)) {
            c.peerSettings.get(10, TimeUnit.SECONDS);
            List<CompletableFuture<H2Peers.Response>> five = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                five.add(c.request(H2Peers.get("/slow/" + i, limitedPort), null, null));
            }
            assertThat(await(5000, () -> slow.requests.get() - before == 5)).isTrue();
            H2Peers.Response sixth = c.request(H2Peers.get("/slow/6", limitedPort), null, null).get(10, TimeUnit.SECONDS);
            assertThat(sixth.resetCode()).as("6th stream over MAX_CONCURRENT_STREAMS 5").isEqualTo(Http2Error.REFUSED_STREAM.code());
            assertThat(sixth.headers()).isNull();
            for (int i = 0; i < 5; i++) {
                H2Peers.Response r = five.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("slow GET /slow/" + i);
            }
            assertThat(slow.requests.get() - before).as("the refused stream never reached the upstream").isEqualTo(5);
            // once they ended, the same connection takes new streams
            assertThat(c.isOpen()).isTrue();
            assertThat(h2Get(c, "/slow/7", limitedPort).text()).isEqualTo("slow GET /slow/7");
        }
    }

    @Test
    void sixthConcurrentStreamIsNotSentByAClientThatHonoursTheLimit() throws Exception {
        int before = slow.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(limitedPort)) {
            c.peerSettings.get(10, TimeUnit.SECONDS);
            List<CompletableFuture<H2Peers.Response>> five = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                five.add(c.request(H2Peers.get("/slow/h" + i, limitedPort), null, null));
            }
            assertThat(await(5000, () -> slow.requests.get() - before == 5)).isTrue();
            CompletableFuture<H2Peers.Response> sixth = c.request(H2Peers.get("/slow/h6", limitedPort), null, null);
            // Netty's client codec refuses to open a stream over the peer's limit: the stream closes unsent
            assertThat(sixth).failsWithin(10, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                assertThat(five.get(i).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(slow.requests.get() - before).isEqualTo(5);
        }
    }

    // ---- 3. config errors through the CLI ----

    static String badConfig(String proxyExtend, String clusterExtra) {
        return """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "vh", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "r"%s}}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "c", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:9"}]%s}]}}
                """.formatted(freePort(), proxyExtend, clusterExtra);
    }

    static Stream<Arguments> badHttp2Configs() {
        String filter = "servers[0].listeners[0].filter_chains[0].filters[0].config.extend_config";
        return Stream.of(
                Arguments.of("stream window under the Http2 key", badConfig(", \"extend_config\": {\"Http2\": {\"initial_stream_window_size\": 1000}}", ""),
                        filter + ".Http2.initial_stream_window_size: must be 65535..2147483647, got 1000"),
                Arguments.of("flat connection window", badConfig(", \"extend_config\": {\"initial_connection_window_size\": 3000000000}", ""),
                        filter + ".initial_connection_window_size: must be 65535..2147483647, got 3000000000"),
                Arguments.of("negative max_concurrent_streams", badConfig(", \"extend_config\": {\"Http2\": {\"max_concurrent_streams\": -1}}", ""),
                        filter + ".Http2.max_concurrent_streams: must be 1..2147483647, got -1"),
                Arguments.of("negative keepalive interval",
                        badConfig("", ", \"http2_protocol_options\": {\"connection_keepalive\": {\"interval\": \"-1s\"}}"),
                        "cluster_manager.clusters[0].http2_protocol_options.connection_keepalive.interval: must not be negative"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHttp2Configs")
    void badHttp2SettingIsRefusedWithOneLineNamingTheField(String name, String config, String expected) throws Exception {
        Path file = MosnProcess.writeTemp("h2.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(20), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isNotZero();
        assertThat(r.stderrLines()).as("stderr").hasSize(1);
        assertThat(r.stderrLines().get(0)).startsWith("mosn: invalid config " + file + ": ").endsWith(expected);
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    // ---- 4. retry of streams the upstream never processed ----

    @Test
    void refusedStreamIsRetriedOnceForGetAndBodilessPost() throws Exception {
        int before = refuseOnce.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            H2Peers.Response get = h2Get(c, "/refuse-once/get", h2Port);
            assertThat(get.status()).as("GET after one REFUSED_STREAM").isEqualTo(200);
            assertThat(get.text()).isEqualTo("once GET /refuse-once/get");
            assertThat(refuseOnce.requests.get() - before).as("attempts upstream").isEqualTo(2);

            H2Peers.Response post = c.request(post("/refuse-once/post", h2Port), null, null).get(15, TimeUnit.SECONDS);
            assertThat(post.status()).as("POST without a body after one REFUSED_STREAM").isEqualTo(200);
            assertThat(post.text()).isEqualTo("once POST /refuse-once/post");
            assertThat(refuseOnce.requests.get() - before).isEqualTo(4);
        }
        // HTTP/1 client, POST with content-length: 0
        HttpResponse<String> h1 = HTTP1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1Port + "/refuse-once/h1"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(h1.statusCode()).as("HTTP/1 POST content-length 0 after one REFUSED_STREAM: %s", h1.body()).isEqualTo(200);
        assertThat(h1.body()).isEqualTo("once POST /refuse-once/h1");
        assertThat(refuseOnce.requests.get() - before).isEqualTo(6);
        assertThat(refuseOnce.refused.get()).isEqualTo(3);
        assertThat(refuseOnce.connections.get()).as("the refusing connection stays in use").isEqualTo(1);
    }

    @Test
    void alwaysRefusedStreamIsRetriedOnlyOnceThen502() throws Exception {
        int before = refuseAll.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            H2Peers.Response r = h2Get(c, "/refuse-all/x", h2Port);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("upstream reset before response");
            assertThat(refuseAll.requests.get() - before).as("attempts upstream: one retry only").isEqualTo(2);
            Thread.sleep(300); // a third attempt would show up by now
            assertThat(refuseAll.requests.get() - before).isEqualTo(2);
        }
    }

    @Test
    void postWithABodyIsNotRetriedAfterRefusedStream() throws Exception {
        int before = refusePost.requests.get();
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            H2Peers.Response r = c.request(post("/refuse-post/body", h2Port), "a body that is gone".getBytes(StandardCharsets.UTF_8), null)
                    .get(15, TimeUnit.SECONDS);
            assertThat(r.status()).as("POST with a body refused upstream").isEqualTo(502);
            Thread.sleep(300);
            assertThat(refusePost.requests.get() - before).as("attempts upstream: not retried").isEqualTo(1);
            // the downstream connection serves on
            assertThat(h2Get(c, "/after-post", h2Port).status()).isEqualTo(200);
        }
    }

    @Test
    void streamsAboveGoAwayLastStreamIdAreRetriedOnANewConnection() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            List<CompletableFuture<H2Peers.Response>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(c.request(H2Peers.get("/goaway/" + i, h2Port), null, null));
            }
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                H2Peers.Response r = all.get(i).get(15, TimeUnit.SECONDS);
                seen.add(r.status() + " " + (r.resetCode() != null ? "reset " + r.resetCode() : r.text().trim()));
            }
            assertThat(seen).as("responses; upstream connections %d, requests that reached the upstream %d (3 on the first, 2 retried expected)",
                    goAway.connections.get(), goAway.requests.get()).containsExactly("200 ga GET /goaway/0", "200 ga GET /goaway/1", "200 ga GET /goaway/2");
            assertThat(goAway.connections.get()).as("the unprocessed streams went to a second connection").isEqualTo(2);
            assertThat(goAway.requests.get()).as("3 on the first connection, 2 retried").isEqualTo(5);
            assertThat(await(5000, () -> goAway.closedConnections.get() == 1)).isTrue();
        }
    }
}
