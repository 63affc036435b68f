package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.sleep;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.mosn4j.it.RawHttpClient.RawResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster's {@code circuit_breakers} through the real {@code bin/mosn} for HTTP/1.1, HTTP/2 and
 * gRPC clients: {@code max_requests} refuses with 503 (gRPC: UNAVAILABLE) while the held request
 * completes; {@code max_connections} with {@code max_pending_requests} makes requests wait for a
 * connection and refuses them once the queue is full; {@code max_connections} holds at the
 * backend under five times as many concurrent requests, and starves no event loop;
 * {@code max_retries} bounds the retries in flight. The RPC protocols' overflow answers are in
 * their own tests' {@code readmeErrorTableOverflow}.
 *
 * <p>Backends hold requests until the test lets them go, and say when one arrived: nothing is
 * decided by waiting a fixed time.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CircuitBreakerTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "http",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/limited/"}, "route": {"cluster_name": "limited", "timeout": "30s"}},
                    {"match": {"prefix": "/pending/"}, "route": {"cluster_name": "pending", "timeout": "30s"}},
                    {"match": {"prefix": "/capped/"}, "route": {"cluster_name": "capped", "timeout": "30s"}},
                    {"match": {"prefix": "/retry/"}, "route": {"cluster_name": "retry", "timeout": "30s"}}
                  ]}]
                }, {
                  "router_config_name": "grpc",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/cb.Echo/"}, "route": {"cluster_name": "grpc_limited", "timeout": "30s"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "grpc", "address": "127.0.0.1:${GRPC}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "grpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "limited", "type": "SIMPLE", "circuit_breakers": [{"max_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${LIMITED}"}]},
                {"name": "pending", "type": "SIMPLE", "circuit_breakers": [{"max_connections": 1, "max_pending_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${PENDING}"}]},
                {"name": "capped", "type": "SIMPLE", "circuit_breakers": [{"max_connections": 2}],
                 "hosts": [{"address": "127.0.0.1:${CAPPED}"}]},
                {"name": "retry", "type": "SIMPLE", "circuit_breakers": [{"max_retries": 1}],
                 "hosts": [{"address": "127.0.0.1:${RETRY}"}]},
                {"name": "grpc_limited", "type": "SIMPLE", "circuit_breakers": [{"max_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${GRPC_BACKEND}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    /** "Answered at once": far below the 30 s route timeouts, with room for a loaded machine. */
    static final long QUICK_MILLIS = 10_000;

    static final MethodDescriptor<byte[], byte[]> HELD = GrpcProxyTest.method("cb.Echo", "Held", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> ECHO = GrpcProxyTest.method("cb.Echo", "Echo", MethodType.UNARY);

    static final Holds holds = new Holds();
    /** Attempts of each {@code /retry/x/KEY} request that reached the retry backend. */
    static final Map<String, AtomicInteger> retryAttempts = new ConcurrentHashMap<>();

    private static RawHttpServer limited;
    private static RawHttpServer pending;
    private static RawHttpServer capped;
    private static RawHttpServer retry;
    private static Server grpcBackend;
    private static ManagedChannel grpcChannel;
    private static MosnProcess mosn;
    private static int h1Port;
    private static int h2Port;
    private static int grpcPort;
    private static int admin;

    /** A counter of {@code GET /api/v1/stats} (0 when absent). */
    static long stat(String name) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + admin + "/api/v1/stats")).timeout(java.time.Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path(name).asLong();
    }

    @BeforeAll
    static void start() throws Exception {
        limited = RawHttpServer.start("limited", CircuitBreakerTest::holdOrAnswer);
        pending = RawHttpServer.start("pending", CircuitBreakerTest::holdOrAnswer);
        capped = RawHttpServer.start("capped", CircuitBreakerTest::holdOrAnswer);
        retry = RawHttpServer.start("retry", CircuitBreakerTest::dropFirstAttempts);
        grpcBackend = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(grpcService()).build().start();
        h1Port = freePort();
        h2Port = freePort();
        grpcPort = freePort();
        admin = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H1", h1Port, "H2", h2Port, "GRPC", grpcPort, "ADMIN", admin,
                        "LIMITED", limited.port(), "PENDING", pending.port(), "CAPPED", capped.port(), "RETRY", retry.port(),
                        "GRPC_BACKEND", grpcBackend.getPort())))
                .waitFor(h1Port, h2Port, grpcPort, admin).probe(h1Port).start();
        grpcChannel = GrpcProxyTest.channel(grpcPort);
    }

    @AfterAll
    static void stop() throws Exception {
        holds.releaseAll();
        try {
            if (grpcChannel != null) {
                grpcChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            for (RawHttpServer s : new RawHttpServer[] {limited, pending, capped, retry}) {
                if (s != null) {
                    s.close();
                }
            }
            if (grpcBackend != null) {
                grpcBackend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    // ---- backends ----

    /** Requests held by the backends until the test releases their key, and how many arrived. */
    static final class Holds {
        private final Map<String, AtomicInteger> arrived = new ConcurrentHashMap<>();
        private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

        /** Counts an arrival for {@code key}, then waits (at most 30 s) until it is released. */
        void hold(String key) throws InterruptedException {
            arrived.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            gate(key).await(30, TimeUnit.SECONDS);
        }

        int arrivals(String key) {
            AtomicInteger n = arrived.get(key);
            return n == null ? 0 : n.get();
        }

        /** Waits (bounded) until {@code n} requests held as {@code key} arrived. */
        void awaitArrivals(String key, int n) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (arrivals(key) < n && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertThat(arrivals(key)).as("requests held as %s that reached the backend", key).isGreaterThanOrEqualTo(n);
        }

        void release(String key) {
            gate(key).countDown();
        }

        void releaseAll() {
            gates.values().forEach(CountDownLatch::countDown);
        }

        private CountDownLatch gate(String key) {
            return gates.computeIfAbsent(key, k -> new CountDownLatch(1));
        }
    }

    /** {@code /any/hold/KEY[/...]} is held until KEY is released, then answered "held KEY"; anything else "ok URI". */
    static void holdOrAnswer(RawHttpServer.Exchange ex) throws Exception {
        int at = ex.uri.indexOf("/hold/");
        if (at < 0) {
            ex.respond(200, "ok " + ex.uri);
            return;
        }
        String key = ex.uri.substring(at + "/hold/".length()).split("/")[0];
        holds.hold(key);
        ex.respond(200, "held " + key);
    }

    /**
     * A keep-alive upstream whose connections can be closed just as the proxy reuses them (an idle
     * timeout firing): the first attempt of {@code /retry/x/KEY} closes its connection without an
     * answer; later attempts (the proxy's retries) are held as KEY. Anything else as {@link #holdOrAnswer}.
     */
    static void dropFirstAttempts(RawHttpServer.Exchange ex) throws Exception {
        if (ex.uri.startsWith("/retry/x/")) {
            String key = ex.uri.substring("/retry/x/".length());
            if (retryAttempts.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement() == 0) {
                ex.closeConnection();
                return;
            }
            holds.hold(key);
            ex.respond(200, "held " + key);
            return;
        }
        holdOrAnswer(ex);
    }

    static ServerServiceDefinition grpcService() {
        return ServerServiceDefinition.builder("cb.Echo")
                .addMethod(HELD, ServerCalls.asyncUnaryCall((req, out) -> Thread.ofVirtual().start(() -> {
                    try {
                        holds.hold(new String(req, StandardCharsets.UTF_8));
                    } catch (InterruptedException e) {
                        return;
                    }
                    out.onNext(req);
                    out.onCompleted();
                })))
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .build();
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    // ---- max_requests ----

    /**
     * HTTP/1.1, {@code max_requests: 1}: while the backend holds one request, a second one (another
     * connection) gets 503 at once without reaching the backend; the first completes normally, and
     * both connections are served again.
     */
    @Test
    void maxRequestsOverflowIs503ForHttp1() throws Exception {
        try (RawHttpClient first = RawHttpClient.connect(h1Port, 20_000);
             RawHttpClient second = RawHttpClient.connect(h1Port, 20_000)) {
            first.send("GET /limited/hold/h1-first HTTP/1.1\r\nHost: cb\r\n\r\n");
            holds.awaitArrivals("h1-first", 1);
            int before = limited.requests.get();
            RawResponse r;
            try {
                long t0 = System.nanoTime();
                r = second.get("/limited/second");
                assertThat(r.status()).as("%s", r).isEqualTo(503);
                assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
                assertThat(r.connectionClose()).as("the connection stays open").isFalse();
                assertThat(limited.requests.get()).as("the refused request never reached the backend").isEqualTo(before);
            } finally {
                holds.release("h1-first");
            }
            r = first.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("held h1-first");
            assertThat(second.get("/limited/after").bodyText()).isEqualTo("ok /limited/after");
            assertThat(first.get("/limited/again").bodyText()).isEqualTo("ok /limited/again");
        }
    }

    /** The same over one HTTP/2 connection: the refused stream gets 503, the connection carries on. */
    @Test
    void maxRequestsOverflowIs503ForHttp2() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            CompletableFuture<H2Peers.Response> first = c.request(H2Peers.get("/limited/hold/h2-first", h2Port), null, null);
            holds.awaitArrivals("h2-first", 1);
            try {
                long t0 = System.nanoTime();
                H2Peers.Response r = c.request(H2Peers.get("/limited/second", h2Port), null, null).get(20, TimeUnit.SECONDS);
                assertThat(r.status()).as("%s", r).isEqualTo(503);
                assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
            } finally {
                holds.release("h2-first");
            }
            H2Peers.Response r = first.get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("held h2-first");
            r = c.request(H2Peers.get("/limited/after", h2Port), null, null).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok /limited/after");
            assertThat(c.isOpen()).isTrue();
        }
    }

    /** A gRPC call refused by {@code max_requests} is UNAVAILABLE; the held call completes, the channel carries on. */
    @Test
    void maxRequestsOverflowIsUnavailableForGrpc() throws Exception {
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        long overflowsBefore = stat("cluster.grpc_limited.request_overflow");
        var first = ClientCalls.futureUnaryCall(grpcChannel.newCall(HELD, opts), "grpc-first".getBytes(StandardCharsets.UTF_8));
        holds.awaitArrivals("grpc-first", 1);
        try {
            long t0 = System.nanoTime();
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(grpcChannel, ECHO, opts, "second".getBytes(StandardCharsets.UTF_8)));
            assertThat(e).as("the second call fails").isNotNull();
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("overflow");
            assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
            assertThat(stat("cluster.grpc_limited.request_overflow") - overflowsBefore).as("counted").isEqualTo(1);
        } finally {
            holds.release("grpc-first");
        }
        assertThat(new String(first.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("grpc-first");
        byte[] after = ClientCalls.blockingUnaryCall(grpcChannel, ECHO, opts, "after".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(after, StandardCharsets.UTF_8)).isEqualTo("after");
    }

    // ---- max_connections and max_pending_requests ----

    /**
     * {@code max_connections: 1, max_pending_requests: 1} on an HTTP/1 cluster. Three requests on
     * one HTTP/2 connection (so they reach the pool in order): the first takes the one connection
     * and is held; the second waits for it (pending, not at the backend); the third finds the queue
     * full and gets 503 at once. Once the first is answered the second goes out on the same
     * backend connection; the backend never sees a second connection.
     */
    @Test
    void pendingRequestsWaitForTheOneConnectionAndOverflowWhenFull() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2Port)) {
            CompletableFuture<H2Peers.Response> first = c.request(H2Peers.get("/pending/hold/p-first", h2Port), null, null);
            holds.awaitArrivals("p-first", 1);
            CompletableFuture<H2Peers.Response> second = c.request(H2Peers.get("/pending/hold/p-second", h2Port), null, null);
            try {
                long t0 = System.nanoTime();
                H2Peers.Response third = c.request(H2Peers.get("/pending/third", h2Port), null, null).get(20, TimeUnit.SECONDS);
                assertThat(third.status()).as("%s", third).isEqualTo(503);
                assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
                assertThat(holds.arrivals("p-second")).as("the second request waits in the proxy").isZero();
                assertThat(second).as("the second request is not answered yet").isNotDone();
            } finally {
                holds.release("p-first");
            }
            H2Peers.Response r = first.get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("held p-first");
            holds.awaitArrivals("p-second", 1); // the pending request went out on the connection the first one freed
            holds.release("p-second");
            r = second.get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("held p-second");
            assertThat(pending.seen.stream().filter(s -> s.uri().startsWith("/pending/hold/")).map(RawHttpServer.Seen::connection).distinct())
                    .as("backend connections that carried the two requests").hasSize(1);
        }
        assertThat(pending.connections.get()).as("connections the backend accepted").isEqualTo(1);
        assertThat(pending.seen.stream().map(RawHttpServer.Seen::uri)).doesNotContain("/pending/third");
    }

    /**
     * {@code max_connections: 2} under ten concurrent HTTP/1.1 clients, with no pending limit: the
     * backend holds what reaches it until two requests are in, which are all that can be while the
     * proxy keeps to two connections; then every request is served, the rest having waited for
     * those two connections. The backend never has more than two connections from the proxy.
     */
    @Test
    void maxConnectionsHoldsAtTheBackendUnderFiveTimesTheLoad() throws Exception {
        int clients = 10;
        long overflowsBefore = stat("cluster.capped.connection_overflow");
        List<Future<RawResponse>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                for (int i = 0; i < clients; i++) {
                    String path = "/capped/hold/capped/" + i;
                    answers.add(pool.submit(() -> {
                        try (RawHttpClient c = RawHttpClient.connect(h1Port, 30_000)) {
                            return c.get(path);
                        }
                    }));
                }
                holds.awaitArrivals("capped", 2);
                assertThat(capped.peakOpen.get()).as("connections open at the backend with two requests held").isEqualTo(2);
            } finally {
                holds.release("capped");
            }
            for (Future<RawResponse> f : answers) {
                RawResponse r = f.get(30, TimeUnit.SECONDS);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("held capped");
            }
        }
        assertThat(holds.arrivals("capped")).as("requests served").isEqualTo(clients);
        assertThat(capped.peakOpen.get()).as("the most connections the backend had from the proxy").isLessThanOrEqualTo(2);
        assertThat(capped.connections.get()).as("connections the backend accepted (kept alive and reused)").isEqualTo(2);
        // the requests that waited found the pool at max_connections: each such connection not opened is counted
        assertThat(stat("cluster.capped.connection_overflow") - overflowsBefore).isPositive();
    }

    static final String TWO_LOOPS_CONFIG = """
            {"servers": [{"default_log_path": "stdout", "processor": 2,
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                {"match": {"prefix": "/"}, "route": {"cluster_name": "one", "timeout": "20s"}}]}]}],
              "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "reuseport": false, "filter_chains": [{"filters": [{"type": "proxy",
                "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "one", "type": "SIMPLE", "circuit_breakers": [{"max_connections": 1}],
               "hosts": [{"address": "127.0.0.1:${BACKEND}"}]}]}}
            """;

    /**
     * {@code max_connections: 1} with two event loops (each has its own pools): clients on both
     * loops are all served. Each loop's pool may open its first connection even at the limit (as in
     * Envoy), so the backend sees at most one per loop; before, the loop that found the limit taken
     * by the other loop's keep-alive connection left its requests waiting until the route timeout.
     */
    @Test
    void maxConnectionsStarvesNoEventLoop() throws Exception {
        int port = freePort();
        try (RawHttpServer backend = RawHttpServer.start("two-loops", CircuitBreakerTest::holdOrAnswer);
             MosnProcess m = MosnProcess.builder().config(render(TWO_LOOPS_CONFIG, vars("PORT", port, "BACKEND", backend.port())))
                     .waitFor(port).start();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // one socket, whose loop hands connections to the loops in turn: six clients land on both
            // (with reuseport, the default, the kernel hashes each connection to a loop's socket, and
            // all six landed on one loop in about one run of 32)
            List<RawHttpClient> conns = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    conns.add(RawHttpClient.connect(port, 30_000));
                }
                List<Future<RawResponse>> answers = new ArrayList<>();
                try {
                    for (int i = 0; i < conns.size(); i++) {
                        RawHttpClient c = conns.get(i);
                        String path = "/hold/loops/" + i;
                        answers.add(pool.submit(() -> c.get(path)));
                    }
                    holds.awaitArrivals("loops", 2); // one request on each loop's connection
                } finally {
                    holds.release("loops");
                }
                for (Future<RawResponse> f : answers) {
                    RawResponse r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.status()).as("%s", r).isEqualTo(200);
                }
            } finally {
                conns.forEach(RawHttpClient::close);
            }
            assertThat(holds.arrivals("loops")).isEqualTo(6);
            assertThat(backend.peakOpen.get()).as("connections at the backend: one per event loop at most").isLessThanOrEqualTo(2);
            m.stopCleanly();
        }
    }

    // ---- max_retries ----

    /**
     * {@code max_retries: 1} bounds the retries in flight. A GET sent on a kept-alive connection
     * the upstream then closes without answering is retried once on another connection, where the
     * backend holds it; meanwhile a second such GET is not retried (the budget is in use) and gets
     * 502 at once (were it retried, the backend would hold it too). Once the retried request is
     * answered, the budget is free for the next retry.
     */
    @Test
    void maxRetriesBoundsTheRetriesInFlight() throws Exception {
        try (RawHttpClient a = RawHttpClient.connect(h1Port, 20_000);
             RawHttpClient b = RawHttpClient.connect(h1Port, 20_000);
             RawHttpClient c = RawHttpClient.connect(h1Port, 20_000)) {
            // three kept-alive upstream connections, idle in the pool: three requests held together
            for (RawHttpClient client : List.of(a, b, c)) {
                client.send("GET /retry/hold/warm HTTP/1.1\r\nHost: cb\r\n\r\n");
            }
            holds.awaitArrivals("warm", 3);
            holds.release("warm");
            for (RawHttpClient client : List.of(a, b, c)) {
                assertThat(client.readResponse().status()).isEqualTo(200);
            }

            long retryOverflowsBefore = stat("cluster.retry.request_retry_overflow");
            // a's request finds its reused connection closed: retried on another, held there
            a.send("GET /retry/x/ra HTTP/1.1\r\nHost: cb\r\n\r\n");
            holds.awaitArrivals("ra", 1);
            try {
                // the closed connection took the pool's other idle ones with it: b first gets a
                // connection answered and back in the pool, so its next request reuses it
                assertThat(b.get("/retry/warm-b").status()).isEqualTo(200);
                long t0 = System.nanoTime();
                RawResponse r = b.get("/retry/x/rb");
                assertThat(r.status()).as("not retried while a's retry is in flight: %s", r).isEqualTo(502);
                assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
                assertThat(retryAttempts.get("rb")).as("attempts of b's request").hasValue(1);
                assertThat(stat("cluster.retry.request_retry_overflow") - retryOverflowsBefore).as("the retry refused, counted").isEqualTo(1);
            } finally {
                holds.release("ra");
            }
            RawResponse r = a.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).as("the retry's answer").isEqualTo("held ra");
            assertThat(retryAttempts.get("ra")).as("attempts of a's request").hasValue(2);

            // the budget is free again: the next such request is retried (and not held)
            holds.release("rc");
            r = c.get("/retry/x/rc");
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("held rc");
            assertThat(retryAttempts.get("rc")).hasValue(2);
        }
    }
}
