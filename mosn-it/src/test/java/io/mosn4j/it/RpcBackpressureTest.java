package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10's RPC limits through the real {@code bin/mosn}, run with {@code -Xmx256m}, for bolt,
 * dubbo and tars, with clients and upstreams that speak the exact bytes ({@link RpcWire},
 * {@link RpcUpstream}):
 *
 * <ul>
 *   <li>clients pushing 1 MiB requests at an upstream that never reads are paused (the upstream
 *       connection's buffer is full) for 30 s, RSS stays bounded, and a well-behaved client on
 *       another connection is answered every time;</li>
 *   <li>a client that does not read its answers is not read either, and gets every answer once it
 *       reads again;</li>
 *   <li>past {@code max_concurrent_requests} a request is answered at once with the protocol's
 *       overflow error;</li>
 *   <li>when connections together hold more partial frames than
 *       {@code partial_frames_buffer_limit_bytes}, the one holding the largest is closed.</li>
 * </ul>
 *
 * Each refusal is checked in its counter at {@code GET /api/v1/stats}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcBackpressureTest {
    static final int MIB = 1 << 20;
    static final int KIB = 1 << 10;
    /**
     * The RSS the README states for a stalled upstream and for a client not reading (mosn with
     * -Xmx256m and paranoid leak detection, a fresh process per scenario): the JVM's heap, code and
     * Netty's pools, with nothing held for the stalled upstream but its connection's buffer and the
     * requests still queued. Without backpressure the stalled scenario ran into the 256 MiB direct
     * memory limit (RSS near 400 MiB) within seconds.
     */
    static final long RSS_LIMIT_MIB = 200;
    /**
     * For the upstream that never answers, where 20 MiB/s go through for 30 s: the heap grows
     * further under that traffic (paranoid leak detection records every buffer's accesses); direct
     * memory stays small, as the requests waiting hold only their headers.
     */
    static final long RSS_LIMIT_THROUGHPUT_MIB = 300;
    /** {@code max_concurrent_requests} on the {@code *_capped} listeners. */
    static final int CAP = 4;
    /** {@code partial_frames_buffer_limit_bytes} of the second mosn. */
    static final int PARTIAL_LIMIT = 8 * MIB;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                ${SERVER_EXTRA}
                "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                  ${ROUTES}
                ]}]}],
                "listeners": [
                  ${LISTENERS}
                ]
              }],
              "cluster_manager": {"clusters": [
                ${CLUSTERS}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    static final List<RpcWire> WIRES = List.of(RpcWire.BOLT, RpcWire.DUBBO, RpcWire.TARS);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final Map<String, Map<RpcUpstream.Mode, RpcUpstream>> upstreams = new HashMap<>();
    /** The mosn of the limit tests: defaults but for the capped listeners. */
    private static Mosn main;
    /** A second mosn whose partial_frames_buffer_limit_bytes is {@link #PARTIAL_LIMIT}. */
    private static Mosn tight;

    /** A running mosn with its listener ports by name and its admin port. */
    record Mosn(MosnProcess process, Map<String, Integer> ports, int admin) {
        int port(String listener) {
            return ports.get(listener);
        }

        JsonNode stats() throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return new ObjectMapper().readTree(r.body());
        }

        long counter(String name) throws Exception {
            JsonNode v = stats().get(name);
            return v == null ? 0 : v.asLong();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        for (RpcWire w : WIRES) {
            Map<RpcUpstream.Mode, RpcUpstream> byMode = new EnumMap<>(RpcUpstream.Mode.class);
            for (RpcUpstream.Mode m : RpcUpstream.Mode.values()) {
                byMode.put(m, new RpcUpstream(w, m));
            }
            upstreams.put(w.name(), byMode);
        }
        main = startMosn("");
        tight = startMosn("\"partial_frames_buffer_limit_bytes\": " + PARTIAL_LIMIT + ",");
    }

    /**
     * A mosn with, per protocol, a listener of defaults ({@code bolt}), one with
     * {@code max_concurrent_requests} {@link #CAP} ({@code bolt_capped}; dubbo's in MOSN's
     * per-protocol form, under its name), and a route per upstream mode ({@code bolt.stalled} to
     * the bolt upstream that never reads, ...).
     */
    private static Mosn startMosn(String serverExtra) throws Exception {
        StringBuilder routes = new StringBuilder();
        StringBuilder listeners = new StringBuilder();
        StringBuilder clusters = new StringBuilder();
        Map<String, Integer> ports = new HashMap<>();
        List<Integer> wait = new ArrayList<>();
        for (RpcWire w : WIRES) {
            for (var e : upstreams.get(w.name()).entrySet()) {
                String cluster = w.name() + "_" + e.getKey().name().toLowerCase();
                String timeout = e.getKey() == RpcUpstream.Mode.ECHO || e.getKey() == RpcUpstream.Mode.MIRROR ? "20s" : "2s";
                sep(routes).append("{\"match\": {\"headers\": [{\"name\": \"service\", \"value\": \"").append(service(w, e.getKey()))
                        .append("\"}]}, \"route\": {\"cluster_name\": \"").append(cluster).append("\", \"timeout\": \"").append(timeout).append("\"}}");
                sep(clusters).append("{\"name\": \"").append(cluster).append("\", \"type\": \"SIMPLE\", \"hosts\": [{\"address\": \"")
                        .append(e.getValue().address()).append("\"}]}");
                if (e.getKey() == RpcUpstream.Mode.SWALLOW) {
                    // the same upstream with a long timeout: requests wait 20 s for an answer
                    sep(routes).append("{\"match\": {\"headers\": [{\"name\": \"service\", \"value\": \"").append(service(w, e.getKey()))
                            .append(".long\"}]}, \"route\": {\"cluster_name\": \"").append(cluster).append("\", \"timeout\": \"20s\"}}");
                }
            }
            String cap = w == RpcWire.DUBBO ? "\"dubbo\": {\"max_concurrent_requests\": " + CAP + "}" : "\"max_concurrent_requests\": " + CAP;
            for (String name : List.of(w.name(), w.name() + "_capped")) {
                int port = freePort();
                ports.put(name, port);
                wait.add(port);
                String ext = name.endsWith("_capped") ? ", \"extend_config\": {" + cap + "}" : "";
                sep(listeners).append("{\"name\": \"").append(name).append("\", \"address\": \"127.0.0.1:").append(port)
                        .append("\", \"filter_chains\": [{\"filters\": [{\"type\": \"proxy\", \"config\": {\"downstream_protocol\": \"")
                        .append(w.name()).append("\", \"upstream_protocol\": \"").append(w.name())
                        .append("\", \"router_config_name\": \"rpc\"").append(ext).append("}}]}]}");
            }
        }
        int admin = freePort();
        wait.add(admin);
        String config = render(CONFIG, vars("SERVER_EXTRA", serverExtra, "ROUTES", routes, "LISTENERS", listeners,
                "CLUSTERS", clusters, "ADMIN", admin));
        MosnProcess p = MosnProcess.builder().config(config).javaOpts("-Xmx256m")
                .waitFor(wait.stream().mapToInt(Integer::intValue).toArray()).start();
        return new Mosn(p, ports, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (Mosn m : new Mosn[] {main, tight}) {
                if (m != null) {
                    Files.writeString(Path.of("target", "RpcBackpressureTest-mosn-" + (m == main ? "main" : "tight") + ".log"), m.process().output());
                    m.process().stopCleanly();
                }
            }
        } finally {
            for (Mosn m : new Mosn[] {main, tight}) {
                if (m != null) {
                    m.process().close();
                }
            }
            for (var byMode : upstreams.values()) {
                for (RpcUpstream u : byMode.values()) {
                    u.close();
                }
            }
        }
    }

    private static StringBuilder sep(StringBuilder b) {
        if (!b.isEmpty()) {
            b.append(",\n");
        }
        return b;
    }

    static String service(RpcWire w, RpcUpstream.Mode m) {
        return w.name() + "." + m.name().toLowerCase();
    }

    static RpcWire wire(String name) {
        return WIRES.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    static Socket connect(int port, int readTimeoutMillis) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        s.setSoTimeout(readTimeoutMillis);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Whether the peer closes {@code s} within {@code millis} (bytes arriving meanwhile are skipped). */
    static boolean closedWithin(Socket s, long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        byte[] buf = new byte[8192];
        while (System.nanoTime() < deadline) {
            s.setSoTimeout((int) Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000L)));
            try {
                if (s.getInputStream().read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                return true; // reset
            }
        }
        return false;
    }

    /** One call on a fresh connection to the protocol's echo upstream: answered, with its id, successfully. */
    static void assertServed(Mosn mosn, RpcWire w) throws IOException {
        try (Socket c = connect(mosn.port(w.name()), 10_000)) {
            c.getOutputStream().write(w.request(77, service(w, RpcUpstream.Mode.ECHO), 100));
            RpcWire.Answer a = w.read(new BufferedInputStream(c.getInputStream()));
            assertThat(a.id()).isEqualTo(77);
            assertThat(a.ok()).as("%s", a).isTrue();
        }
    }

    private static void assertRssBounded(Mosn mosn, RssSampler rss, long limitMib, String what) {
        assertThat(rss.maxMib()).as("max RSS of mosn (MiB) during %s; output tail:\n%s", what, mosn.process().tail())
                .isPositive().isLessThan(limitMib);
        assertThat(mosn.process().isAlive()).isTrue();
    }

    /** Runs {@code scenario} against a mosn of its own (defaults), so its RSS is the scenario's alone. */
    private static void withFreshMosn(Scenario scenario) throws Exception {
        Mosn mosn = startMosn("");
        try {
            scenario.run(mosn);
            mosn.process().stopCleanly();
        } finally {
            mosn.process().close();
        }
    }

    interface Scenario {
        void run(Mosn mosn) throws Exception;
    }

    // ---- an upstream that never reads ----

    /**
     * The scenario: four clients push 1 MiB requests as fast as their sockets take them at
     * an upstream that accepts its connection and never reads, for 30 s; a well-behaved client on
     * another connection calls a healthy upstream every 100 ms throughout. The upstream
     * connection's buffer fills, the clients feeding it are paused (requests that wait in the
     * connection's queue past their 2 s timeout get the protocol's timeout answer and are never
     * sent), mosn's RSS stays under {@link #RSS_LIMIT_MIB}, and every call of the well-behaved
     * client is answered promptly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void clientsPushingLargeRequestsAtAStalledUpstreamArePausedAndOthersAreServed(String protocol) throws Exception {
        withFreshMosn(mosn -> push(mosn, wire(protocol), RpcUpstream.Mode.STALLED));
    }

    /**
     * As above, at an upstream that reads everything at once and never answers within the 20 s
     * timeout, each client sending 5 requests a second: the upstream connection never fills, so
     * nobody is paused, and up to 400 requests (400 MiB of payload) wait for their answers at once.
     * What bounds memory is that a request written out keeps only its headers while it waits:
     * before, their payloads alone filled mosn's 256 MiB of direct memory and calls failed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void clientsPushingLargeRequestsAtAnUpstreamThatNeverAnswersHoldOnlyTheirHeaders(String protocol) throws Exception {
        withFreshMosn(mosn -> push(mosn, wire(protocol), RpcUpstream.Mode.SWALLOW));
    }

    private static void push(Mosn mosn, RpcWire w, RpcUpstream.Mode upstream) throws Exception {
        String protocol = w.name();
        boolean stalled = upstream == RpcUpstream.Mode.STALLED;
        int port = mosn.port(protocol);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong pushed = new AtomicLong();
        AtomicLong timeouts = new AtomicLong();
        ConcurrentLinkedQueue<String> pusherSaw = new ConcurrentLinkedQueue<>();
        List<Socket> pushSockets = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        byte[][] frames = new byte[32][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = w.request(i + 1, service(w, upstream) + (stalled ? "" : ".long"), MIB);
        }
        List<String> failures = new ArrayList<>();
        int served = 0;
        long maxLatency = 0;
        try (RssSampler rss = new RssSampler(mosn.process())) {
            for (int c = 0; c < 4; c++) {
                Socket s = connect(port, 0);
                pushSockets.add(s);
                threads.add(Thread.ofPlatform().daemon().name("pusher-" + c).start(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        long start = System.nanoTime();
                        for (int i = 0; running.get(); i++) {
                            out.write(frames[i % frames.length]);
                            pushed.incrementAndGet();
                            if (!stalled) {
                                long due = start + i * (1_000_000_000L / 5);
                                long wait = due - System.nanoTime();
                                if (wait > 0) {
                                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                }
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        // closed at the end
                    }
                }));
                threads.add(Thread.ofPlatform().daemon().name("pusher-reader-" + c).start(() -> {
                    try {
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        while (running.get()) {
                            RpcWire.Answer a = w.read(in);
                            if (a.status() == w.timeoutStatus()) {
                                timeouts.incrementAndGet();
                            } else {
                                pusherSaw.add(a.toString());
                            }
                        }
                    } catch (IOException e) {
                        // closed at the end
                    }
                }));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try (Socket good = connect(port, 10_000)) {
                InputStream in = new BufferedInputStream(good.getInputStream());
                for (int id = 1; System.nanoTime() < end; id++) {
                    long t0 = System.nanoTime();
                    good.getOutputStream().write(w.request(id, service(w, RpcUpstream.Mode.ECHO), 100));
                    try {
                        RpcWire.Answer a = w.read(in);
                        maxLatency = Math.max(maxLatency, (System.nanoTime() - t0) / 1_000_000);
                        if (a.id() != id || !a.ok()) {
                            failures.add("call " + id + ": " + a);
                        } else {
                            served++;
                        }
                    } catch (IOException e) {
                        failures.add("call " + id + ": " + e);
                        break;
                    }
                    Thread.sleep(100);
                }
            }
            rss.close();
            System.out.printf("RpcBackpressureTest: %s, 30 s of 4 clients pushing 1 MiB requests at an upstream that %s: %d MiB written by the"
                    + " clients, %d timeout answers; the well-behaved client served %d calls, slowest %d ms; mosn's max RSS %d MiB%n",
                    protocol, stalled ? "never reads" : "never answers", pushed.get(), timeouts.get(), served, maxLatency, rss.maxMib());
            assertThat(failures).as("the well-behaved client's failures").isEmpty();
            assertThat(served).as("calls of the well-behaved client served").isGreaterThan(100);
            assertThat(maxLatency).as("its slowest call (ms)").isLessThan(2000);
            assertThat(pusherSaw).as("the pushers get only timeouts").isEmpty();
            assertThat(timeouts.get()).as("timeout answers to the pushers").isPositive();
            if (!stalled) {
                // every request sent in the first 10 s timed out after 20 s, none was lost
                assertThat(timeouts.get()).as("timeout answers to the pushers").isGreaterThanOrEqualTo(4 * 5 * 9);
            }
            assertRssBounded(mosn, rss, stalled ? RSS_LIMIT_MIB : RSS_LIMIT_THROUGHPUT_MIB, "30 s of large requests at a " + protocol + " upstream that " + (stalled ? "never reads" : "never answers"));
            if (stalled) {
                assertThat(mosn.counter(protocol + ".downstream.read_paused_upstream_full")).isPositive();
                assertThat(mosn.counter(protocol + ".upstream.write_buffer_full")).isPositive();
                assertThat(mosn.counter(protocol + ".upstream.dropped_while_queued")).as("requests given up while queued, never sent").isPositive();
            }
        } finally {
            running.set(false);
            for (Socket s : pushSockets) {
                s.close();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    // ---- a client that does not read its answers ----

    /**
     * A client sends 600 requests of 64 KiB whose answers carry the 64 KiB back, and reads nothing
     * for 3 s: once its answers fill the connection's buffer mosn stops reading it (counted), so
     * what mosn holds is that buffer and the answers of requests already in flight. When the client
     * reads, it gets all 600 answers.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void aClientThatDoesNotReadItsAnswersIsNotReadUntilItDoes(String protocol) throws Exception {
        withFreshMosn(mosn -> notReading(mosn, wire(protocol)));
    }

    private static void notReading(Mosn mosn, RpcWire w) throws Exception {
        String protocol = w.name();
        int n = 600;
        try (RssSampler rss = new RssSampler(mosn.process()); Socket c = connect(mosn.port(protocol), 20_000)) {
            AtomicReference<Throwable> writeError = new AtomicReference<>();
            AtomicLong written = new AtomicLong();
            Thread writer = Thread.ofPlatform().daemon().name("not-reading-writer").start(() -> {
                try {
                    OutputStream out = c.getOutputStream();
                    for (int id = 1; id <= n; id++) {
                        out.write(w.request(id, service(w, RpcUpstream.Mode.MIRROR), 64 * KIB));
                        written.incrementAndGet();
                    }
                } catch (IOException e) {
                    writeError.set(e);
                }
            });
            Thread.sleep(3000);
            assertThat(mosn.counter(protocol + ".downstream.read_paused_client_not_reading")).as("paused for the client")
                    .isPositive();
            assertThat(written.get()).as("requests the client could write while not reading").isLessThan(n);
            InputStream in = new BufferedInputStream(c.getInputStream());
            Set<Long> ids = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                RpcWire.Answer a = w.read(in);
                assertThat(a.ok()).as("%s", a).isTrue();
                ids.add(a.id());
            }
            writer.join(10_000);
            assertThat(writeError.get()).isNull();
            assertThat(ids).hasSize(n).first().isEqualTo(1L);
            rss.close();
            System.out.printf("RpcBackpressureTest: %s, a client not reading 600 answers of 64 KiB: mosn's max RSS %d MiB%n", protocol, rss.maxMib());
            assertRssBounded(mosn, rss, RSS_LIMIT_MIB, "a " + protocol + " client not reading its answers");
        }
    }

    // ---- max_concurrent_requests ----

    /**
     * On a listener with {@code max_concurrent_requests} 4, four requests wait for an upstream that
     * never answers; the fifth and sixth are answered at once with the protocol's overflow error
     * (bolt 4, dubbo 40, tars -9), with their own ids; a one-way request past the limit is dropped;
     * all are counted. Once the four time out, the connection takes requests again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void requestsPastMaxConcurrentRequestsAreRefusedAtOnceWithTheOverflowError(String protocol) throws Exception {
        RpcWire w = wire(protocol);
        String counter = protocol + ".downstream.refused_max_concurrent_requests";
        long refusedBefore = main.counter(counter);
        try (Socket c = connect(main.port(protocol + "_capped"), 10_000)) {
            OutputStream out = c.getOutputStream();
            InputStream in = new BufferedInputStream(c.getInputStream());
            for (int id = 1; id <= CAP; id++) {
                out.write(w.request(id, service(w, RpcUpstream.Mode.SWALLOW), 100));
            }
            long t0 = System.nanoTime();
            out.write(w.request(CAP + 1, service(w, RpcUpstream.Mode.ECHO), 100));
            out.write(w.request(CAP + 2, service(w, RpcUpstream.Mode.ECHO), 100));
            out.write(w.oneway(CAP + 3, service(w, RpcUpstream.Mode.ECHO), 100));
            for (int id = CAP + 1; id <= CAP + 2; id++) {
                RpcWire.Answer a = w.read(in);
                assertThat(a.id()).isEqualTo(id);
                assertThat(a.status()).as("%s", a).isEqualTo(w.overflowStatus());
                if (w == RpcWire.DUBBO) {
                    assertThat(a.message()).isEqualTo("503|too many requests in flight on the connection");
                }
                if (w == RpcWire.TARS) {
                    assertThat(a.message()).isEqualTo("too many requests in flight on the connection");
                }
            }
            assertThat((System.nanoTime() - t0) / 1_000_000).as("refused at once, not after the 2 s timeouts").isLessThan(1500);
            for (int i = 1; i <= CAP; i++) {
                RpcWire.Answer a = w.read(in);
                assertThat(a.status()).as("%s", a).isEqualTo(w.timeoutStatus());
            }
            out.write(w.request(CAP + 4, service(w, RpcUpstream.Mode.ECHO), 100));
            RpcWire.Answer a = w.read(in);
            assertThat(a.id()).isEqualTo(CAP + 4);
            assertThat(a.ok()).as("%s", a).isTrue();
        }
        assertThat(main.counter(counter) - refusedBefore).as("refusals counted (two calls and a one-way)").isEqualTo(3);
    }

    // ---- partial_frames_buffer_limit_bytes ----

    /**
     * On a mosn whose partial frames may take 8 MiB together: one client sends 5 MiB of a 7 MiB
     * request and stops, another 4 MiB of another: together past the limit, so the connection with
     * the larger partial frame is closed (counted), the other stays open, and other clients are
     * served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void theConnectionWithTheLargestPartialFrameIsClosedWhenAllTogetherHoldTooMuch(String protocol) throws Exception {
        RpcWire w = wire(protocol);
        String counter = protocol + ".downstream.closed_partial_frames_limit";
        long closedBefore = tight.counter(counter);
        try (Socket larger = connect(tight.port(protocol), 10_000); Socket smaller = connect(tight.port(protocol), 10_000)) {
            larger.getOutputStream().write(w.partialRequest(1, service(w, RpcUpstream.Mode.ECHO), 7 * MIB, 5 * MIB));
            larger.getOutputStream().flush();
            assertThat(closedWithin(larger, 500)).as("5 MiB alone is within the limit").isFalse();
            assertServed(tight, w);
            smaller.getOutputStream().write(w.partialRequest(2, service(w, RpcUpstream.Mode.ECHO), 7 * MIB, 4 * MIB));
            smaller.getOutputStream().flush();
            assertThat(closedWithin(larger, 5000)).as("the connection holding 5 MiB is closed").isTrue();
            assertThat(closedWithin(smaller, 500)).as("the one holding 4 MiB stays").isFalse();
            assertServed(tight, w);
        }
        assertThat(tight.counter(counter) - closedBefore).isEqualTo(1);
        assertThat(tight.process().output()).contains(protocol + " connection from 127.0.0.1:")
                .contains("holds the largest partial frame while all connections together hold more than " + PARTIAL_LIMIT
                        + " bytes of partial frames (partial_frames_buffer_limit_bytes); closing it");
    }

    // ---- config ----

    @Test
    void badLimitsAreRefusedAtStartWithTheirPath() throws Exception {
        String listener = """
                {"servers": [{%s "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": []}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "router_config_name": "rpc", "extend_config": %s}}]}]}]}]}
                """;
        int port = freePort();
        assertRefused(String.format(listener, "", port, "{\"max_concurrent_requests\": -1}"),
                "servers[0].listeners[0].filter_chains[0].filters[0].config.extend_config.max_concurrent_requests: must be 1..2147483647, got -1");
        assertRefused(String.format(listener, "", port, "{\"bolt\": {\"max_concurrent_requests\": \"many\"}}"),
                "servers[0].listeners[0].filter_chains[0].filters[0].config.extend_config.bolt.max_concurrent_requests");
        assertRefused(String.format(listener, "\"partial_frames_buffer_limit_bytes\": -1,", port, "{}"),
                "servers[0].partial_frames_buffer_limit_bytes: must not be negative, got -1");
    }

    private static void assertRefused(String config, String message) throws Exception {
        Path file = MosnProcess.writeTemp("limits.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as(r.all()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains(message);
    }
}
