package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.sleep;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mosn4j.it.NettyHttpBackend.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12 through the real {@code bin/mosn} with real backends: each MOSN balancer's distribution
 * over thousands of requests (bounds stated at each assertion), consistent hashing by the route's
 * {@code hash_policy}, active health checks (TCP and HTTP) flipping a stopped and restarted backend
 * out of and back into rotation, outlier ejection ({@code fault_tolerance}) and its return, the
 * circuit breakers' counted refusals under real concurrency, subset balancing, and a cluster
 * updated at runtime keeping its hosts' connections and health. One event loop
 * ({@code processor: 1}), so round-robin counts are exact.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UpstreamTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "main",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/rnd/"}, "route": {"cluster_name": "rnd"}},
                    {"match": {"prefix": "/rr/"}, "route": {"cluster_name": "rr"}},
                    {"match": {"prefix": "/wrr/"}, "route": {"cluster_name": "wrr"}},
                    {"match": {"prefix": "/lr/"}, "route": {"cluster_name": "lr", "timeout": "20s"}},
                    {"match": {"prefix": "/lc/"}, "route": {"cluster_name": "lc"}},
                    {"match": {"prefix": "/ewma/"}, "route": {"cluster_name": "ewma"}},
                    {"match": {"prefix": "/maglev/"}, "route": {"cluster_name": "maglev", "hash_policy": [{"header": {"key": "x-user"}}]}},
                    {"match": {"prefix": "/ring/"}, "route": {"cluster_name": "ring", "hash_policy": [{"cookie": {"name": "session"}}]}},
                    {"match": {"prefix": "/by-ip/"}, "route": {"cluster_name": "maglev"}},
                    {"match": {"prefix": "/reqrr/"}, "route": {"cluster_name": "reqrr"}},
                    {"match": {"prefix": "/subset/"}, "route": {"cluster_name": "subset"}},
                    {"match": {"prefix": "/hc/"}, "route": {"cluster_name": "hc"}},
                    {"match": {"prefix": "/tcphc/"}, "route": {"cluster_name": "tcphc"}},
                    {"match": {"prefix": "/cb/"}, "route": {"cluster_name": "cb", "timeout": "20s"}},
                    {"match": {"prefix": "/pending/"}, "route": {"cluster_name": "pending", "timeout": "20s"}},
                    {"match": {"prefix": "/upd/"}, "route": {"cluster_name": "upd"}},
                    {"match": {"prefix": "/outlier/"}, "route": {"cluster_name": "outlier"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "main", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "ft", "address": "127.0.0.1:${FT_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}],
                   "stream_filters": [{"type": "fault_tolerance", "config": {"enabled": true, "timeWindow": 300,
                     "leastWindowCount": 5, "exceptionRateMultiple": 1.5, "recoverTime": 6000}}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "rnd", "lb_type": "LB_RANDOM", "hosts": [{"address": "${A}", "weight": 1}, {"address": "${B}", "weight": 3}]},
                {"name": "rr", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${A}", "weight": 1}, {"address": "${B}", "weight": 2}, {"address": "${C}", "weight": 3}]},
                {"name": "wrr", "lb_type": "LB_WEIGHTED_ROUNDROBIN", "hosts": [{"address": "${A}", "weight": 1}, {"address": "${B}", "weight": 2}, {"address": "${C}", "weight": 3}]},
                {"name": "lr", "lb_type": "LB_LEAST_REQUEST", "hosts": [{"address": "${A}"}, {"address": "${B}"}, {"address": "${SLOW}"}]},
                {"name": "lc", "lb_type": "LB_LEAST_CONNECTION", "hosts": [{"address": "${A}", "weight": 1}, {"address": "${B}", "weight": 3}]},
                {"name": "ewma", "lb_type": "LB_PEAK_EWMA", "lbconfig": {"choice_count": 3},
                 "hosts": [{"address": "${A}"}, {"address": "${B}"}, {"address": "${SLOW}"}]},
                {"name": "maglev", "lb_type": "LB_MAGLEV", "hosts": [{"address": "${A}"}, {"address": "${B}"}, {"address": "${C}"}]},
                {"name": "ring", "lb_type": "LB_RINGHASH", "hosts": [{"address": "${A}"}, {"address": "${B}"}, {"address": "${C}"}]},
                {"name": "reqrr", "lb_type": "LB_REQUEST_ROUNDROBIN", "hosts": [{"address": "${B}"}, {"address": "${A}"}, {"address": "${C}"}]},
                {"name": "subset", "lb_type": "LB_ROUNDROBIN",
                 "lb_subset_config": {"fall_back_policy": 1, "subset_selectors": [["version"]]},
                 "hosts": [{"address": "${A}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v1"}}}},
                           {"address": "${B}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v2"}}}}]},
                {"name": "hc", "lb_type": "LB_ROUNDROBIN",
                 "health_check": {"protocol": "Http1", "service_name": "hc", "timeout": "500ms", "interval": "200ms",
                   "interval_jitter": "50ms", "healthy_threshold": 2, "unhealthy_threshold": 2, "event_log_path": "${HC_LOG}",
                   "check_config": {"http_check_config": {"path": "/health", "codes": [{"start": 200, "end": 299}]}}},
                 "hosts": [{"address": "${H1}"}, {"address": "${H2}"}, {"address": "${H3}"}]},
                {"name": "tcphc", "lb_type": "LB_LEAST_REQUEST",
                 "health_check": {"service_name": "tcphc", "timeout": "500ms", "interval": "200ms", "unhealthy_threshold": 1, "healthy_threshold": 1},
                 "hosts": [{"address": "${T1}"}, {"address": "127.0.0.1:${T2_PORT}"}]},
                {"name": "cb", "circuit_breakers": [{"max_requests": 5}], "hosts": [{"address": "${HOLD1}"}]},
                {"name": "pending", "circuit_breakers": [{"max_connections": 1, "max_pending_requests": 2}], "hosts": [{"address": "${HOLD2}"}]},
                {"name": "upd", "lb_type": "LB_ROUNDROBIN",
                 "health_check": {"service_name": "upd", "timeout": "500ms", "interval": "200ms"},
                 "hosts": [{"address": "${U1}"}, {"address": "${U2}"}, {"address": "127.0.0.1:${DEAD}"}]},
                {"name": "outlier", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${O1}"}, {"address": "${O2}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Map<String, NettyHttpBackend> backends = new ConcurrentHashMap<>();
    /** Whether each hc backend answers its /health with 200 (else 503). */
    private static final Map<String, AtomicBoolean> healthy = new ConcurrentHashMap<>();
    private static MosnProcess mosn;
    private static int port;
    private static int ftPort;
    private static int admin;
    private static int t2Port;
    private static Path hcLog;

    @BeforeAll
    static void start() throws Exception {
        for (String n : new String[] {"a", "b", "c", "t1", "t2", "u1", "u2", "u3", "o1"}) {
            backends.put(n, NettyHttpBackend.start(n));
        }
        backends.put("slow", NettyHttpBackend.start("slow", r -> Response.text(200, "slow " + r.uri()).delayed(100)));
        backends.put("o2", NettyHttpBackend.start("o2", r -> Response.text(503, "o2 is failing")));
        backends.put("hold1", NettyHttpBackend.start("hold1"));
        backends.put("hold2", NettyHttpBackend.start("hold2"));
        for (String n : new String[] {"h1", "h2", "h3"}) {
            healthy.put(n, new AtomicBoolean(true));
            backends.put(n, NettyHttpBackend.start(n, 0, healthCheckable(n)));
        }
        t2Port = backends.get("t2").port();
        port = freePort();
        ftPort = freePort();
        admin = freePort();
        hcLog = Files.createTempDirectory("mosn-hc-").resolve("health.log");
        Map<String, Object> v = vars("PORT", port, "FT_PORT", ftPort, "ADMIN", admin, "HC_LOG", hcLog.toString(), "T2_PORT", t2Port,
                "DEAD", MosnProcess.deadPort());
        for (var e : backends.entrySet()) {
            v.put(e.getKey().toUpperCase(java.util.Locale.ROOT), e.getValue().address());
        }
        mosn = MosnProcess.builder().config(render(CONFIG, v)).args("-f", "debug_api=true").waitFor(port, ftPort, admin).probe(port).start();
    }

    /** A backend whose /health answers 200 or 503 as {@link #healthy} says; everything else is echoed. */
    private static java.util.function.Function<NettyHttpBackend.Request, Response> healthCheckable(String name) {
        return r -> r.uri().equals("/health")
                ? Response.text(healthy.get(name).get() ? 200 : 503, "health")
                : Response.text(200, name + " " + r.uri());
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
            backends.values().forEach(NettyHttpBackend::close);
        }
    }

    // ---- helpers

    /** {@code n} keep-alive GETs on one connection; the backends that answered, counted by name (status other than 200: "STATUS"). */
    static Map<String, Integer> spread(int listener, String path, int n, String... headerLines) throws Exception {
        Map<String, Integer> m = new LinkedHashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(listener)) {
            for (int i = 0; i < n; i++) {
                StringBuilder req = new StringBuilder("GET " + path + i + " HTTP/1.1\r\nHost: h\r\n");
                for (String h : headerLines) {
                    req.append(h).append("\r\n");
                }
                c.send(req.append("\r\n").toString());
                RawHttpClient.RawResponse r = c.readResponse();
                m.merge(r.status() == 200 ? r.header("x-backend") : String.valueOf(r.status()), 1, Integer::sum);
            }
        }
        return m;
    }

    static JsonNode stats() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/stats"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static long stat(String name) throws Exception {
        return stats().path(name).asLong();
    }

    static HttpResponse<String> update(String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/debug/update_config"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code condition} every 50 ms for up to {@code seconds}; false when it never held. */
    static boolean eventually(int seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            sleep(50);
        }
        return condition.getAsBoolean();
    }

    interface Check {
        boolean test() throws Exception;
    }

    static BooleanSupplier quietly(Check c) {
        return () -> {
            try {
                return c.test();
            } catch (Exception e) {
                return false;
            }
        };
    }

    // ---- balancers

    @Test
    void randomFollowsTheWeights() throws Exception {
        Map<String, Integer> m = spread(port, "/rnd/", 4_000);
        // weights 1:3 of 4,000: 1,000 and 3,000 expected, sd = sqrt(4000 * 1/4 * 3/4) = 27; +-250 is > 9 sd
        assertThat(m.get("a")).isBetween(750, 1_250);
        assertThat(m.get("b")).isBetween(2_750, 3_250);
    }

    @Test
    void roundRobinAndWeightedRoundRobinAreExact() throws Exception {
        // one event loop, whole cycles: exact shares (the schedule starts anywhere, which whole cycles hide)
        assertThat(spread(port, "/rr/", 6_000)).containsOnly(Map.entry("a", 1_000), Map.entry("b", 2_000), Map.entry("c", 3_000));
        Map<String, Integer> wrr = spread(port, "/wrr/", 6_000);
        // EDF from a random starting point: each share within one pick of its weight
        assertThat(wrr.get("a")).isBetween(999, 1_001);
        assertThat(wrr.get("b")).isBetween(1_999, 2_001);
        assertThat(wrr.get("c")).isBetween(2_999, 3_001);
    }

    @Test
    void leastRequestSendsLessToTheSlowBackendUnderConcurrency() throws Exception {
        // 12 clients at once; "slow" holds each request 100 ms, a and b answer at once, so slow
        // always has requests in flight and loses most power-of-two draws. Round robin would give
        // it a third; bound: under a sixth
        int clients = 12;
        int each = 150;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Map<String, Integer>>> fs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                fs.add(pool.submit(() -> spread(port, "/lr/", each)));
            }
            Map<String, Integer> total = new HashMap<>();
            for (Future<Map<String, Integer>> f : fs) {
                f.get(60, TimeUnit.SECONDS).forEach((k, v) -> total.merge(k, v, Integer::sum));
            }
            assertThat(total.keySet()).containsOnly("a", "b", "slow");
            assertThat(total.get("slow")).isLessThan(clients * each / 6);
            assertThat(total.get("a") + total.get("b")).isGreaterThan(clients * each * 5 / 6);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void leastConnectionFollowsTheWeightsWhenConnectionsAreEven() throws Exception {
        // one client: each host ends up with one pooled connection, so weight / (connections + 1) keeps 1:3
        Map<String, Integer> m = spread(port, "/lc/", 4_000);
        assertThat(m.get("a")).isBetween(950, 1_050);
        assertThat(m.get("b")).isBetween(2_950, 3_050);
    }

    @Test
    void peakEwmaAvoidsTheSlowBackend() throws Exception {
        // choice_count 3 with three hosts: all are scored on every pick; slow's 100 ms latency loses
        // to a's and b's (under 1 ms) once each host has answered once
        Map<String, Integer> m = spread(port, "/ewma/", 600);
        assertThat(m.getOrDefault("slow", 0)).isLessThanOrEqualTo(3);
        assertThat(m.get("a") + m.get("b")).isGreaterThanOrEqualTo(597);
    }

    @Test
    void maglevKeepsEachUserOnOneBackendAndSpreadsUsers() throws Exception {
        Map<String, Integer> perBackend = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int user = 0; user < 300; user++) {
                String first = null;
                for (int i = 0; i < 3; i++) {
                    c.send("GET /maglev/" + i + " HTTP/1.1\r\nHost: h\r\nx-user: user-" + user + "\r\n\r\n");
                    String b = c.readResponse().header("x-backend");
                    if (first == null) {
                        first = b;
                        perBackend.merge(b, 1, Integer::sum);
                    }
                    assertThat(b).as("user-%d request %d", user, i).isEqualTo(first);
                }
            }
        }
        // 300 users over 3 equal hosts: 100 expected each, sd ~8; 60..140 is 5 sd
        assertThat(perBackend).hasSize(3);
        perBackend.values().forEach(n -> assertThat(n).isBetween(60, 140));
        // no hash_policy: MOSN's default is the client's address, so all of 127.0.0.1 goes one way
        assertThat(spread(port, "/by-ip/", 50)).hasSize(1);
    }

    @Test
    void ringHashKeysOnTheCookie() throws Exception {
        Map<String, Integer> perBackend = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int s = 0; s < 300; s++) {
                String first = null;
                for (int i = 0; i < 3; i++) {
                    c.send("GET /ring/" + i + " HTTP/1.1\r\nHost: h\r\nCookie: theme=dark; session=s" + s + "\r\n\r\n");
                    String b = c.readResponse().header("x-backend");
                    if (first == null) {
                        first = b;
                        perBackend.merge(b, 1, Integer::sum);
                    }
                    assertThat(b).as("session s%d request %d", s, i).isEqualTo(first);
                }
            }
        }
        assertThat(perBackend).hasSize(3);
        perBackend.values().forEach(n -> assertThat(n).isBetween(60, 140));
        // without the cookie: a random point per request
        assertThat(spread(port, "/ring/", 300)).hasSize(3);
    }

    @Test
    void requestRoundRobinSendsEverythingToTheFirstHost() throws Exception {
        assertThat(spread(port, "/reqrr/", 100)).containsOnly(Map.entry("b", 100));
    }

    @Test
    void subsetClusterWithoutAMatchUsesEveryHost() throws Exception {
        // the route has no metadata_match: every host, in round robin (the router's metadata_match picks subsets)
        assertThat(spread(port, "/subset/", 100)).containsOnly(Map.entry("a", 50), Map.entry("b", 50));
    }

    // ---- health checks

    @Test
    void httpHealthCheckTakesAFailingHostOutAndBringsItBack() throws Exception {
        assertThat(spread(port, "/hc/", 300)).containsOnly(Map.entry("h1", 100), Map.entry("h2", 100), Map.entry("h3", 100));
        healthy.get("h2").set(false); // /health answers 503 from now on; the backend itself still serves
        // two failed checks 200 ms apart (+ jitter): out within a second; wait until no request reaches it
        assertThat(eventually(10, quietly(() -> !spread(port, "/hc/", 30).containsKey("h2")))).isTrue();
        assertThat(spread(port, "/hc/", 300)).containsOnly(Map.entry("h1", 150), Map.entry("h3", 150));
        healthy.get("h2").set(true);
        assertThat(eventually(10, quietly(() -> spread(port, "/hc/", 30).containsKey("h2")))).isTrue();
        assertThat(spread(port, "/hc/", 300)).containsOnly(Map.entry("h1", 100), Map.entry("h2", 100), Map.entry("h3", 100));
        assertThat(stat("cluster.hc.health_check.attempt")).isPositive();
        assertThat(stat("cluster.hc.health_check.active_failure")).isGreaterThanOrEqualTo(2);
        // MOSN's health-check log: one line per check, the flip marked status_changed:1
        List<String> lines = Files.readAllLines(hcLog);
        assertThat(lines).anyMatch(l -> l.matches("time:\\d+,host:" + java.util.regex.Pattern.quote(backends.get("h2").address())
                + ",health_status:0,current_result:0,status_changed:1"));
        assertThat(lines).anyMatch(l -> l.contains("host:" + backends.get("h2").address() + ",health_status:1,current_result:1,status_changed:1"));
    }

    @Test
    void aStoppedBackendFlipsUnhealthyAndARestartedOneComesBack() throws Exception {
        // TCP checks; least request
        assertThat(spread(port, "/tcphc/", 200).keySet()).containsOnly("t1", "t2");
        backends.remove("t2").close();
        // until the check notices (a failed connect within 200 ms), a request may still find t2 dead (502);
        // after it, every request goes to t1 and none fails
        assertThat(eventually(10, quietly(() -> spread(port, "/tcphc/", 40).equals(Map.of("t1", 40))))).isTrue();
        assertThat(spread(port, "/tcphc/", 500)).containsOnly(Map.entry("t1", 500));
        NettyHttpBackend again = NettyHttpBackend.start("t2", t2Port, null);
        backends.put("t2", again);
        assertThat(eventually(10, quietly(() -> spread(port, "/tcphc/", 100).containsKey("t2")))).isTrue();
        assertThat(again.requests.get()).isPositive();
    }

    // ---- outlier ejection

    @Test
    void faultToleranceEjectsTheFailingHostAndLetsItBackAfterRecoverTime() throws Exception {
        // o2 answers 503 to everything; within a 300 ms window its exception rate (1.0) is twice the
        // cluster's (0.5) >= exceptionRateMultiple 1.5: ejected for recoverTime 6 s (long enough for the
        // checks below on a busy machine)
        assertThat(eventually(10, quietly(() -> {
            Map<String, Integer> m = spread(ftPort, "/outlier/", 20);
            return m.equals(Map.of("o1", 20));
        }))).as("o2 ejected: every request reaches o1").isTrue();
        assertThat(stat("cluster.outlier.outlier_detection.ejections")).isPositive();
        assertThat(spread(ftPort, "/outlier/", 100)).containsOnly(Map.entry("o1", 100));
        // after recoverTime o2 is back in rotation (and fails again): its 503s reach clients again
        assertThat(eventually(20, quietly(() -> spread(ftPort, "/outlier/", 20).containsKey("503")))).isTrue();
        assertThat(stat("cluster.outlier.outlier_detection.recoveries")).isPositive();
    }

    // ---- circuit breakers

    @Test
    void overflowingRequestsFailFastWith503AndAreCounted() throws Exception {
        long before = stat("cluster.cb.request_overflow");
        int n = 30;
        NettyHttpBackend hold = backends.get("hold1");
        int reachedBefore = hold.requests.get();
        CompletableFuture<Void> gate = hold.holdResponses();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(pool.submit(() -> {
                    try (RawHttpClient c = RawHttpClient.connect(port, 30_000)) {
                        return c.get("/cb/" + id).status();
                    }
                }));
            }
            // max_requests 5: five reach the backend and are held there; the other 25 are answered
            // while those five are still held, so they waited for nothing
            assertThat(eventually(30, () -> fs.stream().filter(Future::isDone).count() == n - 5)).as("25 answered while 5 are held").isTrue();
            assertThat(eventually(10, () -> hold.requests.get() - reachedBefore == 5)).as("requests the backend saw").isTrue();
            Map<Integer, Integer> early = new HashMap<>();
            for (Future<Integer> f : fs) {
                if (f.isDone()) {
                    early.merge(f.get(), 1, Integer::sum);
                }
            }
            assertThat(early).containsOnly(Map.entry(503, n - 5));
            assertThat(stat("cluster.cb.request_overflow") - before).isEqualTo(n - 5);
            gate.complete(null);
            Map<Integer, Integer> all = new HashMap<>();
            for (Future<Integer> f : fs) {
                all.merge(f.get(30, TimeUnit.SECONDS), 1, Integer::sum);
            }
            assertThat(all).containsOnly(Map.entry(200, 5), Map.entry(503, n - 5));
            assertThat(hold.requests.get() - reachedBefore).as("the refused never reached the backend").isEqualTo(5);
        } finally {
            gate.complete(null);
            pool.shutdownNow();
        }
    }

    @Test
    void pendingRequestsOverflowIsCounted() throws Exception {
        long before = stat("cluster.pending.request_pending_overflow");
        int n = 10;
        NettyHttpBackend hold = backends.get("hold2");
        int reachedBefore = hold.requests.get();
        CompletableFuture<Void> gate = hold.holdResponses();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(pool.submit(() -> {
                    try (RawHttpClient c = RawHttpClient.connect(port, 30_000)) {
                        return c.get("/pending/" + id).status();
                    }
                }));
                if (i == 0) {
                    // the first has the one connection (and is held there) before the others come;
                    // while that connection is still being opened, the first waits as a pending request too
                    assertThat(eventually(10, () -> hold.requests.get() - reachedBefore == 1)).isTrue();
                }
            }
            // max_connections 1, max_pending_requests 2: one in flight on the one connection (held),
            // two waiting for it, seven refused at once
            assertThat(eventually(30, () -> fs.stream().filter(Future::isDone).count() == n - 3)).as("7 answered while 3 wait").isTrue();
            assertThat(eventually(10, () -> hold.requests.get() - reachedBefore == 1)).isTrue();
            assertThat(stat("cluster.pending.request_pending_overflow") - before).isEqualTo(n - 3);
            gate.complete(null);
            Map<Integer, Integer> statuses = new HashMap<>();
            for (Future<Integer> f : fs) {
                statuses.merge(f.get(30, TimeUnit.SECONDS), 1, Integer::sum);
            }
            // the two waiting are served in turn on the one connection once it is free
            assertThat(statuses).containsOnly(Map.entry(200, 3), Map.entry(503, n - 3));
            assertThat(hold.requests.get() - reachedBefore).isEqualTo(3);
            assertThat(hold.connections.get()).as("max_connections 1").isEqualTo(1);
        } finally {
            gate.complete(null);
            pool.shutdownNow();
        }
    }

    // ---- runtime updates

    @Test
    void weightChangesAddedAndRemovedHostsTakeEffectWhileConnectionsAndHealthSurviveTheUpdate() throws Exception {
        // the third host is dead: the TCP checks take it out, after which u1 and u2 share evenly
        assertThat(eventually(10, quietly(() -> spread(port, "/upd/", 40).equals(Map.of("u1", 20, "u2", 20))))).isTrue();
        int u1Connections = backends.get("u1").requestConnections.get();
        int u2Connections = backends.get("u2").requestConnections.get();
        String dead = render("127.0.0.1:${D}", vars("D", deadPortOf()));
        HttpResponse<String> r = update("""
                {"type": "cluster", "config": {"name": "upd", "lb_type": "LB_ROUNDROBIN",
                  "health_check": {"service_name": "upd", "timeout": "500ms", "interval": "200ms"},
                  "hosts": [{"address": "%s", "weight": 1}, {"address": "%s", "weight": 3}, {"address": "%s", "weight": 4}]}}
                """.formatted(backends.get("u1").address(), backends.get("u2").address(), dead));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // at once: the new weights (1:3, whole cycles of 4), and the dead host still out: its health survived the update
        assertThat(spread(port, "/upd/", 400)).containsOnly(Map.entry("u1", 100), Map.entry("u2", 300));
        // and the pooled connections to the hosts that stayed were kept, not reopened
        // (health checks connect too, but send nothing: only connections that carried requests count)
        assertThat(backends.get("u1").requestConnections.get()).isEqualTo(u1Connections);
        assertThat(backends.get("u2").requestConnections.get()).isEqualTo(u2Connections);

        // a host added (u3) and two removed (u2, the dead one): u3 takes traffic once its first
        // check passed, u2 gets no more, and u1 still uses the connection it had
        r = update("""
                {"type": "cluster", "config": {"name": "upd", "lb_type": "LB_ROUNDROBIN",
                  "health_check": {"service_name": "upd", "timeout": "500ms", "interval": "200ms"},
                  "hosts": [{"address": "%s"}, {"address": "%s"}]}}
                """.formatted(backends.get("u1").address(), backends.get("u3").address()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        int u2Requests = backends.get("u2").requests.get();
        assertThat(eventually(10, quietly(() -> spread(port, "/upd/", 40).equals(Map.of("u1", 20, "u3", 20))))).isTrue();
        assertThat(spread(port, "/upd/", 400)).containsOnly(Map.entry("u1", 200), Map.entry("u3", 200));
        assertThat(backends.get("u2").requests.get()).as("a removed host gets nothing").isEqualTo(u2Requests);
        assertThat(backends.get("u1").requestConnections.get()).as("u1's pooled connection survived both updates").isEqualTo(u1Connections);
    }

    private static int deadPortOf() throws Exception {
        // the dead host as the file named it: read it back from the live config
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode c : JSON.readTree(r.body()).path("cluster_manager").path("clusters")) {
            if (c.path("name").asText().equals("upd")) {
                String a = c.path("hosts").get(2).path("address").asText();
                return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("no cluster upd in the config dump");
    }

    @Test
    void everyBalancerIsInTheConfigDumpAsWritten() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump")).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, String> lbs = new HashMap<>();
        for (JsonNode c : JSON.readTree(r.body()).path("cluster_manager").path("clusters")) {
            lbs.put(c.path("name").asText(), c.path("lb_type").asText());
        }
        assertThat(lbs).containsEntry("ewma", "LB_PEAK_EWMA").containsEntry("ring", "LB_RINGHASH").containsEntry("lc", "LB_LEAST_CONNECTION");
        assertThat(lbs).hasSize(16);
    }
}
