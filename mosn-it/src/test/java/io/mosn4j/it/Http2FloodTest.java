package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 denial-of-service floods against the h2c downstream listeners, sent as raw frames on a
 * socket ({@link RawH2}) so nothing in a client codec softens them: rapid reset (CVE-2023-44487),
 * PING and SETTINGS floods from a client that does not read (CVE-2019-9512/9515), empty DATA frames
 * (CVE-2019-9518), header lists over SETTINGS_MAX_HEADER_LIST_SIZE. In each case the attacker's
 * connection must be cut off (or the one stream refused) within bounded work, while a well-behaved
 * client on another connection keeps getting 200s, and mosn stays up with no leak report.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class Http2FloodTest {
    /** HTTP/2 error code ENHANCE_YOUR_CALM (0xb). */
    static final long CALM = Http2Error.ENHANCE_YOUR_CALM.code();
    static final int RAPID_RESET_STREAMS = 10_000;
    /** The README's defaults: {@code max_resets_per_window} 200 per {@code reset_window} 30 s. */
    static final int DEFAULT_MAX_RESETS = 200;
    /** The tuned listener's {@code max_resets_per_window} and {@code reset_window}. */
    static final int TUNED_MAX_RESETS = 50;
    static final int TUNED_WINDOW_MILLIS = 2000;
    /** The README: an upstream HTTP/2 connection that has reset this many streams within 30 s takes no new ones. */
    static final int UPSTREAM_RESET_BUDGET = 100;

    /** One rapid-reset case: its own listener, cluster and backend, so no other test's resets count. */
    record RapidCase(String name, String upstream, int port, NettyHttpBackend h1, H2Peers.Backend h2) {
        /** Requests of the attack ({@code /rapid/...}) whose head reached the backend. */
        long started() {
            return (h1 != null ? h1.started.stream() : h2.paths.stream()).filter(u -> u.startsWith("/rapid/")).count();
        }

        int connections() {
            return h1 != null ? h1.connections.get() : h2.connections.get();
        }
    }

    private static final Map<String, RapidCase> CASES = new java.util.LinkedHashMap<>();
    private static final List<AutoCloseable> PEERS = new ArrayList<>();
    private static NettyHttpBackend h1;
    private static H2Peers.Backend cancelBackend;
    private static MosnProcess mosn;
    private static int h2ToH1;
    private static int cancelPort;

    @BeforeAll
    static void start() throws Exception {
        h1 = peer(NettyHttpBackend.start("b1"));
        // the backend behind the cancelling clients: Netty's server defaults, 200 RST_STREAMs in 30 s per connection
        cancelBackend = peer(new H2Peers.Backend("cancel", 1000, 0));
        h2ToH1 = freePort();
        cancelPort = freePort();
        List<String> routers = new ArrayList<>();
        List<String> listeners = new ArrayList<>();
        List<String> clusters = new ArrayList<>();
        add(routers, listeners, clusters, "h2_to_h1", h2ToH1, "Http1", h1.address(), "");
        add(routers, listeners, clusters, "cancel", cancelPort, "Http2", "127.0.0.1:" + port(cancelBackend), "");
        for (String upstream : List.of("h1", "h2")) {
            for (String end : List.of("end", "body")) {
                String name = "rapid_" + upstream + "_" + end;
                int port = freePort();
                NettyHttpBackend b1 = upstream.equals("h1") ? peer(NettyHttpBackend.start(name)) : null;
                H2Peers.Backend b2 = upstream.equals("h2") ? peer(new H2Peers.Backend(name, 1000, 0)) : null;
                add(routers, listeners, clusters, name, port, upstream.equals("h1") ? "Http1" : "Http2",
                        b1 != null ? b1.address() : b2.address(), "");
                CASES.put(upstream + "-" + end, new RapidCase(name, upstream, port, b1, b2));
            }
        }
        int tunedPort = freePort();
        NettyHttpBackend tuned = peer(NettyHttpBackend.start("tuned"));
        add(routers, listeners, clusters, "rapid_tuned", tunedPort, "Http1", tuned.address(),
                ", \"extend_config\": {\"Http2\": {\"max_resets_per_window\": " + TUNED_MAX_RESETS
                        + ", \"reset_window\": \"" + TUNED_WINDOW_MILLIS / 1000 + "s\"}}");
        CASES.put("tuned", new RapidCase("rapid_tuned", "h1", tunedPort, tuned, null));
        String config = """
                {"servers": [{"default_log_path": "stdout", "processor": 1,
                  "routers": [%s],
                  "listeners": [%s]}],
                 "cluster_manager": {"clusters": [%s]}}
                """.formatted(String.join(",\n", routers), String.join(",\n", listeners), String.join(",\n", clusters));
        MosnProcess.Builder b = MosnProcess.builder().config(config).waitFor(h2ToH1, cancelPort);
        CASES.values().forEach(c -> b.waitFor(c.port()));
        mosn = b.start();
    }

    private static <T extends AutoCloseable> T peer(T p) {
        PEERS.add(p);
        return p;
    }

    private static int port(H2Peers.Backend b) {
        return Integer.parseInt(b.address().substring(b.address().lastIndexOf(':') + 1));
    }

    /** An h2c listener {@code name} on {@code port} whose every request goes to one host over {@code upstream}. */
    private static void add(List<String> routers, List<String> listeners, List<String> clusters, String name, int port,
                            String upstream, String host, String proxyExtra) {
        routers.add("""
                {"router_config_name": "%s", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "%s", "timeout": "60s"}}]}]}""".formatted(name, name));
        listeners.add("""
                {"name": "%s", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http2", "upstream_protocol": "%s", "router_config_name": "%s"%s}}]}]}"""
                .formatted(name, port, upstream, name, proxyExtra));
        clusters.add("""
                {"name": "%s", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "%s"}]}""".formatted(name, host));
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
            for (AutoCloseable p : PEERS) {
                p.close();
            }
        }
    }

    // ---- 1. rapid reset (CVE-2023-44487) ----

    /**
     * HEADERS + RST_STREAM(CANCEL) pairs, up to 10,000, on one connection: cut off with GOAWAY
     * ENHANCE_YOUR_CALM once {@code max_resets_per_window} (200) is passed, so at most 201 attack
     * streams are ever taken on: at most that many requests started upstream and, over HTTP/1, that
     * many upstream connections opened (each stream gets one; a reset closes it) or, over HTTP/2, one
     * more connection per 100 upstream resets (the upstream reset budget).
     * Each case has its own listener and backend. A well-behaved client on another connection of the
     * same listener keeps being served throughout.
     */
    @ParameterizedTest(name = "upstream {0}, HEADERS endStream={1}")
    @CsvSource({"h1, true", "h1, false", "h2, true", "h2, false"})
    void rapidResetIsCutOffAndOthersAreServed(String upstream, boolean endStream) throws Exception {
        RapidCase c = CASES.get(upstream + "-" + (endStream ? "end" : "body"));
        try (Prober good = new Prober(c.port()); RawH2 attacker = new RawH2(c.port(), 0, true)) {
            good.awaitSuccesses(3, Duration.ofSeconds(10));
            int connectionsBefore = c.connections();
            long t0 = System.nanoTime();
            int sent = attack(attacker, c.port(), 1, RAPID_RESET_STREAMS, endStream);
            long sendMillis = (System.nanoTime() - t0) / 1_000_000;
            boolean closed = attacker.awaitClosed(Duration.ofSeconds(10));
            good.stopAndAwait();
            assertServingAfterwards(c.port());
            // counted after the checks above: the upstream side has had time to see all it ever will
            long started = c.started();
            int upstreamConnections = c.connections() - connectionsBefore;
            long upstreamResets = upstream.equals("h2") ? awaitResets(c.h2(), started) : -1;
            System.out.printf("Http2FloodTest rapid reset (upstream %s, endStream %s): %d streams written in %d ms; closed=%s; GOAWAY=%s; "
                            + "%d attack requests started upstream, %d new upstream connections, %d upstream RST_STREAMs; "
                            + "good client %d ok / %d failed; frames: %s%n",
                    upstream, endStream, sent, sendMillis, closed, attacker.goAwayDescription(), started, upstreamConnections,
                    upstreamResets, good.ok.get(), good.failed.get(), attacker.summary());

            assertThat(closed).as("the attacker's connection is closed; %s", attacker.summary()).isTrue();
            // RFC 9113 5.4.1: a connection error is announced with GOAWAY carrying its code. (Its last stream
            // id is 2^31-1: Netty's hard shutdown cannot tell which streams it processed; the upstream can.)
            assertThat(attacker.goAwayCode.get()).as("GOAWAY error code (ENHANCE_YOUR_CALM = 0xb); %s", attacker.summary())
                    .isEqualTo(CALM);
            assertThat(started).as("attack requests started upstream (max_resets_per_window %d)", DEFAULT_MAX_RESETS)
                    .isLessThanOrEqualTo(DEFAULT_MAX_RESETS + 1);
            if (upstream.equals("h1")) {
                assertThat(upstreamConnections).as("upstream HTTP/1 connections opened during the attack")
                        .isLessThanOrEqualTo(DEFAULT_MAX_RESETS + 1 + 1);
            } else {
                assertThat(upstreamResets).as("RST_STREAMs the upstream got: one per attack request started").isEqualTo(started);
                assertThat(upstreamConnections).as("upstream HTTP/2 connections opened during the attack (one per %d resets)",
                        UPSTREAM_RESET_BUDGET).isLessThanOrEqualTo((int) (started / UPSTREAM_RESET_BUDGET) + 1);
                assertThat(c.h2().goAwaysSent).as("GOAWAYs from the upstream (its own rapid-reset defence)").doesNotContain(CALM);
            }
            assertThat(good.failed.get()).as("well-behaved client failures: %s", good.failures).isZero();
            assertThat(good.ok.get()).isPositive();
        }
    }

    /**
     * Non-default {@code max_resets_per_window} (50) and {@code reset_window} (2s): 40 resets, then
     * 40 more once the window has passed, leave the connection serving (80 in all is more than 50:
     * the window restarted); a flood after that is cut off within 50 more, not 200.
     */
    @Test
    void resetLimitAndWindowFromTheConfigAreHonoured() throws Exception {
        RapidCase c = CASES.get("tuned");
        try (RawH2 client = new RawH2(c.port(), 0, true)) {
            long windowStart = System.nanoTime();
            int next = 1;
            attack(client, c.port(), next, 40, true);
            next += 2 * 40;
            next = assertStillServes(client, c.port(), next);
            long wait = TUNED_WINDOW_MILLIS + 300 - (System.nanoTime() - windowStart) / 1_000_000;
            Thread.sleep(Math.max(0, wait)); // a new window
            attack(client, c.port(), next, 40, true);
            next += 2 * 40;
            next = assertStillServes(client, c.port(), next);
            assertThat(client.goAwayCode.get()).as("no GOAWAY after 80 resets in two windows; %s", client.summary()).isEqualTo(-1);
            long startedBefore = c.started();
            int connectionsBefore = c.connections();
            int sent = attack(client, c.port(), next, RAPID_RESET_STREAMS, true);
            assertThat(client.awaitClosed(Duration.ofSeconds(10))).as("closed; %s", client.summary()).isTrue();
            assertThat(client.goAwayCode.get()).as("GOAWAY ENHANCE_YOUR_CALM; %s", client.summary()).isEqualTo(CALM);
            assertServingAfterwards(c.port());
            long flood = c.started() - startedBefore;
            int floodConnections = c.connections() - connectionsBefore;
            System.out.printf("Http2FloodTest tuned reset limit: flood of %d streams written, %d started upstream over %d new "
                    + "upstream connections; %s%n", sent, flood, floodConnections, client.summary());
            assertThat(flood).as("flood requests started upstream (max_resets_per_window %d)", TUNED_MAX_RESETS)
                    .isLessThanOrEqualTo(TUNED_MAX_RESETS + 1);
            // an HTTP/1 upstream: each flood stream the proxy took on opens a connection (the reset closes it)
            assertThat(floodConnections).as("upstream connections opened for the flood (max_resets_per_window %d)", TUNED_MAX_RESETS)
                    .isLessThanOrEqualTo(TUNED_MAX_RESETS + 1);
        }
    }

    /** Sends a request on {@code client}'s connection as stream {@code id} and expects a 200; returns the next id. */
    private static int assertStillServes(RawH2 client, int port, int id) throws IOException {
        ByteBuf out = Unpooled.buffer();
        client.headers(out, id, new DefaultHttp2Headers().method("GET").scheme("http").path("/still-served/" + id)
                .authority("127.0.0.1:" + port), true);
        client.write(out);
        assertThat(client.awaitEnd(id, Duration.ofSeconds(10))).as("stream %d answered; %s", id, client.summary()).isTrue();
        assertThat(client.statuses.get(id)).isEqualTo(200);
        return id + 2;
    }

    /**
     * Writes up to {@code max} HEADERS + RST_STREAM(CANCEL) pairs from stream {@code firstId}, in
     * batches of 50, until done or the proxy has cut the connection off; returns how many were written.
     */
    private static int attack(RawH2 attacker, int port, int firstId, int max, boolean endStream) {
        int sent = 0;
        try {
            while (sent < max && !attacker.cutOff()) {
                ByteBuf out = Unpooled.buffer();
                for (int i = 0; i < 50 && sent < max; i++, sent++) {
                    int id = firstId + 2 * sent;
                    Http2Headers h = new DefaultHttp2Headers().method(endStream ? "GET" : "POST").scheme("http")
                            .path("/rapid/" + id).authority("127.0.0.1:" + port).add("x-delay-ms", "30000");
                    attacker.headers(out, id, h, endStream);
                    attacker.rst(out, id, Http2Error.CANCEL.code());
                }
                attacker.write(out);
            }
        } catch (IOException cutOffWhileWriting) {
            attacker.note("write failed after " + sent + " streams: " + cutOffWhileWriting);
        }
        return sent;
    }

    /** Waits (bounded) until {@code backend} has received {@code n} RST_STREAMs; returns how many it has. */
    private static long awaitResets(H2Peers.Backend backend, long n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backend.resets.get() < n && System.nanoTime() < deadline) {
            MosnProcess.sleep(10);
        }
        return backend.resets.get();
    }

    // ---- 1b. clients cancelling many streams: the upstream reset budget ----

    /**
     * Clients that cancel streams make the proxy reset the upstream ones. An upstream HTTP/2
     * connection that has reset 100 streams within 30 s takes no new streams and closes once its
     * last one ends, so the upstream's own rapid-reset defence (Netty's: 200 in 30 s, as this
     * backend has) never cuts off a connection a well-behaved request is using. 250 cancellations
     * from two clients: 100, 100 and 50 upstream resets on three connections, the long request on
     * the first one answered, the upstream never sending ENHANCE_YOUR_CALM.
     */
    @Test
    void upstreamConnectionMovesOnAfterAHundredResets() throws Exception {
        H2Peers.Backend b = cancelBackend;
        try (H2Peers.Client longClient = new H2Peers.Client(cancelPort);
             H2Peers.Client a = new H2Peers.Client(cancelPort);
             H2Peers.Client c = new H2Peers.Client(cancelPort)) {
            CompletableFuture<H2Peers.Response> longRequest = longClient.request(H2Peers.get("/long", cancelPort)
                    .add("x-delay-ms", "4000"), null, null);
            awaitRequests(b, 1);
            assertThat(b.connections.get()).isEqualTo(1);
            int cancelled = 0;
            for (int batch = 0; batch < 10; batch++) {
                H2Peers.Client client = batch % 2 == 0 ? a : c; // 125 each: under the proxy's own 200 per connection
                List<io.netty.handler.codec.http2.Http2StreamChannel> streams = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int i = 0; i < 25; i++) {
                    client.request(H2Peers.get("/cancelled/" + batch + "/" + i, cancelPort).add("x-delay-ms", "60000"),
                            null, null, -1, streams::add);
                }
                awaitRequests(b, 1 + cancelled + 25); // all 25 are open upstream
                for (var stream : streams) {
                    stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2ResetFrame(Http2Error.CANCEL));
                }
                cancelled += 25;
                assertThat(awaitResets(b, cancelled)).as("upstream resets after %d cancellations", cancelled).isEqualTo(cancelled);
            }
            H2Peers.Response r = longRequest.get(15, TimeUnit.SECONDS);
            assertThat(r.status()).as("the long request on the first upstream connection").isEqualTo(200);
            assertThat(r.text()).isEqualTo("cancel GET /long");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!b.closedConnectionNumbers.containsAll(List.of(1, 2)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            System.out.printf("Http2FloodTest upstream reset budget: resets by upstream connection %s, requests %s, closed %s, GOAWAYs %s%n",
                    b.resetsByConnection, b.requestsByConnection, b.closedConnectionNumbers, b.goAwaysSent);
            assertThat(b.connections.get()).as("upstream connections").isEqualTo(3);
            assertThat(b.resetsByConnection.get(1).get()).isEqualTo(UPSTREAM_RESET_BUDGET);
            assertThat(b.resetsByConnection.get(2).get()).isEqualTo(UPSTREAM_RESET_BUDGET);
            assertThat(b.resetsByConnection.get(3).get()).isEqualTo(250 - 2 * UPSTREAM_RESET_BUDGET);
            assertThat(b.closedConnectionNumbers).as("the first two closed once their last stream ended; the third serves on")
                    .containsExactlyInAnyOrder(1, 2);
            assertThat(b.goAwaysSent).as("GOAWAYs the upstream sent").isEmpty();
            // new requests go to the third connection
            H2Peers.Response after = a.request(H2Peers.get("/after-cancels", cancelPort), null, null).get(10, TimeUnit.SECONDS);
            assertThat(after.status()).isEqualTo(200);
            assertThat(b.requestsByConnection.get(3).get()).isEqualTo(50 + 1);
            assertThat(b.connections.get()).isEqualTo(3);
        }
    }

    private static void awaitRequests(H2Peers.Backend b, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.requests.get() < n && System.nanoTime() < deadline) {
            MosnProcess.sleep(5);
        }
        assertThat(b.requests.get()).as("requests at the backend").isGreaterThanOrEqualTo(n);
    }

    // ---- 2. PING flood from a client that does not read (CVE-2019-9512) ----

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void pingFloodFromAClientThatDoesNotReadIsCutOff() throws Exception {
        controlFrameFlood("PING", (c, out, i) -> c.ping(out, i));
    }

    // ---- 3a. SETTINGS flood (CVE-2019-9515) ----

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void settingsFloodFromAClientThatDoesNotReadIsCutOff() throws Exception {
        controlFrameFlood("SETTINGS", (c, out, i) -> c.settings(out));
    }

    interface FrameMaker {
        void add(RawH2 c, ByteBuf out, long i);
    }

    private void controlFrameFlood(String what, FrameMaker maker) throws Exception {
        int port = h2ToH1;
        // Up to 1,000,000 frames (9-17 MB of ACKs owed). The proxy's kernel send buffer autotunes up to
        // tcp_wmem's max (4 MB) and absorbs ~250k PING / ~470k SETTINGS ACKs before anything queues in
        // the proxy itself (the client's small SO_RCVBUF keeps its window shut); only then does the
        // queued-control-frame limit (10,000) trip.
        int total = 1_000_000;
        long sent = 0;
        String writeError = null;
        try (Prober good = new Prober(port); RawH2 attacker = new RawH2(port, 4096, false)) {
            good.awaitSuccesses(3, Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            try {
                // ~6 s (PING) / ~11 s (SETTINGS) on an idle 2-core machine; bounded for a loaded one
                while (sent < total && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(75)) {
                    ByteBuf out = Unpooled.buffer();
                    for (int i = 0; i < 1000; i++, sent++) {
                        maker.add(attacker, out, sent);
                    }
                    attacker.write(out);
                }
            } catch (IOException e) {
                writeError = e.toString();
            }
            long sendMillis = (System.nanoTime() - t0) / 1_000_000;
            // now read what the proxy queued for us: a proxy that kept every ACK would hand us ~1.7 MB and stay open
            attacker.startReader();
            boolean closed = attacker.awaitClosed(Duration.ofSeconds(15));
            good.stopAndAwait();
            long acks = what.equals("PING") ? attacker.pingAcks.get() : attacker.settingsAcks.get();
            System.out.printf("Http2FloodTest %s flood: %d frames written in %d ms (write error: %s); closed=%s; GOAWAY=%s; "
                            + "%d ACKs read back; good client %d ok / %d failed; frames: %s%n",
                    what, sent, sendMillis, writeError, closed, attacker.goAwayDescription(), acks, good.ok.get(),
                    good.failed.get(), attacker.summary());
            assertThat(closed).as("the proxy closes the flooding connection; %d ACKs read back; %s", acks, attacker.summary()).isTrue();
            assertThat(acks).as("ACKs the proxy had queued for a client that does not read").isLessThan(total);
            assertThat(good.failed.get()).as("well-behaved client failures: %s", good.failures).isZero();
            assertThat(good.ok.get()).isPositive();
            assertServingAfterwards(port);
            if (attacker.goAwayCode.get() >= 0) { // the GOAWAY may be lost: it queues behind the ACKs nobody reads
                assertThat(attacker.goAwayCode.get()).as("GOAWAY ENHANCE_YOUR_CALM; %s", attacker.summary()).isEqualTo(CALM);
            }
        }
    }

    // ---- 3c. streams made to fail on purpose (MadeYouReset, CVE-2025-8671) ----

    /**
     * A client whose every request breaks the protocol in a way that ends only its own stream (a
     * connection-specific header field, RFC 9113 8.2.2) makes the proxy send a RST_STREAM per request. Past
     * 200 in 30 s the connection ends with GOAWAY ENHANCE_YOUR_CALM; a well-behaved client is served throughout.
     */
    @Test
    void streamsMadeToFailAreCutOffAfterTwoHundredResets() throws Exception {
        int port = h2ToH1;
        int total = 2000;
        try (Prober good = new Prober(port); RawH2 attacker = new RawH2(port, 0, true)) {
            good.awaitSuccesses(3, Duration.ofSeconds(10));
            int sent = 0;
            try {
                while (sent < total && !attacker.cutOff()) {
                    ByteBuf out = Unpooled.buffer();
                    for (int i = 0; i < 50 && sent < total; i++, sent++) {
                        int id = 1 + 2 * sent;
                        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").path("/made-to-fail/" + id)
                                .authority("127.0.0.1:" + port).add("connection", "keep-alive");
                        attacker.headers(out, id, h, true);
                    }
                    attacker.write(out);
                    MosnProcess.sleep(5); // lets the proxy's resets come back before the next 50
                }
            } catch (IOException cutOffWhileWriting) {
                attacker.note("write failed after " + sent + " streams: " + cutOffWhileWriting);
            }
            boolean closed = attacker.awaitClosed(Duration.ofSeconds(10));
            good.stopAndAwait();
            System.out.printf("Http2FloodTest made-to-fail streams: %d written; closed=%s; GOAWAY=%s; %d RST_STREAMs back; "
                            + "good client %d ok / %d failed; frames: %s%n",
                    sent, closed, attacker.goAwayDescription(), attacker.resets.size(), good.ok.get(), good.failed.get(),
                    attacker.summary());
            assertThat(attacker.resets.values()).as("each stream reset with PROTOCOL_ERROR")
                    .isNotEmpty().allMatch(code -> code == Http2Error.PROTOCOL_ERROR.code());
            assertThat(attacker.resets.size()).as("RST_STREAMs sent before the connection ended").isLessThanOrEqualTo(201);
            assertThat(closed).as("the connection is closed; %s", attacker.summary()).isTrue();
            assertThat(attacker.goAwayCode.get()).as("GOAWAY ENHANCE_YOUR_CALM; %s", attacker.summary()).isEqualTo(CALM);
            assertThat(sent).as("requests written before the cut-off").isLessThan(total);
            assertThat(good.failed.get()).as("well-behaved client failures: %s", good.failures).isZero();
            assertThat(good.ok.get()).isPositive();
            assertServingAfterwards(port);
        }
    }

    // ---- 3b. empty DATA frames flood (CVE-2019-9518) ----

    @Test
    void emptyDataFrameFloodIsCutOff() throws Exception {
        int port = h2ToH1;
        int total = 100_000;
        int sent = 0;
        try (Prober good = new Prober(port); RawH2 attacker = new RawH2(port, 0, true)) {
            good.awaitSuccesses(3, Duration.ofSeconds(10));
            ByteBuf first = Unpooled.buffer();
            attacker.headers(first, 1, new DefaultHttp2Headers().method("POST").scheme("http").path("/empty")
                    .authority("127.0.0.1:" + port), false);
            attacker.write(first);
            try {
                while (sent < total && !attacker.cutOff()) {
                    ByteBuf out = Unpooled.buffer();
                    for (int i = 0; i < 1000; i++, sent++) {
                        attacker.data(out, 1, new byte[0], false);
                    }
                    attacker.write(out);
                }
            } catch (IOException e) {
                attacker.note("write failed after " + sent + " empty DATA frames: " + e);
            }
            boolean closed = attacker.awaitClosed(Duration.ofSeconds(10));
            good.stopAndAwait();
            System.out.printf("Http2FloodTest empty DATA flood: %d frames written; closed=%s; GOAWAY=%s; good client %d ok / %d failed; "
                    + "frames: %s%n", sent, closed, attacker.goAwayDescription(), good.ok.get(), good.failed.get(), attacker.summary());
            assertThat(closed).as("the connection is closed; %s", attacker.summary()).isTrue();
            // (how many frames the client got written says nothing: the proxy's receive buffer, up to
            // tcp_rmem's max, swallows all 900 KB; GOAWAY's code and debug data show where it cut off)
            assertThat(good.failed.get()).as("well-behaved client failures: %s", good.failures).isZero();
            assertThat(good.ok.get()).isPositive();
            assertServingAfterwards(port);
            assertThat(attacker.goAwayCode.get()).as("GOAWAY ENHANCE_YOUR_CALM; %s", attacker.summary()).isEqualTo(CALM);
        }
    }

    // ---- 4. header lists over SETTINGS_MAX_HEADER_LIST_SIZE (65536) ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"one 70000-byte header", "700 headers of 60 bytes"})
    void headerListOver64KibIsRefusedAndTheConnectionKeepsServing(String shape) throws Exception {
        int port = h2ToH1;
        int before = h1.requests.get();
        try (RawH2 c = new RawH2(port, 0, true)) {
            Http2Headers big = new DefaultHttp2Headers().method("GET").scheme("http").path("/too-big").authority("127.0.0.1:" + port);
            if (shape.startsWith("one")) {
                big.add("x-big", "a".repeat(70_000));
            } else {
                Random rnd = new Random(3);
                for (int i = 0; i < 700; i++) {
                    big.add(String.format("x-h-%03d", i), randomToken(rnd, 60));
                }
            }
            ByteBuf out = Unpooled.buffer();
            c.headers(out, 1, big, true);
            c.write(out);
            boolean refused = c.awaitStream(1, Duration.ofSeconds(10));
            // the same connection serves the next request; its HPACK state survived the refused block
            ByteBuf next = Unpooled.buffer();
            c.headers(next, 3, new DefaultHttp2Headers().method("GET").scheme("http").path("/after-big")
                    .authority("127.0.0.1:" + port).add("x-small", "1"), true);
            c.write(next);
            boolean answered = c.awaitStream(3, Duration.ofSeconds(10)) && c.awaitEnd(3, Duration.ofSeconds(10));
            System.out.printf("Http2FloodTest header list (%s): stream 1 status=%s reset=%s; stream 3 status=%s body=%s; frames: %s%n",
                    shape, c.statuses.get(1), c.resets.get(1), c.statuses.get(3), c.bodyText(3), c.summary());
            assertThat(refused).as("stream 1 answered or reset; %s", c.summary()).isTrue();
            assertThat(c.statuses.get(1) != null ? c.statuses.get(1) == 431 : c.resets.containsKey(1))
                    .as("stream 1 gets 431 or RST_STREAM: status=%s reset=%s", c.statuses.get(1), c.resets.get(1)).isTrue();
            assertThat(c.goAwayCode.get()).as("no GOAWAY; %s", c.summary()).isEqualTo(-1);
            assertThat(answered).as("stream 3 answered on the same connection; %s", c.summary()).isTrue();
            assertThat(c.statuses.get(3)).isEqualTo(200);
            assertThat(c.bodyText(3)).isEqualTo("b1 GET /after-big");
        }
        assertThat(h1.seen.stream().noneMatch(r -> r.uri().equals("/too-big"))).as("the oversized request never reached the upstream")
                .isTrue();
        assertThat(h1.requests.get() - before).isGreaterThanOrEqualTo(1);
    }

    /** A header block far over the limit (1 MiB): refused or that connection closed; nothing else is affected. */
    @Test
    void megabyteHeaderBlockIsRejectedWithoutHurtingOthers() throws Exception {
        int port = h2ToH1;
        try (Prober good = new Prober(port); RawH2 c = new RawH2(port, 0, true)) {
            good.awaitSuccesses(3, Duration.ofSeconds(10));
            Http2Headers big = new DefaultHttp2Headers().method("GET").scheme("http").path("/huge").authority("127.0.0.1:" + port);
            Random rnd = new Random(5);
            for (int i = 0; i < 16; i++) {
                big.add("x-huge-" + i, randomToken(rnd, 64 * 1024));
            }
            ByteBuf out = Unpooled.buffer();
            c.headers(out, 1, big, true);
            try {
                c.write(out);
            } catch (IOException e) {
                c.note("write failed: " + e);
            }
            boolean ended = c.awaitStream(1, Duration.ofSeconds(10)) || c.awaitClosed(Duration.ofSeconds(10));
            good.stopAndAwait();
            System.out.printf("Http2FloodTest 1 MiB header block: stream 1 status=%s reset=%s; GOAWAY=%s; closed=%s; frames: %s%n",
                    c.statuses.get(1), c.resets.get(1), c.goAwayDescription(), c.closed.get(), c.summary());
            assertThat(ended).as("refused (431/RST) or connection closed; %s", c.summary()).isTrue();
            if (c.statuses.containsKey(1)) {
                assertThat(c.statuses.get(1)).isEqualTo(431);
            }
            assertThat(good.failed.get()).as("well-behaved client failures: %s", good.failures).isZero();
            assertServingAfterwards(port);
            if (c.goAwayCode.get() >= 0) {
                // a connection error: GOAWAY must say so (Netty's codec uses PROTOCOL_ERROR for a header block
                // over 1.25 x max_header_list_size); NO_ERROR would announce a graceful shutdown
                assertThat(c.goAwayCode.get()).as("GOAWAY error code; %s", c.summary()).isNotEqualTo(Http2Error.NO_ERROR.code());
            }
        }
    }

    // ---- helpers ----

    private static String randomToken(Random rnd, int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** mosn is alive and a fresh connection gets 200 (Netty client and, when present, curl). */
    private static void assertServingAfterwards(int port) throws Exception {
        assertThat(mosn.isAlive()).as("mosn still runs").isTrue();
        try (H2Peers.Client c = new H2Peers.Client(port)) {
            H2Peers.Response r = c.request(H2Peers.get("/after", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
        }
        if (Curl.available()) {
            Curl.Result r = Curl.run("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                    "http://127.0.0.1:" + port + "/after-curl");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("200 2");
        }
    }

    /** A well-behaved h2c client sending one GET at a time on its own connection until stopped. */
    static final class Prober implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final H2Peers.Client client;
        private final Thread thread;

        Prober(int port) throws InterruptedException {
            client = new H2Peers.Client(port);
            thread = Thread.ofPlatform().daemon().name("good-client").start(() -> {
                for (int i = 0; !stop.get() && i < 100_000; i++) {
                    try {
                        H2Peers.Response r = client.request(H2Peers.get("/good/" + i, port), null, null).get(10, TimeUnit.SECONDS);
                        if (r.status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            fail("status " + r.status() + " reset " + r.resetCode());
                        }
                    } catch (Exception e) {
                        fail(e.toString());
                        if (!client.isOpen()) {
                            return;
                        }
                    }
                    MosnProcess.sleep(5);
                }
            });
        }

        private void fail(String why) {
            failed.incrementAndGet();
            if (failures.size() < 10) {
                failures.add(why);
            }
        }

        void awaitSuccesses(int n, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ok.get() < n && System.nanoTime() < deadline) {
                MosnProcess.sleep(10);
            }
            assertThat(ok.get()).as("good client warmed up; failures %s", failures).isGreaterThanOrEqualTo(n);
        }

        void stopAndAwait() throws InterruptedException {
            MosnProcess.sleep(200); // a few more requests after the attack ended
            stop.set(true);
            thread.join(15_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(15_000);
            client.close();
        }
    }

    /**
     * An HTTP/2 client on a plain socket that writes whatever frames it is told to, HPACK-encoded with
     * Netty's encoder, and (optionally) reads and records the proxy's frames on a thread: statuses,
     * DATA, RST_STREAM, GOAWAY, PING/SETTINGS ACKs, and when the connection closed. It advertises huge
     * flow-control windows so it never has to send WINDOW_UPDATE. Closed by a watchdog after 140 s.
     */
    static final class RawH2 implements AutoCloseable {
        static final int DATA = 0x0, HEADERS = 0x1, RST_STREAM = 0x3, SETTINGS = 0x4, PING = 0x6, GOAWAY = 0x7,
                WINDOW_UPDATE = 0x8, CONTINUATION = 0x9;
        static final String[] NAMES = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
                "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};

        private final Socket socket;
        private final OutputStream out;
        private final Http2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
        private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
        private Thread reader;

        final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final Map<Integer, Long> resets = new ConcurrentHashMap<>();
        final Map<Integer, ByteArrayOutputStream> bodies = new ConcurrentHashMap<>();
        final Map<Integer, Boolean> ended = new ConcurrentHashMap<>();
        final AtomicLong goAwayCode = new AtomicLong(-1);
        final AtomicLong goAwayLastStream = new AtomicLong(-1);
        final AtomicLong pingAcks = new AtomicLong();
        final AtomicLong settingsAcks = new AtomicLong();
        final AtomicLong[] frameCounts = new AtomicLong[10];
        final AtomicBoolean closed = new AtomicBoolean();
        private final CountDownLatch closedLatch = new CountDownLatch(1);
        private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
        private volatile String closeReason = "";

        /** {@code rcvBuf > 0} sets SO_RCVBUF before connecting (a client that reads slowly or not at all). */
        RawH2(int port, int rcvBuf, boolean read) throws IOException {
            for (int i = 0; i < frameCounts.length; i++) {
                frameCounts[i] = new AtomicLong();
            }
            socket = new Socket();
            if (rcvBuf > 0) {
                socket.setReceiveBufferSize(rcvBuf);
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            out = socket.getOutputStream();
            Thread.ofPlatform().daemon().name("raw-h2-watchdog").start(() -> {
                MosnProcess.sleep(140_000);
                closeQuietly();
            });
            ByteBuf b = Unpooled.buffer();
            b.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteBuf s = Unpooled.buffer();
            s.writeShort(0x2).writeInt(0);            // SETTINGS_ENABLE_PUSH 0
            s.writeShort(0x4).writeInt(0x7fffffff);   // SETTINGS_INITIAL_WINDOW_SIZE max
            frame(b, SETTINGS, 0, 0, s);
            ByteBuf w = Unpooled.buffer().writeInt(0x7fffffff - 65_535);
            frame(b, WINDOW_UPDATE, 0, 0, w);
            write(b);
            if (read) {
                startReader();
            }
        }

        synchronized void write(ByteBuf b) throws IOException {
            try {
                out.write(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
                out.flush();
            } finally {
                b.release();
            }
        }

        static void frame(ByteBuf out, int type, int flags, int streamId, ByteBuf payload) {
            int len = payload == null ? 0 : payload.readableBytes();
            out.writeMedium(len).writeByte(type).writeByte(flags).writeInt(streamId);
            if (payload != null) {
                out.writeBytes(payload);
                payload.release();
            }
        }

        /** HEADERS (+ CONTINUATION frames past 16 KiB), END_STREAM when asked. */
        void headers(ByteBuf out, int streamId, Http2Headers headers, boolean endStream) {
            ByteBuf block = Unpooled.buffer();
            try {
                encoder.encodeHeaders(streamId, headers, block);
            } catch (Http2Exception e) {
                throw new IllegalStateException(e);
            }
            boolean first = true;
            do {
                int n = Math.min(16_384, block.readableBytes());
                boolean last = n == block.readableBytes();
                int flags = (last ? 0x4 : 0) | (first && endStream ? 0x1 : 0);
                frame(out, first ? HEADERS : CONTINUATION, flags, streamId, block.readRetainedSlice(n));
                first = false;
            } while (block.isReadable());
            block.release();
        }

        void rst(ByteBuf out, int streamId, long code) {
            frame(out, RST_STREAM, 0, streamId, Unpooled.buffer(4).writeInt((int) code));
        }

        void ping(ByteBuf out, long data) {
            frame(out, PING, 0, 0, Unpooled.buffer(8).writeLong(data));
        }

        void settings(ByteBuf out) {
            frame(out, SETTINGS, 0, 0, null);
        }

        void data(ByteBuf out, int streamId, byte[] payload, boolean endStream) {
            frame(out, DATA, endStream ? 0x1 : 0, streamId, Unpooled.wrappedBuffer(payload));
        }

        void note(String s) {
            notes.add(s);
        }

        /** GOAWAY received or the connection closed. */
        boolean cutOff() {
            return goAwayCode.get() >= 0 || closed.get();
        }

        void startReader() {
            reader = Thread.ofPlatform().daemon().name("raw-h2-reader").start(this::readLoop);
        }

        private void readLoop() {
            Map<Integer, ByteArrayOutputStream> blocks = new java.util.HashMap<>();
            try {
                socket.setSoTimeout(30_000);
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] head = new byte[9];
                while (true) {
                    in.readFully(head);
                    int len = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                    int type = head[3] & 0xff;
                    int flags = head[4] & 0xff;
                    int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
                    if (len > (1 << 24)) {
                        throw new IOException("frame too long: " + len);
                    }
                    byte[] p = new byte[len];
                    in.readFully(p);
                    if (type < frameCounts.length) {
                        frameCounts[type].incrementAndGet();
                    }
                    switch (type) {
                        case DATA -> {
                            int off = 0, end = len;
                            if ((flags & 0x8) != 0) {
                                off = 1;
                                end -= p[0] & 0xff;
                            }
                            bodies.computeIfAbsent(stream, k -> new ByteArrayOutputStream()).write(p, off, end - off);
                            if ((flags & 0x1) != 0) {
                                ended.put(stream, true);
                            }
                        }
                        case HEADERS, CONTINUATION -> {
                            int off = 0, end = len;
                            if (type == HEADERS && (flags & 0x8) != 0) {
                                off = 1;
                                end -= p[0] & 0xff;
                            }
                            if (type == HEADERS && (flags & 0x20) != 0) {
                                off += 5;
                            }
                            blocks.computeIfAbsent(stream, k -> new ByteArrayOutputStream()).write(p, off, end - off);
                            if (type == HEADERS && (flags & 0x1) != 0) {
                                ended.put(stream, true);
                            }
                            if ((flags & 0x4) != 0) {
                                Http2Headers h = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(blocks.remove(stream).toByteArray()));
                                if (h.status() != null && !statuses.containsKey(stream)) {
                                    statuses.put(stream, Integer.parseInt(h.status().toString()));
                                }
                            }
                        }
                        case RST_STREAM -> resets.put(stream, readInt(p, 0) & 0xffffffffL);
                        case SETTINGS -> {
                            if ((flags & 0x1) != 0) {
                                settingsAcks.incrementAndGet();
                            } else {
                                ByteBuf ack = Unpooled.buffer(9);
                                frame(ack, SETTINGS, 0x1, 0, null);
                                write(ack);
                            }
                        }
                        case PING -> {
                            if ((flags & 0x1) != 0) {
                                pingAcks.incrementAndGet();
                            }
                        }
                        case GOAWAY -> {
                            goAwayLastStream.set(readInt(p, 0) & 0x7fffffff);
                            goAwayCode.set(readInt(p, 4) & 0xffffffffL);
                            if (len > 8) {
                                note("GOAWAY debug data: " + new String(p, 8, len - 8, StandardCharsets.UTF_8));
                            }
                        }
                        default -> {
                        }
                    }
                }
            } catch (EOFException e) {
                closeReason = "EOF";
            } catch (SocketTimeoutException e) {
                closeReason = "read timeout (connection still open after 30 s idle)";
                return; // not closed by the proxy
            } catch (IOException e) {
                closeReason = e.getMessage();
            } catch (Http2Exception e) {
                closeReason = "cannot decode the proxy's headers: " + e;
            }
            closed.set(true);
            closedLatch.countDown();
        }

        private static int readInt(byte[] p, int off) {
            return ((p[off] & 0xff) << 24) | ((p[off + 1] & 0xff) << 16) | ((p[off + 2] & 0xff) << 8) | (p[off + 3] & 0xff);
        }

        boolean awaitClosed(Duration timeout) throws InterruptedException {
            return closedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Until the stream got a status or a reset. */
        boolean awaitStream(int stream, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!statuses.containsKey(stream) && !resets.containsKey(stream) && System.nanoTime() < deadline && !closed.get()) {
                MosnProcess.sleep(5);
            }
            return statuses.containsKey(stream) || resets.containsKey(stream);
        }

        boolean awaitEnd(int stream, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ended.containsKey(stream) && !resets.containsKey(stream) && System.nanoTime() < deadline && !closed.get()) {
                MosnProcess.sleep(5);
            }
            return ended.containsKey(stream);
        }

        String bodyText(int stream) {
            ByteArrayOutputStream b = bodies.get(stream);
            return b == null ? null : b.toString(StandardCharsets.UTF_8);
        }

        String goAwayDescription() {
            long code = goAwayCode.get();
            if (code < 0) {
                return "none";
            }
            Http2Error e = Http2Error.valueOf(code);
            long last = goAwayLastStream.get();
            return (e == null ? "0x" + Long.toHexString(code) : e.name() + " (0x" + Long.toHexString(code) + ")")
                    + (last == Integer.MAX_VALUE ? " last-stream 2^31-1 (hard shutdown)" : " last-stream " + last);
        }

        /** Frames received by type, RST_STREAM codes, close reason, notes. */
        String summary() {
            StringBuilder sb = new StringBuilder("received {");
            for (int i = 0; i < frameCounts.length; i++) {
                if (frameCounts[i].get() > 0) {
                    sb.append(NAMES[i]).append('=').append(frameCounts[i].get()).append(' ');
                }
            }
            Map<Long, Integer> codes = new java.util.TreeMap<>();
            resets.values().forEach(c -> codes.merge(c, 1, Integer::sum));
            sb.append("} RST_STREAM codes ").append(codes).append(", GOAWAY ").append(goAwayDescription())
                    .append(", closed=").append(closed.get()).append(closed.get() ? " (" + closeReason + ")" : "");
            if (!notes.isEmpty()) {
                sb.append(", notes ").append(notes);
            }
            return sb.toString();
        }

        private void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        @Override
        public void close() throws InterruptedException {
            closeQuietly();
            if (reader != null) {
                reader.join(5000);
            }
        }
    }
}
