package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.sleep;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.TarsEchoServer.ctx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import com.qq.tars.client.Communicator;
import com.qq.tars.client.CommunicatorConfig;
import com.qq.tars.client.CommunicatorFactory;
import com.qq.tars.rpc.exc.ServerException;
import com.qq.tars.rpc.exc.ServerNoFuncException;
import com.qq.tars.rpc.exc.ServerNoServantException;
import io.mosn4j.it.TarsEchoServer.Seen;
import io.mosn4j.it.TarsPackets.RequestPacket;
import io.mosn4j.it.TarsPackets.ResponsePacket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * Tars through the real {@code bin/mosn}: MOSN's two config forms ({@code "X"} with
 * {@code sub_protocol: tars}, and {@code "tars"}) and an {@code Auto} port, routes on the
 * RequestPacket's {@code service} (sServantName) and {@code method} (sFuncName). Peers: TarsJava
 * 1.7.3's own client ({@link Communicator} with a direct {@code tcp -h 127.0.0.1 -p PORT} endpoint,
 * no registry) through {@link TarsHelloPrx}, raw packets written and read with TarsJava's streams
 * ({@link TarsWireClient}, {@link TarsPackets}), and two small Tars servers ({@link TarsEchoServer}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TarsProxyTest {
    static final String HELLO = "Test.HelloServer.HelloObj";
    static final String OTHER = "Test.OtherServer.OtherObj";
    static final String LIMITED = "Test.HelloServer.LimitedObj";
    static final String DEAD = "Test.HelloServer.DeadObj";
    static final String NOWHERE = "Test.Nowhere.NoObj";
    static final String BROKEN = "Test.BrokenServer.BrokenObj";
    /** Each on its own upstream server, so no other test's requests or late answers are counted there. */
    static final String MUX = "Test.MuxServer.MuxObj";
    static final String GONE = "Test.GoneServer.GoneObj";
    static final String PATIENT = "Test.LimitedServer.PatientObj";
    static final String TABLE_BROKEN = "Test.TableServer.BrokenObj";
    static final String EMPTY = "Test.EmptyServer.EmptyObj";
    static final String INTERNAL = "Test.InternalServer.InternalObj";
    static final String BREAKER = "Test.BreakerServer.BreakerObj";
    /**
     * "Answered at once": well under the 30 s route timeouts of the routes that fail, yet long
     * enough that a loaded machine does not fail the test.
     */
    static final long QUICK_MILLIS = 10_000;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "${HELLO}"}, {"name": "method", "value": "whoami"}]},
                     "route": {"cluster_name": "c_b", "timeout": "5s"}},
                    {"match": {"headers": [{"name": "service", "value": "${HELLO}"}]}, "route": {"cluster_name": "c_a", "timeout": "5s"}},
                    {"match": {"headers": [{"name": "service", "value": "${OTHER}"}]}, "route": {"cluster_name": "c_b", "timeout": "5s"}},
                    {"match": {"headers": [{"name": "service", "value": "${LIMITED}"}]}, "route": {"cluster_name": "c_limited", "timeout": "1s"}},
                    {"match": {"headers": [{"name": "service", "value": "${PATIENT}"}]}, "route": {"cluster_name": "c_limited", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${DEAD}"}]}, "route": {"cluster_name": "c_dead", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${BROKEN}"}]}, "route": {"cluster_name": "c_c", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${MUX}"}]}, "route": {"cluster_name": "c_mux", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${GONE}"}]}, "route": {"cluster_name": "c_gone", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${TABLE_BROKEN}"}]}, "route": {"cluster_name": "c_table", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${EMPTY}"}]}, "route": {"cluster_name": "c_empty", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${INTERNAL}"}]}, "direct_response": {"status": 500, "body": "internal"}},
                    {"match": {"headers": [{"name": "service", "value": "${BREAKER}"}]}, "route": {"cluster_name": "c_breaker", "timeout": "30s"}}
                  ]}]
                }, {
                  "router_config_name": "auto",
                  "virtual_hosts": [{"name": "auto", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "${HELLO}"}]}, "route": {"cluster_name": "c_a", "timeout": "5s"}},
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "auto-http"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "x_tars", "address": "127.0.0.1:${X}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "rpc",
                               "extend_config": {"sub_protocol": "tars"}}}]}]},
                  {"name": "tars", "address": "127.0.0.1:${TARS}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "tars", "upstream_protocol": "tars", "router_config_name": "rpc"}}]}]},
                  {"name": "auto", "address": "127.0.0.1:${AUTO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Auto", "upstream_protocol": "Auto", "router_config_name": "auto"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "c_a", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${A}"}]},
                {"name": "c_b", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${B}"}]},
                {"name": "c_c", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${C}"}]},
                {"name": "c_limited", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${LIMITED_PORT}"}]},
                {"name": "c_mux", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${MUX_PORT}"}]},
                {"name": "c_gone", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${GONE_PORT}"}]},
                {"name": "c_table", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${TABLE_PORT}"}]},
                {"name": "c_empty", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": []},
                {"name": "c_breaker", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "circuit_breakers": [{"max_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${BREAKER_PORT}"}]},
                {"name": "c_dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s",
                 "hosts": [{"address": "127.0.0.1:${DEAD_PORT}"}]}
              ]}
            }
            """;

    private static TarsEchoServer serverA;
    private static TarsEchoServer serverB;
    /** Behind BrokenObj only: breaks its connections on request. */
    private static TarsEchoServer serverC;
    /** Behind LimitedObj and PatientObj only: the timeout tests' late answers land here. */
    private static TarsEchoServer serverLimited;
    private static TarsEchoServer serverMux;
    private static TarsEchoServer serverGone;
    /** Behind the error table's broken servant only. */
    private static TarsEchoServer serverTable;
    /** Behind BreakerObj only: the overflow row's held request. */
    private static TarsEchoServer serverBreaker;
    private static MosnProcess mosn;
    private static int xPort;
    private static int tarsPort;
    private static int autoPort;
    private static Communicator communicator;
    /** HelloObj through the X listener, and through the tars one. */
    private static TarsHelloPrx helloX;
    private static TarsHelloPrx helloTars;

    @BeforeAll
    static void start() throws Exception {
        // logback's default is DEBUG on the console; TarsJava logs through it (its own logger names)
        for (String name : List.of("com.qq.tars", "TARS_CLIENT_LOGGER", "OM_LOGGER")) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(Level.WARN);
        }
        serverA = new TarsEchoServer("a");
        serverB = new TarsEchoServer("b");
        serverC = new TarsEchoServer("c");
        serverLimited = new TarsEchoServer("limited");
        serverMux = new TarsEchoServer("mux");
        serverGone = new TarsEchoServer("gone");
        serverTable = new TarsEchoServer("table");
        serverBreaker = new TarsEchoServer("breaker");
        xPort = freePort();
        tarsPort = freePort();
        autoPort = freePort();
        mosn = MosnProcess.builder()
                .config(render(CONFIG, vars("HELLO", HELLO, "OTHER", OTHER, "LIMITED", LIMITED, "DEAD", DEAD, "BROKEN", BROKEN,
                        "PATIENT", PATIENT, "MUX", MUX, "GONE", GONE, "TABLE_BROKEN", TABLE_BROKEN, "EMPTY", EMPTY, "INTERNAL", INTERNAL, "BREAKER", BREAKER,
                        "X", xPort, "TARS", tarsPort, "AUTO", autoPort,
                        "A", serverA.port(), "B", serverB.port(), "C", serverC.port(), "DEAD_PORT", deadPort(),
                        "LIMITED_PORT", serverLimited.port(), "MUX_PORT", serverMux.port(), "GONE_PORT", serverGone.port(),
                        "TABLE_PORT", serverTable.port(), "BREAKER_PORT", serverBreaker.port())))
                .waitFor(xPort, tarsPort, autoPort).probe(autoPort).start();

        CommunicatorConfig config = new CommunicatorConfig().setSyncInvokeTimeout(5000).setAsyncInvokeTimeout(5000)
                .setConnections(2).setModuleName("mosn4j.TarsProxyTest");
        communicator = CommunicatorFactory.getInstance().getCommunicator(config);
        helloX = proxy(HELLO, xPort);
        helloTars = proxy(HELLO, tarsPort);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (communicator != null) {
                communicator.shutdown();
            }
            if (mosn != null) {
                Files.writeString(Path.of("target", "TarsProxyTest-mosn.log"), mosn.output());
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (serverA != null) {
                serverA.close();
            }
            if (serverB != null) {
                serverB.close();
            }
            for (TarsEchoServer s : new TarsEchoServer[] {serverC, serverLimited, serverMux, serverGone, serverTable, serverBreaker}) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** A TarsJava client proxy for {@code servant}, connected straight to the proxy's port (no registry). */
    private static TarsHelloPrx proxy(String servant, int port) {
        return communicator.stringToProxy(TarsHelloPrx.class, servant + "@tcp -h 127.0.0.1 -p " + port + " -t 5000");
    }

    // ---- 1. both listener forms ----

    @Test
    void tarsJavaClientCallsThroughTheXAndTheTarsListeners() throws Exception {
        for (TarsHelloPrx p : List.of(helloX, helloTars)) {
            for (int i = 0; i < 20; i++) {
                assertThat(p.hello(i, "tars")).isEqualTo("a:hello tars #" + i);
            }
            assertThat(p.hello(-1, "")).isEqualTo("a:hello  #-1");
            String big = "x".repeat(300_000);
            assertThat(p.hello(7, big)).isEqualTo("a:hello " + big + " #7");
            // the @TarsContext map travels in the RequestPacket's context (tag 9)
            assertThat(p.hello(8, "ctx", ctx("tag", "ctx-" + p.hashCode(), "trace", "t-1"))).isEqualTo("a:hello ctx #8");
        }
        List<Seen> withContext = serverA.requests.stream().filter(s -> "t-1".equals(s.packet().context.get("trace"))).toList();
        assertThat(withContext).hasSize(2).allSatisfy(s -> {
            assertThat(s.packet().sServantName).isEqualTo(HELLO);
            assertThat(s.packet().sFuncName).isEqualTo("hello");
            assertThat(s.packet().iVersion).isEqualTo((short) 1);
        });

        // TarsJava's async calls with callbacks, interleaved on both listeners
        int calls = 200;
        CountDownLatch done = new CountDownLatch(calls);
        Map<Integer, String> answers = new ConcurrentHashMap<>();
        Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        for (int i = 0; i < calls; i++) {
            int no = i;
            TarsHelloPrx p = i % 2 == 0 ? helloX : helloTars;
            p.async_hello(new TarsHelloPrxCallback() {
                @Override
                public void callback_hello(String ret) {
                    answers.put(no, ret);
                    done.countDown();
                }

                @Override
                public void callback_exception(Throwable ex) {
                    failures.put(no, ex);
                    done.countDown();
                }

                @Override
                public void callback_expired() {
                    failures.put(no, new AssertionError("expired"));
                    done.countDown();
                }
            }, no, "async");
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).as("%d async answers", calls).isTrue();
        assertThat(failures).isEmpty();
        for (int i = 0; i < calls; i++) {
            assertThat(answers.get(i)).isEqualTo("a:hello async #" + i);
        }
    }

    @Test
    void rawPacketsThroughTheXAndTheTarsListeners() throws Exception {
        byte[] big = new byte[1 << 20];
        new java.util.Random(7).nextBytes(big);
        for (int port : new int[] {xPort, tarsPort}) {
            try (TarsWireClient c = new TarsWireClient(port, 5000)) {
                for (int id : new int[] {1, 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 70_000}) {
                    ResponsePacket r = c.call(RequestPacket.of(id, HELLO, "echo", "raw-" + port + "-" + id));
                    assertThat(r.iRequestId).as("%s", r).isEqualTo(id);
                    assertThat(r.iRet).as("%s", r).isZero();
                    assertThat(r.cPacketType).isEqualTo(TarsPackets.NORMAL);
                    assertThat(r.body()).isEqualTo("raw-" + port + "-" + id);
                    assertThat(r.status).containsEntry("server", "a");
                }
                // two packets in one write, then one split into 1-byte writes across its length prefix and fields
                byte[] two = concat(RequestPacket.of(3, HELLO, "echo", "first").bytes(), RequestPacket.of(4, HELLO, "echo", "second").bytes());
                c.send(two);
                assertThat(List.of(c.read().body(), c.read().body())).containsExactlyInAnyOrder("first", "second");
                byte[] split = RequestPacket.of(8, HELLO, "echo", "split").bytes();
                for (int i = 0; i < split.length; i++) {
                    c.send(new byte[] {split[i]});
                    if (i < 12) {
                        sleep(5);
                    }
                }
                assertThat(c.read().body()).isEqualTo("split");
                // 1 MiB of binary sBuffer, byte for byte
                ResponsePacket r = c.call(RequestPacket.of(5, HELLO, "echo", big));
                assertThat(r.iRequestId).isEqualTo(5);
                assertThat(r.sBuffer).isEqualTo(big);
                // a server's own error passes through as it is
                r = c.call(RequestPacket.of(6, HELLO, "nofunc", "x"));
                assertThat(r.iRequestId).isEqualTo(6);
                assertThat(r.iRet).isEqualTo(-3);
                assertThat(r.sResultDesc).isEqualTo("no function nofunc in a");
            }
        }
        // and that server error as TarsJava sees it
        Throwable t = catchThrowable(() -> helloTars.nofunc());
        assertThat(causes(t)).anySatisfy(c -> assertThat(c).isInstanceOf(ServerNoFuncException.class)
                .hasMessageContaining("no function nofunc in a"));
    }

    // ---- 2. routing by service and method ----

    @Test
    void routesByServiceAndMethod() throws Exception {
        // method: whoami on HelloObj goes to b, hello on HelloObj to a
        assertThat(helloX.whoami()).isEqualTo("b");
        assertThat(helloTars.whoami()).isEqualTo("b");
        assertThat(helloX.hello(1, "m")).isEqualTo("a:hello m #1");
        // service: OtherObj goes to b whatever the method
        TarsHelloPrx other = proxy(OTHER, xPort);
        assertThat(other.hello(2, "s")).isEqualTo("b:hello s #2");
        assertThat(other.whoami()).isEqualTo("b");
        // raw, on one connection, interleaved
        try (TarsWireClient c = new TarsWireClient(tarsPort, 5000)) {
            c.send(RequestPacket.of(1, HELLO, "echo", "to-a").context("tag", "route"));
            c.send(RequestPacket.of(2, OTHER, "echo", "to-b").context("tag", "route"));
            c.send(RequestPacket.of(3, HELLO, "whoami", new byte[0]).context("tag", "route"));
            Map<Integer, ResponsePacket> got = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                ResponsePacket r = c.read();
                got.put(r.iRequestId, r);
            }
            assertThat(got.get(1).status).containsEntry("server", "a");
            assertThat(got.get(1).body()).isEqualTo("to-a");
            assertThat(got.get(2).status).containsEntry("server", "b");
            assertThat(got.get(2).body()).isEqualTo("to-b");
            assertThat(got.get(3).status).containsEntry("server", "b");
        }
        assertThat(serverA.tagged("route")).hasSize(1);
        assertThat(serverB.tagged("route")).hasSize(2);
    }

    // ---- 3. multiplexing: 1,000 requests, 10 connections, the same ids, one upstream connection ----

    @Test
    void thousandConcurrentRequestsReusingIdsShareOneUpstreamConnection() throws Exception {
        int connections = 10;
        int perConnection = 100;
        // warm: the upstream connection exists before the burst
        try (TarsWireClient c = new TarsWireClient(xPort, 5000)) {
            assertThat(c.call(RequestPacket.of(1, MUX, "echo", "warm")).body()).isEqualTo("warm");
        }
        assertThat(serverMux.accepted.get()).isEqualTo(1);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Map<Integer, ResponsePacket>>> results = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(connections);
            CountDownLatch go = new CountDownLatch(1);
            for (int c = 0; c < connections; c++) {
                int conn = c;
                int port = c % 2 == 0 ? xPort : tarsPort;
                results.add(pool.submit(() -> {
                    try (TarsWireClient client = new TarsWireClient(port, 20_000)) {
                        // every connection uses ids 1..100, so the same ids are in flight ten times over
                        ByteBuffer all = ByteBuffer.allocate(perConnection * 256);
                        for (int id = 1; id <= perConnection; id++) {
                            all.put(RequestPacket.of(id, MUX, "echo", "c" + conn + "-" + id)
                                    .context("tag", "mux").context("jitter_ms", "5").bytes());
                        }
                        ready.countDown();
                        go.await();
                        client.send(Arrays.copyOf(all.array(), all.position()));
                        Map<Integer, ResponsePacket> got = new HashMap<>();
                        for (int i = 0; i < perConnection; i++) {
                            ResponsePacket r = client.read();
                            assertThat(got.put(r.iRequestId, r)).as("a second answer for id %d on connection %d", r.iRequestId, conn).isNull();
                        }
                        // a duplicate answer would come before the answer to a request sent after all of them
                        ResponsePacket marker = client.call(RequestPacket.of(perConnection + 1, MUX, "echo", "marker-" + conn));
                        assertThat(marker.iRequestId).as("nothing more on connection %d before the next answer", conn)
                                .isEqualTo(perConnection + 1);
                        assertThat(marker.body()).isEqualTo("marker-" + conn);
                        return got;
                    }
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            for (int c = 0; c < connections; c++) {
                Map<Integer, ResponsePacket> got = results.get(c).get(40, TimeUnit.SECONDS);
                assertThat(got.keySet()).as("ids answered on connection %d", c)
                        .isEqualTo(IntStream.rangeClosed(1, perConnection).boxed().collect(Collectors.toSet()));
                for (var e : got.entrySet()) {
                    assertThat(e.getValue().iRet).as("%s", e.getValue()).isZero();
                    assertThat(e.getValue().body()).as("answer to id %d on connection %d", e.getKey(), c)
                            .isEqualTo("c" + c + "-" + e.getKey());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<Seen> mux = serverMux.tagged("mux");
        assertThat(mux).hasSize(connections * perConnection);
        assertThat(mux.stream().map(Seen::remotePort).collect(Collectors.toSet()))
                .as("upstream connections the 1,000 requests came on (processor: 1)").hasSize(1);
        assertThat(serverMux.accepted.get()).as("upstream connections to the server, the warm-up's included").isEqualTo(1);
        Set<Integer> upstreamIds = mux.stream().map(s -> s.packet().iRequestId).collect(Collectors.toSet());
        assertThat(upstreamIds).as("ids the proxy gave upstream: all distinct").hasSize(connections * perConnection);
        assertThat(upstreamIds).as("the proxy's ids stay in 1..2^31-1").allMatch(id -> id > 0);
    }

    // ---- 4. a slow answer does not hold back the others ----

    @Test
    void slowAnswerDoesNotBlockOthersAndCallersMayLeave() throws Exception {
        try (TarsWireClient c = new TarsWireClient(tarsPort, 15_000)) {
            long t0 = System.nanoTime();
            c.send(RequestPacket.of(1, HELLO, "echo", "slow").context("delay_ms", "3000"));
            sleep(50);
            for (int id = 2; id <= 11; id++) {
                c.send(RequestPacket.of(id, HELLO, "echo", "fast-" + id));
            }
            // the order shows it: all ten fast answers come before the slow one
            for (int i = 0; i < 10; i++) {
                ResponsePacket r = c.read();
                assertThat(r.iRequestId).as("answer %d: %s", i, r).isBetween(2, 11);
                assertThat(r.body()).isEqualTo("fast-" + r.iRequestId);
            }
            ResponsePacket slow = c.read();
            assertThat(slow.iRequestId).isEqualTo(1);
            assertThat(slow.body()).isEqualTo("slow");
            assertThat(millisSince(t0)).isGreaterThanOrEqualTo(2900);
        }
        // callers gone before their answers: the answers are dropped, the upstream connection stays
        for (int port : new int[] {xPort, tarsPort}) {
            try (TarsWireClient gone = new TarsWireClient(port, 3000)) {
                int before = serverGone.requests.size();
                for (int id = 1; id <= 5; id++) {
                    gone.send(RequestPacket.of(id, GONE, "echo", "gone-" + id).context("delay_ms", "300"));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (serverGone.requests.size() < before + 5 && System.nanoTime() < deadline) {
                    sleep(5);
                }
                assertThat(serverGone.requests.size()).as("requests at the server before their caller leaves").isEqualTo(before + 5);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (serverGone.answered.get() < 10 && System.nanoTime() < deadline) {
            sleep(20);
        }
        assertThat(serverGone.answered.get()).as("answers written for callers that left").isEqualTo(10);
        assertThat(serverGone.openConnections()).as("upstream connections to the server").isEqualTo(1);
        // and the upstream connection goes on serving
        try (TarsWireClient c = new TarsWireClient(xPort, 5000)) {
            assertThat(c.call(RequestPacket.of(1, GONE, "echo", "after-gone")).body()).isEqualTo("after-gone");
        }
        assertThat(serverGone.accepted.get()).isEqualTo(1);
        // the same with TarsJava: a sync call waiting 3 s on one thread, quick calls on another
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            int before = serverA.requests.size();
            Future<String> slow = pool.submit(() -> helloX.hello(99, "slow", ctx("delay_ms", "3000")));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (serverA.requests.size() == before && System.nanoTime() < until) {
                sleep(5); // until the slow call is at the server
            }
            for (int i = 0; i < 20; i++) {
                assertThat(helloX.hello(i, "quick")).isEqualTo("a:hello quick #" + i);
            }
            assertThat(slow.isDone()).as("the slow call still waits after the 20 quick ones behind it").isFalse();
            assertThat(slow.get(15, TimeUnit.SECONDS)).isEqualTo("a:hello slow #99");
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 5. errors answered in the protocol ----

    @Test
    void noRouteIsNoServantError() throws Exception {
        for (int port : new int[] {xPort, tarsPort}) {
            try (TarsWireClient c = new TarsWireClient(port, 20_000)) {
                long t0 = System.nanoTime();
                ResponsePacket r = c.call(RequestPacket.of(41, NOWHERE, "echo", "nobody").timeout(30_000));
                assertThat(millisSince(t0)).as("answered, not timed out").isLessThan(QUICK_MILLIS);
                assertThat(r.iRequestId).isEqualTo(41);
                assertThat(r.iRet).as("%s", r).isEqualTo(-4); // TARSSERVERNOSERVANTERR
                assertThat(r.sResultDesc).as("%s", r).isNotBlank().containsIgnoringCase("route");
                assertThat(r.sBuffer).isEmpty();
                // the same connection goes on
                assertThat(c.call(RequestPacket.of(42, HELLO, "echo", "after")).body()).isEqualTo("after");
            }
        }
        // what TarsJava makes of it
        Throwable t = catchThrowable(() -> proxy(NOWHERE, xPort).hello(1, "x"));
        assertThat(t).as("TarsJava's exception for -4").isNotNull();
        assertThat(causes(t)).anySatisfy(c -> assertThat(c).isInstanceOf(ServerNoServantException.class)
                .hasMessageContaining("route"));
        assertThat(serverA.requests).noneMatch(s -> s.packet().sServantName.equals(NOWHERE));
        assertThat(serverB.requests).noneMatch(s -> s.packet().sServantName.equals(NOWHERE));
    }

    @Test
    void deadUpstreamIsProxyConnectError() throws Exception {
        try (TarsWireClient c = new TarsWireClient(tarsPort, 20_000)) {
            long t0 = System.nanoTime();
            ResponsePacket r = c.call(RequestPacket.of(43, DEAD, "echo", "nobody"));
            assertThat(millisSince(t0)).as("refused at once, not at the 30 s route timeout").isLessThan(QUICK_MILLIS);
            assertThat(r.iRequestId).isEqualTo(43);
            assertThat(r.iRet).as("%s", r).isEqualTo(-8); // TARSPROXYCONNECTERR
            assertThat(r.sResultDesc).as("%s", r).isNotBlank();
            assertThat(c.call(RequestPacket.of(43, HELLO, "echo", "after")).body()).isEqualTo("after");
        }
        long t0 = System.nanoTime();
        Throwable t = catchThrowable(() -> proxy(DEAD, xPort).hello(1, "x"));
        assertThat(millisSince(t0)).as("refused at once, not at TarsJava's 5 s timeout").isLessThan(4000);
        assertThat(causes(t)).anySatisfy(c -> assertThat(c).isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(((ServerException) e).getRet()).isEqualTo(-8)));
    }

    @Test
    void brokenUpstreamConnectionIsProxyConnectErrorForEveryCallOnIt() throws Exception {
        for (String how : List.of("rst", "garbage")) {
            try (TarsWireClient c = new TarsWireClient(xPort, 20_000)) {
                long t0 = System.nanoTime();
                int seen = serverC.requests.size();
                // two calls waiting on the upstream connection, then the one that breaks it
                c.send(RequestPacket.of(1, BROKEN, "echo", "waiting-1").context("delay_ms", "3000"));
                c.send(RequestPacket.of(2, BROKEN, "echo", "waiting-2").context("delay_ms", "3000"));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (serverC.requests.size() < seen + 2 && System.nanoTime() < until) {
                    sleep(5);
                }
                int attempted = serverC.attempted.get();
                c.send(RequestPacket.of(3, BROKEN, how, "breaker"));
                Map<Integer, ResponsePacket> got = new HashMap<>();
                for (int i = 0; i < 3; i++) {
                    ResponsePacket r = c.read();
                    got.put(r.iRequestId, r);
                }
                assertThat(millisSince(t0)).as("%s: answered when the connection broke, not at the 30 s timeout", how).isLessThan(QUICK_MILLIS);
                assertThat(got.keySet()).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(got.values()).as(how).allSatisfy(r -> {
                    assertThat(r.iRet).as("%s", r).isEqualTo(-8);
                    assertThat(r.sResultDesc).isNotBlank();
                });
                // the caller's connection is fine, and so is the next upstream connection
                ResponsePacket r = c.call(RequestPacket.of(4, BROKEN, "echo", "next"));
                assertThat(r.iRet).as("%s", r).isZero();
                assertThat(r.body()).isEqualTo("next");
                assertThat(r.status).containsEntry("server", "c");
                // the late answers the broken connection still owed never show up: once the server has tried
                // to send them, calls with their ids get their own answers
                until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (serverC.attempted.get() < attempted + 2 && System.nanoTime() < until) {
                    sleep(20);
                }
                assertThat(serverC.attempted.get()).as("late answers the server tried to send").isGreaterThanOrEqualTo(attempted + 2);
                for (int id : new int[] {1, 2}) {
                    r = c.call(RequestPacket.of(id, BROKEN, "echo", "again-" + id));
                    assertThat(r.iRequestId).isEqualTo(id);
                    assertThat(r.body()).as("not the late answer").isEqualTo("again-" + id);
                }
            }
        }
        assertThat(serverC.accepted.get()).as("upstream connections to c: one per break, one for the end").isEqualTo(3);
    }

    @Test
    void routeTimeoutIsAsyncCallTimeoutQuickly() throws Exception {
        try (TarsWireClient c = new TarsWireClient(xPort, 15_000)) {
            // iTimeout 0: the route's 1 s applies
            int answered = serverLimited.answered.get();
            long t0 = System.nanoTime();
            ResponsePacket r = c.call(RequestPacket.of(51, LIMITED, "echo", "late").context("delay_ms", "5000"));
            long took = millisSince(t0);
            assertThat(r.iRequestId).isEqualTo(51);
            assertThat(r.iRet).as("%s", r).isEqualTo(-7); // TARSASYNCCALLTIMEOUT
            assertThat(r.sResultDesc).as("%s", r).isNotBlank();
            assertThat(took).as("the route's 1 s, not the server's 5 s").isBetween(900L, 4000L);
            // the late answer is dropped, never handed to the next call with the same id: once the server
            // has written it, the next answer on the same upstream connection comes after it
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (serverLimited.answered.get() == answered && System.nanoTime() < until) {
                sleep(20);
            }
            assertThat(serverLimited.answered.get()).as("the server wrote its late answer").isEqualTo(answered + 1);
            r = c.call(RequestPacket.of(51, LIMITED, "echo", "next"));
            assertThat(r.iRequestId).isEqualTo(51);
            assertThat(r.iRet).isZero();
            assertThat(r.body()).as("not the late answer").isEqualTo("next");
        }
        // a caller's iTimeout sets the proxy's timeout: 700 ms on a 30 s route
        try (TarsWireClient c = new TarsWireClient(tarsPort, 15_000)) {
            long t0 = System.nanoTime();
            ResponsePacket r = c.call(RequestPacket.of(52, PATIENT, "echo", "late").timeout(700).context("delay_ms", "5000"));
            assertThat(r.iRet).as("%s", r).isEqualTo(-7);
            assertThat(millisSince(t0)).as("the caller's 700 ms, not the server's 5 s").isBetween(600L, 4000L);
        }
        // TarsJava sees the proxy's -7 (with its own 5 s timer not yet run out)
        TarsHelloPrx limited = proxy(LIMITED, tarsPort);
        long t0 = System.nanoTime();
        Throwable t = catchThrowable(() -> limited.hello(1, "late", ctx("delay_ms", "6000")));
        assertThat(millisSince(t0)).as("the proxy's 1 s, not TarsJava's 5 s").isLessThan(4000);
        assertThat(causes(t)).anySatisfy(c -> assertThat(c).isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(((ServerException) e).getRet()).isEqualTo(-7)));
        assertThat(limited.hello(2, "in-time")).isEqualTo("limited:hello in-time #2");
    }

    /**
     * The README's table of the answers the proxy gives in tars, one row each, as a raw client
     * reads them (iRet, a non-empty sResultDesc), the connection serving a call after each. The
     * overflow row is {@link #readmeErrorTableOverflow}.
     */
    @ParameterizedTest(name = "{0} -> iRet {3}")
    @CsvSource({
            "no route,                                NOWHERE,      echo,    -4",
            "no healthy upstream (empty cluster),     EMPTY,        echo,    -8",
            "connect failure,                         DEAD,         echo,    -8",
            "upstream reset before the answer,        TABLE_BROKEN, rst,     -8",
            "upstream answers bytes that are not tars, TABLE_BROKEN, garbage, -8",
            "timeout,                                 LIMITED,      echo,    -7",
            "anything else (direct_response 500),     INTERNAL,     echo,    -99"})
    void readmeErrorTable(String outcome, String servant, String function, int iRet) throws Exception {
        String name = (String) TarsProxyTest.class.getDeclaredField(servant).get(null);
        try (TarsWireClient c = new TarsWireClient(tarsPort, 20_000)) {
            RequestPacket req = RequestPacket.of(301, name, function, "x");
            if (servant.equals("LIMITED")) {
                req.context("delay_ms", "5000");
            }
            ResponsePacket r = c.call(req);
            assertThat(r.iRequestId).isEqualTo(301);
            assertThat(r.iRet).as("%s: %s", outcome, r).isEqualTo(iRet);
            assertThat(r.sResultDesc).as(outcome).isNotBlank();
            assertThat(r.sBuffer).isEmpty();
            assertThat(c.call(RequestPacket.of(302, HELLO, "echo", "after")).body()).isEqualTo("after");
        }
    }

    /**
     * The README table's overflow row: the cluster behind BreakerObj has {@code circuit_breakers:
     * [{"max_requests": 1}]}. While its server holds one request, a second one, on the same
     * connection, is answered at once with iRet -9 (overload) and an sResultDesc, which TarsJava
     * reports as a ServerException; the held request then completes and the connection is served
     * again by the same cluster.
     */
    @Test
    void readmeErrorTableOverflow() throws Exception {
        try (TarsWireClient c = new TarsWireClient(tarsPort, 20_000)) {
            c.send(RequestPacket.of(311, BREAKER, "echo", "first").context("hold", "overflow-first"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!serverBreaker.held.contains("overflow-first") && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertThat(serverBreaker.held).as("the held request reached its server").contains("overflow-first");
            try {
                long t0 = System.nanoTime();
                ResponsePacket r = c.call(RequestPacket.of(312, BREAKER, "echo", "second"));
                assertThat(r.iRequestId).isEqualTo(312);
                assertThat(r.iRet).as("%s", r).isEqualTo(-9);
                assertThat(r.sResultDesc).isNotBlank().contains("overflow");
                assertThat(r.sBuffer).isEmpty();
                assertThat(millisSince(t0)).as("answered at once").isLessThan(QUICK_MILLIS);
                Throwable t = catchThrowable(() -> proxy(BREAKER, tarsPort).hello(1, "tarsjava"));
                assertThat(causes(t)).as("TarsJava's view of -9").anySatisfy(e -> assertThat(e).isInstanceOf(ServerException.class)
                        .satisfies(x -> assertThat(((ServerException) x).getRet()).isEqualTo(-9)));
                assertThat(serverBreaker.requests).as("refused requests never reach the server").hasSize(1);
            } finally {
                serverBreaker.release("overflow-first");
            }
            ResponsePacket r = c.read();
            assertThat(r.iRequestId).isEqualTo(311);
            assertThat(r.iRet).as("%s", r).isZero();
            assertThat(r.body()).isEqualTo("first");
            assertThat(c.call(RequestPacket.of(313, BREAKER, "echo", "after")).body()).as("the breaker cluster serves again").isEqualTo("after");
        }
    }

    static final String DRAIN_CONFIG = """
            {"servers": [{"default_log_path": "stdout", "processor": 1, "graceful_timeout": "20s",
              "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "d", "timeout": "30s"}}]}]}],
              "listeners": [{"name": "drain", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                "config": {"downstream_protocol": "tars", "upstream_protocol": "tars", "router_config_name": "rpc"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "d", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:${SERVER}"}]}]}}
            """;

    /**
     * SIGTERM with tars connections open (tars has no GOAWAY): the listener stops accepting at
     * once, an idle connection is closed, a call in flight still gets its answer and then its
     * connection closes, and the process exits 0 with no leak.
     */
    @Test
    void sigtermDrainsTarsConnections() throws Exception {
        int port = freePort();
        try (TarsEchoServer server = new TarsEchoServer("drain");
             MosnProcess m = MosnProcess.builder().config(render(DRAIN_CONFIG, vars("PORT", port, "SERVER", server.port())))
                     .waitFor(port).start();
             TarsWireClient idle = new TarsWireClient(port, 20_000);
             TarsWireClient busy = new TarsWireClient(port, 20_000)) {
            for (TarsWireClient c : List.of(idle, busy)) {
                assertThat(c.call(RequestPacket.of(1, HELLO, "echo", "warm")).body()).isEqualTo("warm");
            }
            m.provokeLeakReports();
            busy.send(RequestPacket.of(2, HELLO, "echo", "in-flight").context("delay_ms", "3000"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.requests.size() < 3 && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertThat(server.requests).as("the slow call reached the server").hasSize(3);
            m.sigterm();
            BoltProxyTest.assertRefusedSoon(port);
            assertThat(idle.closedWithin(10_000)).as("the idle tars connection is closed by the drain").isTrue();
            ResponsePacket r;
            try {
                r = busy.read();
            } catch (java.io.IOException e) {
                throw new AssertionError("no answer for the call in flight: " + e + "; mosn's output:\n" + m.tail(), e);
            }
            assertThat(r.iRequestId).isEqualTo(2);
            assertThat(r.iRet).as("%s", r).isZero();
            assertThat(r.body()).as("the call in flight is answered").isEqualTo("in-flight");
            assertThat(busy.closedWithin(10_000)).as("its connection closes after the last answer").isTrue();
            m.awaitCleanExit(Duration.ofSeconds(30));
            assertThat(m.output()).contains("draining");
        }
    }

    // ---- 6. one-way ----

    @Test
    void onewayReachesTheServerAndNothingComesBack() throws Exception {
        for (int port : new int[] {xPort, tarsPort}) {
            try (TarsWireClient c = new TarsWireClient(port, 10_000)) {
                int limitedOneways = serverLimited.oneways.size();
                for (int i = 0; i < 5; i++) {
                    c.send(RequestPacket.of(100 + i, HELLO, "echo", "ow-" + port + "-" + i).oneway());
                }
                // one-way to nowhere, to a dead upstream, and to a 1 s route whose server never answers one-way
                // requests: no answer either, not even when that 1 s has passed
                c.send(RequestPacket.of(200, NOWHERE, "echo", "ow-nowhere").oneway());
                c.send(RequestPacket.of(201, DEAD, "echo", "ow-dead").oneway());
                c.send(RequestPacket.of(202, LIMITED, "echo", "ow-limited").oneway());
                long sent = System.nanoTime();
                long until = sent + TimeUnit.SECONDS.toNanos(10);
                while (serverLimited.oneways.size() == limitedOneways && System.nanoTime() < until) {
                    sleep(10);
                }
                assertThat(serverLimited.oneways.size()).as("the one-way request reached its server").isEqualTo(limitedOneways + 1);
                // past the 1 s route timeout, when a wrong answer to it would come
                sleep(Math.max(0, 1500 - millisSince(sent)));
                ResponsePacket r = c.call(RequestPacket.of(77, HELLO, "echo", "after-oneway"));
                assertThat(r.iRequestId).as("the first thing back is the normal call's answer").isEqualTo(77);
                assertThat(r.body()).isEqualTo("after-oneway");
            }
        }
        // TarsJava: an async call without a callback is sent one-way
        helloX.async_hello(null, 5, "oneway-tarsjava");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (serverA.oneways.size() < 11 && System.nanoTime() < deadline) {
            sleep(20);
        }
        List<String> bodies = serverA.oneways.stream().map(s -> s.packet().sFuncName.equals("echo") ? s.packet().body() : s.packet().sFuncName)
                .toList();
        List<String> expected = new ArrayList<>();
        for (int port : new int[] {xPort, tarsPort}) {
            for (int i = 0; i < 5; i++) {
                expected.add("ow-" + port + "-" + i);
            }
        }
        expected.add("hello");
        assertThat(bodies).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(serverA.oneways).allMatch(s -> s.packet().cPacketType == TarsPackets.ONEWAY);
        assertThat(serverA.requests).noneMatch(s -> s.packet().body().startsWith("ow-"));
    }

    // ---- 7. malformed length ----

    @Test
    void malformedLengthClosesOnlyThatConnection() throws Exception {
        for (int port : new int[] {xPort, tarsPort}) {
            try (TarsWireClient healthy = new TarsWireClient(port, 3000);
                 TarsWireClient huge = new TarsWireClient(port, 3000);
                 TarsWireClient tiny = new TarsWireClient(port, 3000)) {
                assertThat(healthy.call(RequestPacket.of(1, HELLO, "echo", "before")).body()).isEqualTo("before");
                // a length of 2^31-1 (Tars allows 10 MiB), then some bytes
                byte[] bad = new byte[68];
                ByteBuffer.wrap(bad).putInt(Integer.MAX_VALUE);
                huge.send(bad);
                assertThat(huge.closedWithin(3000)).as("the connection with a 2 GiB length is closed").isTrue();
                // a length of 3: shorter than its own prefix
                tiny.send(new byte[] {0, 0, 0, 3, 0x10, 0x01, 0x20, 0x00, 0, 0, 0, 0});
                assertThat(tiny.closedWithin(3000)).as("the connection with a 3-byte length is closed").isTrue();
                assertThat(healthy.call(RequestPacket.of(2, HELLO, "echo", "after")).body()).isEqualTo("after");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = mosn.output().lines().map(l -> l.toLowerCase(Locale.ROOT))
                    .filter(l -> l.contains("tars") && l.contains("length") && l.contains("clos")).toList();
            if (lines.size() >= 4) {
                break;
            }
            sleep(50);
        }
        assertThat(lines).as("log lines naming tars, the bad length and the close, in:\n%s", mosn.output()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(helloX.hello(3, "fine")).isEqualTo("a:hello fine #3");
    }

    // ---- 8. Auto: tars and HTTP/1.1 on one port ----

    @Test
    void autoListenerServesTarsAndHttpOnOnePort() throws Exception {
        try (TarsWireClient c = new TarsWireClient(autoPort, 5000)) {
            // the first bytes trickle in: detection has to wait for more than the length prefix
            byte[] first = RequestPacket.of(9, HELLO, "echo", "via-auto").bytes();
            for (int i = 0; i < 8; i++) {
                c.send(new byte[] {first[i]});
                sleep(20);
            }
            c.send(Arrays.copyOfRange(first, 8, first.length));
            ResponsePacket r = c.read();
            assertThat(r.iRequestId).isEqualTo(9);
            assertThat(r.iRet).isZero();
            assertThat(r.body()).isEqualTo("via-auto");
            assertThat(r.status).containsEntry("server", "a");
        }
        assertThat(proxy(HELLO, autoPort).hello(3, "auto")).isEqualTo("a:hello auto #3");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + autoPort + "/hello"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.body()).isEqualTo("auto-http");
        if (Curl.available()) {
            Curl.Result curl = Curl.run("--http1.1", "-i", "http://127.0.0.1:" + autoPort + "/curl");
            assertThat(curl.exitCode()).as(curl.stderr()).isZero();
            assertThat(curl.stdout()).startsWith("HTTP/1.1 200").endsWith("auto-http");
        }
        // tars again after HTTP, on a fresh connection; a tars servant no route knows: -4
        try (TarsWireClient c = new TarsWireClient(autoPort, 5000)) {
            assertThat(c.call(RequestPacket.of(10, HELLO, "echo", "again")).body()).isEqualTo("again");
            assertThat(c.call(RequestPacket.of(11, NOWHERE, "echo", "x")).iRet).isEqualTo(-4);
        }
    }

    // ---- helpers ----

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> all = new ArrayList<>();
        while (t != null && !all.contains(t)) {
            all.add(t);
            t = t.getCause();
        }
        return all;
    }
}
