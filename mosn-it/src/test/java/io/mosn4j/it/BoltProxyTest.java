package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.CommonCommandCode;
import com.alipay.remoting.Connection;
import com.alipay.remoting.InvokeCallback;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.RemotingCommand;
import com.alipay.remoting.RemotingContext;
import com.alipay.remoting.exception.RemotingException;
import com.alipay.remoting.rpc.HeartbeatAckCommand;
import com.alipay.remoting.rpc.HeartbeatCommand;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.exception.InvokeException;
import com.alipay.remoting.rpc.exception.InvokeServerBusyException;
import com.alipay.remoting.rpc.exception.InvokeServerException;
import com.alipay.remoting.rpc.exception.InvokeTimeoutException;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import com.alipay.remoting.rpc.protocol.RpcHeartBeatProcessor;
import com.alipay.remoting.rpc.protocol.RpcProtocol;
import com.alipay.remoting.rpc.protocol.RpcProtocolV2;
import com.alipay.remoting.serialization.SerializerManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * Bolt (SOFARPC's transport) through the real {@code bin/mosn}, with the real SOFABolt 1.6 as
 * client ({@link RpcClient}) and server ({@link RpcServer}): MOSN's two config forms ({@code X} +
 * {@code sub_protocol} and plain {@code bolt}), routing on the bolt header map's {@code service},
 * many callers multiplexed over one upstream connection with remapped ids, out-of-order answers,
 * heartbeats answered by the proxy, errors answered in bolt statuses (no route, upstream down,
 * timeout), oneway, malformed frames, an {@code Auto} listener shared with HTTP/1.1, and bolt v2.
 *
 * <p>SOFABolt runs in this JVM on the project's Netty 4.2 (its netty-all 4.1 is excluded in the
 * pom); mosn runs in its own process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoltProxyTest {
    static {
        // sofa-common-tools 1.4 cannot configure logback 1.5 (NoSuchMethodError, with a stack
        // trace): skip that attempt, so SOFABolt logs through one plain slf4j logger, kept to WARN
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
        if (LoggerFactory.getLogger("com.alipay.sofa.common.log") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "svc.echo"}]}, "route": {"cluster_name": "server", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.timeout"}]}, "route": {"cluster_name": "server", "timeout": "1s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.dead"}]}, "route": {"cluster_name": "dead", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.empty"}]}, "route": {"cluster_name": "empty", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.rst"}]}, "route": {"cluster_name": "rst", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.garbage"}]}, "route": {"cluster_name": "garbage", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.internal"}]}, "direct_response": {"status": 500, "body": "internal"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.breaker"}]}, "route": {"cluster_name": "breaker", "timeout": "30s"}}
                  ]}]
                }, {
                  "router_config_name": "auto",
                  "virtual_hosts": [{"name": "auto", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "server", "timeout": "5s"}},
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "auto-http"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "x_bolt", "address": "127.0.0.1:${X}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "rpc",
                               "extend_config": {"sub_protocol": "bolt"}}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "boltv2", "address": "127.0.0.1:${BOLT2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "boltv2", "upstream_protocol": "boltv2", "router_config_name": "rpc"}}]}]},
                  {"name": "auto", "address": "127.0.0.1:${AUTO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Auto", "upstream_protocol": "Auto", "router_config_name": "auto"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "server", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${SERVER}"}]},
                {"name": "dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s", "hosts": [{"address": "127.0.0.1:${DEAD}"}]},
                {"name": "empty", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": []},
                {"name": "rst", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${RST}"}]},
                {"name": "garbage", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${GARBAGE}"}]},
                {"name": "breaker", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "circuit_breakers": [{"max_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${SERVER}"}]}
              ]}
            }
            """;

    static final String ECHO = "svc.echo";
    private static final int CALL_TIMEOUT = 5000;
    /**
     * "Answered at once": well under the 30 s route timeouts of the routes that fail, yet long
     * enough that a loaded machine does not fail the test.
     */
    private static final long QUICK_MILLIS = 10_000;
    /** How late the server answers requests meant to time out: far past the 1 s route timeout. */
    private static final long LATE_MILLIS = 8_000;

    // what the SOFABolt server saw
    private static final Map<String, Set<String>> remotesByTag = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> requestsByTag = new ConcurrentHashMap<>();
    /** Answers the server has written, by tag (late ones included). */
    private static final Map<String, AtomicInteger> answeredByTag = new ConcurrentHashMap<>();
    private static final ConcurrentLinkedQueue<String> oneways = new ConcurrentLinkedQueue<>();
    /** Answers to requests tagged {@code held}, by payload: the server sends one when the test runs it. */
    private static final Map<String, Runnable> held = new ConcurrentHashMap<>();
    /** For each payload, whether its frame reached the server with bolt v2's CRC switch on. */
    private static final Map<String, Boolean> crcByPayload = new ConcurrentHashMap<>();
    /** Heartbeat requests that reached a SOFABolt peer (only the server could get one). */
    private static final AtomicInteger heartbeatsSeen = new AtomicInteger();
    /** Heartbeat acks that reached a SOFABolt peer (only clients get those). */
    private static final AtomicInteger heartbeatAcks = new AtomicInteger();

    private static ScheduledExecutorService delays;
    private static RpcServer server;
    private static RpcClient client;
    private static MosnProcess mosn;
    private static BrokenUpstream rstUpstream;
    private static BrokenUpstream garbageUpstream;
    private static int xPort;
    private static int boltPort;
    private static int bolt2Port;
    private static int autoPort;

    @BeforeAll
    static void start() throws Exception {
        BoltHeaderSerializer.register();
        delays = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().name("bolt-delay-", 0).factory());
        rstUpstream = new BrokenUpstream(BrokenUpstream.Mode.RST, 22); // a bolt request's fixed part
        garbageUpstream = new BrokenUpstream(BrokenUpstream.Mode.GARBAGE, 22);
        int serverPort = freePort();
        server = new RpcServer("127.0.0.1", serverPort);
        server.registerUserProcessor(new EchoProcessor());
        server.startup();
        // counts heartbeats (requests on the server side, acks on the client side), then answers as SOFABolt does
        server.registerProcessor(RpcProtocol.PROTOCOL_CODE, CommonCommandCode.HEARTBEAT, new CountingHeartbeats());
        server.registerProcessor(RpcProtocolV2.PROTOCOL_CODE, CommonCommandCode.HEARTBEAT, new CountingHeartbeats());

        xPort = freePort();
        boltPort = freePort();
        bolt2Port = freePort();
        autoPort = freePort();
        mosn = MosnProcess.builder()
                .config(render(CONFIG, vars("X", xPort, "BOLT", boltPort, "BOLT2", bolt2Port, "AUTO", autoPort,
                        "SERVER", serverPort, "DEAD", deadPort(), "RST", rstUpstream.port(), "GARBAGE", garbageUpstream.port())))
                .waitFor(xPort, boltPort, bolt2Port, autoPort).probe(autoPort).start();
        client = new RpcClient();
        client.startup();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (client != null) {
                client.shutdown();
            }
            if (mosn != null) {
                // kept for the report: what mosn logged while these tests ran
                Files.writeString(Path.of("target", "BoltProxyTest-mosn.log"), mosn.output());
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (server != null) {
                server.shutdown();
            }
            if (delays != null) {
                delays.shutdownNow();
            }
            if (rstUpstream != null) {
                rstUpstream.close();
            }
            if (garbageUpstream != null) {
                garbageUpstream.close();
            }
        }
    }

    // ---- the SOFABolt server ----

    /** Echoes {@link BoltEcho}, after its delay, with the {@code service} header it received. */
    static final class EchoProcessor extends AsyncUserProcessor<BoltEcho> {
        @Override
        public void handleRequest(BizContext biz, AsyncContext async, BoltEcho req) {
            remotesByTag.computeIfAbsent(req.tag(), t -> ConcurrentHashMap.newKeySet()).add(biz.getRemoteAddress());
            requestsByTag.computeIfAbsent(req.tag(), t -> new AtomicInteger()).incrementAndGet();
            crcByPayload.put(req.payload(), req.crcSwitch());
            if (req.tag().equals("oneway")) {
                oneways.add(req.payload());
            }
            if (req.tag().equals("throw")) {
                throw new IllegalStateException("thrown by the server for " + req.payload());
            }
            String reply = req.expectedReply(req.headers().get("service"));
            Runnable answer = () -> {
                async.sendResponse(reply);
                answeredByTag.computeIfAbsent(req.tag(), t -> new AtomicInteger()).incrementAndGet();
            };
            if (req.tag().equals("held")) {
                held.put(req.payload(), answer);
            } else if (req.delayMillis() > 0) {
                delays.schedule(answer, req.delayMillis(), TimeUnit.MILLISECONDS);
            } else {
                answer.run();
            }
        }

        @Override
        public String interest() {
            return BoltEcho.class.getName();
        }

        @Override
        public boolean processInIOThread() {
            return true; // nothing blocks here: delays are scheduled
        }
    }

    static final class CountingHeartbeats extends RpcHeartBeatProcessor {
        @Override
        public void doProcess(RemotingContext ctx, RemotingCommand msg) {
            if (msg instanceof HeartbeatCommand) {
                heartbeatsSeen.incrementAndGet();
            } else if (msg instanceof HeartbeatAckCommand) {
                heartbeatAcks.incrementAndGet();
            }
            super.doProcess(ctx, msg);
        }
    }

    // ---- helpers ----

    static String addr(int port) {
        return "127.0.0.1:" + port;
    }

    static InvokeContext service(String service) {
        InvokeContext c = new InvokeContext();
        c.put(BoltHeaderSerializer.HEADERS, Map.of("service", service));
        return c;
    }

    static Object call(String address, String service, BoltEcho req) throws RemotingException, InterruptedException {
        return client.invokeSync(address, req, service(service), CALL_TIMEOUT);
    }

    static int requests(String tag) {
        AtomicInteger n = requestsByTag.get(tag);
        return n == null ? 0 : n.get();
    }

    static int answered(String tag) {
        AtomicInteger n = answeredByTag.get(tag);
        return n == null ? 0 : n.get();
    }

    /** Waits (bounded) until the server has written {@code n} answers for {@code tag}. */
    static void awaitAnswered(String tag, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (answered(tag) < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(answered(tag)).as("answers the server wrote for %s", tag).isGreaterThanOrEqualTo(n);
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /** A callback recording its answer or failure and when it came. */
    static final class Result implements InvokeCallback {
        final BoltEcho request;
        final CountDownLatch done;
        final AtomicReference<Object> answer = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile long at;

        Result(BoltEcho request, CountDownLatch done) {
            this.request = request;
            this.done = done;
        }

        @Override
        public void onResponse(Object result) {
            at = System.nanoTime();
            answer.set(result);
            done.countDown();
        }

        @Override
        public void onException(Throwable e) {
            at = System.nanoTime();
            failure.set(e);
            done.countDown();
        }

        @Override
        public Executor getExecutor() {
            return null;
        }
    }

    /**
     * The shape of MOSN's own {@code configs/mosn_rpc_config_bolt.json}: a client-side and a
     * server-side listener, both {@code Auto}/{@code Auto} with {@code extend_config.sub_protocol
     * bolt}, routes on {@code service} ".*", clusters with {@code max_request_per_conn} and
     * {@code conn_buffer_limit_bytes}, a listener-level {@code stream_filters} healthcheck (MOSN's
     * heartbeat filter, built into mosn4j's bolt) and an admin address: loaded unchanged.
     */
    static final String MOSN_RPC_SAMPLE = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [
                  {"router_config_name": "server_router", "virtual_hosts": [{"name": "serverHost", "domains": ["*"],
                    "routers": [{"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "serverCluster"}}]}]},
                  {"router_config_name": "client_router", "virtual_hosts": [{"name": "clientHost", "domains": ["*"],
                    "routers": [{"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "clientCluster"}}]}]}
                ],
                "listeners": [
                  {"name": "serverListener", "address": "127.0.0.1:${SERVER_SIDE}", "bind_port": true,
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "upstream_protocol": "Auto",
                     "router_config_name": "server_router", "extend_config": {"sub_protocol": "bolt"}}}]}],
                   "stream_filters": [{"type": "healthcheck", "config": {}}]},
                  {"name": "clientListener", "address": "127.0.0.1:${CLIENT_SIDE}", "bind_port": true,
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "upstream_protocol": "Auto",
                     "router_config_name": "client_router", "extend_config": {"sub_protocol": "bolt"}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "serverCluster", "type": "SIMPLE", "lb_type": "LB_RANDOM", "max_request_per_conn": 1024,
                 "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "127.0.0.1:${SERVER}"}]},
                {"name": "clientCluster", "type": "SIMPLE", "lb_type": "LB_RANDOM", "max_request_per_conn": 1024,
                 "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "127.0.0.1:${SERVER_SIDE}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    @Test
    void mosnsOwnRpcSampleConfigRunsUnchanged() throws Exception {
        int serverSide = freePort();
        int clientSide = freePort();
        try (MosnProcess sample = MosnProcess.builder()
                .config(render(MOSN_RPC_SAMPLE, vars("SERVER_SIDE", serverSide, "CLIENT_SIDE", clientSide,
                        "SERVER", server.port(), "ADMIN", freePort())))
                .waitFor(serverSide, clientSide).start()) {
            // SOFABolt client -> client-side mosn -> server-side mosn -> SOFABolt server
            for (int i = 0; i < 20; i++) {
                BoltEcho req = BoltEcho.of("sample", "s" + i);
                assertThat(call(addr(clientSide), ECHO, req)).isEqualTo(req.expectedReply(ECHO));
            }
            assertThat(requests("sample")).isEqualTo(20);
            sample.stopCleanly();
        }
    }

    static final String TWO_LOOPS_CONFIG = """
            {"servers": [{"default_log_path": "stdout", "processor": 2,
              "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "server", "timeout": "5s"}}]}]}],
              "listeners": [{"name": "bolt", "address": "127.0.0.1:${PORT}", "reuseport": false, "filter_chains": [{"filters": [{"type": "proxy",
                "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "server", "type": "SIMPLE", "circuit_breakers": [{"max_connections": 1}],
               "hosts": [{"address": "127.0.0.1:${SERVER}"}]}]}}
            """;

    /**
     * {@code max_connections: 1} with two event loops, each with its own pool: the multiplexed
     * connection one loop opened never closes, yet callers on the other loop are served too, as
     * each pool may open its first connection even at the limit (before, they waited until the
     * route timeout). The server sees one connection per loop at most.
     */
    @Test
    void maxConnectionsStarvesNoEventLoop() throws Exception {
        int port = freePort();
        try (MosnProcess m = MosnProcess.builder().config(render(TWO_LOOPS_CONFIG, vars("PORT", port, "SERVER", server.port())))
                .waitFor(port).start()) {
            // one socket, whose loop hands connections to the loops in turn: four callers land on both
            // (with reuseport, the default, the kernel's hash put all four on one loop one run in eight)
            List<BoltWire.Client> callers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    callers.add(new BoltWire.Client(port, 10_000));
                }
                for (int i = 0; i < callers.size(); i++) {
                    BoltEcho req = BoltEcho.of("two-loops", "caller-" + i);
                    BoltWire.Response r = callers.get(i).send(BoltWire.echoRequest(120 + i, 0, Map.of("service", ECHO), req)).read();
                    assertThat(r.status()).as("caller %d: %s", i, r).isEqualTo(BoltWire.SUCCESS);
                    assertThat(r.contentObject()).isEqualTo(req.expectedReply(ECHO));
                }
            } finally {
                for (BoltWire.Client c : callers) {
                    c.close();
                }
            }
            assertThat(remotesByTag.get("two-loops")).as("upstream connections the server saw").hasSizeBetween(1, 2);
            m.stopCleanly();
        }
    }

    static final String DRAIN_CONFIG = """
            {"servers": [{"default_log_path": "stdout", "processor": 1, "graceful_timeout": "20s",
              "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "server", "timeout": "30s"}}]}]}],
              "listeners": [{"name": "drain", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "server", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:${SERVER}"}]}]}}
            """;

    /**
     * SIGTERM with bolt connections open (bolt has no GOAWAY): the listener stops accepting at once,
     * an idle connection is closed, a call in flight still gets its answer and then its connection
     * closes, and the process exits 0 with no leak.
     */
    @Test
    void sigtermDrainsBoltConnections() throws Exception {
        int port = freePort();
        try (MosnProcess m = MosnProcess.builder().config(render(DRAIN_CONFIG, vars("PORT", port, "SERVER", server.port())))
                .waitFor(port).start();
             BoltWire.Client idle = new BoltWire.Client(port, 20_000);
             BoltWire.Client busy = new BoltWire.Client(port, 20_000)) {
            for (BoltWire.Client c : List.of(idle, busy)) {
                BoltEcho warm = BoltEcho.of("drain-warm", "warm");
                assertThat(c.send(BoltWire.echoRequest(1, 5000, Map.of("service", ECHO), warm)).read().contentObject())
                        .isEqualTo(warm.expectedReply(ECHO));
            }
            m.provokeLeakReports();
            BoltEcho slow = new BoltEcho("drain", "in-flight", 3000);
            busy.send(BoltWire.echoRequest(2, 20_000, Map.of("service", ECHO), slow));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (requests("drain") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(requests("drain")).as("the slow call reached the server").isEqualTo(1);
            m.sigterm();
            assertRefusedSoon(port);
            assertThat(idle.closedWithin(10_000)).as("the idle bolt connection is closed by the drain").isTrue();
            BoltWire.Response r;
            try {
                r = busy.read();
            } catch (IOException e) {
                throw new AssertionError("no answer for the call in flight: " + e + "; mosn's output:\n" + m.tail(), e);
            }
            assertThat(r.id()).isEqualTo(2);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).as("the call in flight is answered").isEqualTo(slow.expectedReply(ECHO));
            assertThat(busy.closedWithin(10_000)).as("its connection closes after the last answer").isTrue();
            m.awaitCleanExit(Duration.ofSeconds(30));
            assertThat(m.output()).contains("draining");
        }
    }

    /** New connections to {@code port} are refused within a few seconds (the listener closed). */
    static void assertRefusedSoon(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (MosnProcess.canConnect(port) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(MosnProcess.canConnect(port)).as("new connections refused after SIGTERM").isFalse();
    }

    // ---- 1. both config forms ----

    @Test
    void syncCallsThroughXAndBoltListeners() throws Exception {
        for (int port : new int[] {xPort, boltPort}) {
            for (int i = 0; i < 20; i++) {
                BoltEcho req = BoltEcho.of("sync", "p" + port + "-" + i);
                assertThat(call(addr(port), ECHO, req)).as("call %d via port %d", i, port).isEqualTo(req.expectedReply(ECHO));
            }
        }
        // the header map went through to the server as it was sent
        BoltEcho big = BoltEcho.of("sync", "x".repeat(200_000));
        assertThat(call(addr(boltPort), ECHO, big)).isEqualTo(big.expectedReply(ECHO));
    }

    // ---- 2. multiplexing ----

    @Test
    void manyCallersShareOneUpstreamConnectionWithRemappedIds() throws Exception {
        int connections = 20;
        int perConnection = 100;
        List<Connection> conns = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                conns.add(client.createStandaloneConnection("127.0.0.1", boltPort, 2000));
            }
            CountDownLatch done = new CountDownLatch(connections * perConnection);
            List<Result> results = new ArrayList<>();
            // SOFABolt numbers requests from one JVM-wide counter; interleave connections so ids
            // from different callers are in flight on the shared upstream connection at once
            for (int i = 0; i < perConnection; i++) {
                for (int c = 0; c < connections; c++) {
                    BoltEcho req = BoltEcho.of("mux", "mux-" + c + "-" + i);
                    Result r = new Result(req, done);
                    results.add(r);
                    client.invokeWithCallback(conns.get(c), req, service(ECHO), r, 15_000);
                }
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).as("all %d answers", results.size()).isTrue();
            for (Result r : results) {
                assertThat(r.failure.get()).as("failure for %s", r.request).isNull();
                assertThat(r.answer.get()).as("answer to %s", r.request).isEqualTo(r.request.expectedReply(ECHO));
            }
            assertThat(requests("mux")).isEqualTo(connections * perConnection);
            assertThat(remotesByTag.get("mux")).as("upstream connections the server saw (one event loop)").hasSize(1);
        } finally {
            conns.forEach(Connection::close);
        }
    }

    // ---- 3. out of order ----

    @Test
    void slowAnswerDoesNotHoldBackLaterOnes() throws Exception {
        Connection conn = client.createStandaloneConnection("127.0.0.1", boltPort, 2000);
        try {
            long start = System.nanoTime();
            CountDownLatch slowDone = new CountDownLatch(1);
            BoltEcho slowReq = new BoltEcho("slow", "slow-one", 4000);
            Result slow = new Result(slowReq, slowDone);
            client.invokeWithCallback(conn, slowReq, service(ECHO), slow, 10_000);
            Thread.sleep(50); // the slow one is surely sent first
            CountDownLatch fastDone = new CountDownLatch(10);
            List<Result> fast = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                BoltEcho req = BoltEcho.of("fast", "fast-" + i);
                Result r = new Result(req, fastDone);
                fast.add(r);
                client.invokeWithCallback(conn, req, service(ECHO), r, 10_000);
            }
            assertThat(fastDone.await(10, TimeUnit.SECONDS)).as("10 fast answers").isTrue();
            assertThat(slowDone.getCount()).as("the slow answer is still pending when the fast ones are all in").isEqualTo(1);
            for (Result r : fast) {
                assertThat(r.answer.get()).isEqualTo(r.request.expectedReply(ECHO));
            }
            assertThat(slowDone.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(slow.failure.get()).isNull();
            assertThat(slow.answer.get()).isEqualTo(slowReq.expectedReply(ECHO));
            assertThat((slow.at - start) / 1_000_000L).isGreaterThanOrEqualTo(3900);
            for (Result r : fast) {
                assertThat(r.at).isLessThan(slow.at);
            }
        } finally {
            conn.close();
        }
    }

    // ---- 4. heartbeats ----

    @Test
    void sofaBoltIdleHeartbeatsAreAnsweredByTheProxy() throws Exception {
        // SOFABolt reads its heartbeat interval when it sets up a connection: 300 ms for this one only
        String before = System.getProperty("bolt.tcp.heartbeat.interval");
        Connection conn;
        System.setProperty("bolt.tcp.heartbeat.interval", "300");
        try {
            conn = client.createStandaloneConnection("127.0.0.1", boltPort, 2000);
        } finally {
            if (before == null) {
                System.clearProperty("bolt.tcp.heartbeat.interval");
            } else {
                System.setProperty("bolt.tcp.heartbeat.interval", before);
            }
        }
        try {
            int seenBefore = heartbeatsSeen.get();
            int acksBefore = heartbeatAcks.get();
            // idle for ~2 s: about 6 heartbeats; 3 unanswered ones would make SOFABolt close it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (heartbeatAcks.get() - acksBefore < 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(heartbeatAcks.get() - acksBefore).as("heartbeat acks the client got").isGreaterThanOrEqualTo(5);
            assertThat(conn.isFine()).as("the client kept its connection").isTrue();
            assertThat(conn.getChannel().attr(Connection.HEARTBEAT_COUNT).get()).as("unanswered heartbeats in a row").isZero();
            // (mosn's own upstream keepalive would only start after 60 s without reads: not in this test's lifetime)
            assertThat(heartbeatsSeen.get() - seenBefore).as("heartbeats that reached the server").isZero();
            BoltEcho req = BoltEcho.of("hb", "after-heartbeats");
            assertThat(client.invokeSync(conn, req, service(ECHO), CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
        } finally {
            conn.close();
        }
    }

    @Test
    void rawHeartbeatGetsAnAckWithItsOwnId() throws Exception {
        int seenBefore = heartbeatsSeen.get();
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 3000)) {
            for (int id : new int[] {77, 0x7fff_fff0, 5}) {
                BoltWire.Response r = raw.send(BoltWire.heartbeat(id)).read();
                assertThat(r.type()).as("%s", r).isEqualTo(BoltWire.TYPE_RESPONSE);
                assertThat(r.cmd()).as("%s", r).isEqualTo(BoltWire.CMD_HEARTBEAT);
                assertThat(r.id()).isEqualTo(id);
                assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            }
            // and the same connection still carries requests
            BoltEcho req = BoltEcho.of("raw", "after-raw-heartbeats");
            BoltWire.Response r = raw.send(BoltWire.echoRequest(9, 3000, Map.of("service", ECHO), req)).read();
            assertThat(r.id()).isEqualTo(9);
            assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).isEqualTo(req.expectedReply(ECHO));
        }
        assertThat(heartbeatsSeen.get()).isEqualTo(seenBefore);
    }

    // ---- 5-7. errors answered in bolt statuses ----

    @Test
    void noRouteIsNoProcessor() throws Exception {
        long start = System.nanoTime();
        Throwable t = catchThrowable(() -> call(addr(boltPort), "svc.nowhere", BoltEcho.of("noroute", "x")));
        assertThat(millisSince(start)).as("answered, not timed out").isLessThan(QUICK_MILLIS);
        // SOFABolt's RpcResponseResolver: any status it has no case for becomes a plain InvokeException
        assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
        assertThat(requests("noroute")).isZero();

        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 3000)) {
            BoltWire.Response r = raw.send(BoltWire.echoRequest(41, 3000, Map.of("service", "svc.nowhere"), BoltEcho.of("noroute", "raw"))).read();
            assertThat(r.id()).isEqualTo(41);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.NO_PROCESSOR);
            // no header map at all: nothing to route on either
            r = raw.send(BoltWire.echoRequest(42, 3000, Map.of(), BoltEcho.of("noroute", "raw"))).read();
            assertThat(r.id()).isEqualTo(42);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.NO_PROCESSOR);
        }
        assertThat(requests("noroute")).isZero();
    }

    @Test
    void upstreamDownIsNoProcessor() throws Exception {
        long start = System.nanoTime();
        Throwable t = catchThrowable(() -> call(addr(boltPort), "svc.dead", BoltEcho.of("dead", "x")));
        assertThat(millisSince(start)).as("answered, not at the 30 s route timeout").isLessThan(QUICK_MILLIS);
        assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 4000)) {
            BoltWire.Response r = raw.send(BoltWire.echoRequest(43, 3000, Map.of("service", "svc.dead"), BoltEcho.of("dead", "raw"))).read();
            assertThat(r.id()).isEqualTo(43);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.NO_PROCESSOR);
        }
        // the listener is fine afterwards
        BoltEcho req = BoltEcho.of("dead", "then-ok");
        assertThat(call(addr(boltPort), ECHO, req)).isEqualTo(req.expectedReply(ECHO));
    }

    @Test
    void timeoutIsTimeoutStatus() throws Exception {
        // SOFABolt always fills the frame's timeout field with the call's timeout, and that field
        // sets the proxy's timeout (MOSN): the proxy's TIMEOUT (7) and SOFABolt's own timer both
        // come after ~1 s and surface alike, as InvokeTimeoutException "[responseCommand TIMEOUT]"
        long start = System.nanoTime();
        Throwable t = catchThrowable(() -> client.invokeSync(addr(boltPort), new BoltEcho("timeout", "late", LATE_MILLIS), service(ECHO), 1000));
        assertThat(t).isInstanceOf(InvokeTimeoutException.class).hasMessageContaining("responseCommand TIMEOUT");
        assertThat(millisSince(start)).as("the 1 s timeout, not the server's 8 s answer").isBetween(900L, LATE_MILLIS - 2000);

        // on the wire: no timeout field (0) -> the route's 1 s; a field of 8 s on the same route -> 8 s
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 15_000)) {
            start = System.nanoTime();
            raw.send(BoltWire.echoRequest(51, 0, Map.of("service", "svc.timeout"), new BoltEcho("timeout", "late-raw", LATE_MILLIS)));
            BoltEcho patient = new BoltEcho("timeout", "patient", 4000);
            raw.send(BoltWire.echoRequest(52, (int) LATE_MILLIS, Map.of("service", "svc.timeout"), patient));
            BoltWire.Response r = raw.read();
            assertThat(r.id()).as("the 1 s route timeout comes before the 4 s answer: %s", r).isEqualTo(51);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.TIMEOUT);
            assertThat(millisSince(start)).as("the route's timeout").isGreaterThanOrEqualTo(900L);
            r = raw.read();
            assertThat(r.id()).as("%s", r).isEqualTo(52);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).isEqualTo(patient.expectedReply("svc.timeout"));
            assertThat(millisSince(start)).isGreaterThanOrEqualTo(3900L);
        }
    }

    @Test
    void requestTimeoutFieldSetsTheProxyTimeout() throws Exception {
        // route svc.echo allows 30 s; the frame says 700 ms
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 15_000)) {
            long start = System.nanoTime();
            BoltWire.Response r = raw.send(BoltWire.echoRequest(61, 700, Map.of("service", ECHO),
                    new BoltEcho("timeout-field", "late", 4000))).read();
            long took = millisSince(start);
            assertThat(r.id()).isEqualTo(61);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.TIMEOUT);
            assertThat(took).as("the frame's 700 ms, not the server's 4 s").isBetween(600L, 3000L);
            // once the server has sent its late answer, the same id is answered with the next request's answer
            awaitAnswered("timeout-field", 1);
            BoltEcho req = BoltEcho.of("timeout-field-next", "next");
            r = raw.send(BoltWire.echoRequest(61, 3000, Map.of("service", ECHO), req)).read();
            assertThat(r.id()).isEqualTo(61);
            assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).as("not the late answer").isEqualTo(req.expectedReply(ECHO));
        }
    }

    // ---- 8. oneway ----

    @Test
    void onewayCallsReachTheServer() throws Exception {
        for (int i = 0; i < 5; i++) {
            client.oneway(addr(boltPort), new BoltEcho("oneway", "ow-bolt-" + i, 0), service(ECHO));
            client.oneway(addr(xPort), new BoltEcho("oneway", "ow-x-" + i, 0), service(ECHO));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (oneways.size() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(oneways).containsExactlyInAnyOrder("ow-bolt-0", "ow-bolt-1", "ow-bolt-2", "ow-bolt-3", "ow-bolt-4",
                "ow-x-0", "ow-x-1", "ow-x-2", "ow-x-3", "ow-x-4");
        // nothing came back for them that confuses the next call on the same connection
        BoltEcho req = BoltEcho.of("oneway-after", "sync-after-oneway");
        assertThat(call(addr(boltPort), ECHO, req)).isEqualTo(req.expectedReply(ECHO));
    }

    // ---- 9. malformed frames ----

    @Test
    void unframeableBytesCloseOnlyThatConnectionAndABadHeaderMapFailsOnlyItsRequest() throws Exception {
        BoltEcho warm = BoltEcho.of("malformed", "before");
        assertThat(call(addr(boltPort), ECHO, warm)).isEqualTo(warm.expectedReply(ECHO));
        try (BoltWire.Client absurd = new BoltWire.Client(boltPort, 3000);
                BoltWire.Client badType = new BoltWire.Client(boltPort, 3000);
                BoltWire.Client badHeaders = new BoltWire.Client(boltPort, 3000)) {
            // a request header claiming 2 GiB of content
            byte[] frame = BoltWire.request(BoltWire.TYPE_REQUEST, BoltWire.CMD_REQUEST, 9, 1000, null, null, null);
            frame[18] = 0x7f;
            frame[19] = (byte) 0xff;
            frame[20] = (byte) 0xff;
            frame[21] = (byte) 0xff;
            absurd.send(frame).send("garbage garbage garbage".getBytes());
            assertThat(absurd.closedWithin(3000)).as("connection with an absurd length closed").isTrue();
            // an unknown command type after the proto byte
            badType.send(new byte[] {0x01, 0x09, 0x00, 0x01, 0x01, 0, 0, 0, 1, 1, 0, 0, 3, (byte) 0xe8, 0, 0, 0, 0, 0, 0, 0, 0});
            assertThat(badType.closedWithin(3000)).as("connection with an unknown type closed").isTrue();
            // a header map whose first key claims more bytes than the map has: the frame is whole, so
            // only that request fails, with a deserialization error (18, as MOSN maps it), and the
            // connection serves the next request
            byte[] badMap = BoltWire.echoRequest(10, 1000, Map.of("service", ECHO), BoltEcho.of("malformed", "bad-map"));
            int classLength = ((badMap[14] & 0xff) << 8) | (badMap[15] & 0xff);
            java.nio.ByteBuffer.wrap(badMap).putInt(22 + classLength, 0x10000);
            BoltWire.Response refused = badHeaders.send(badMap).read();
            assertThat(refused.id()).isEqualTo(10);
            assertThat(refused.status()).as("status for an unreadable header map").isEqualTo(BoltWire.SERVER_DESERIAL_EXCEPTION);
            BoltEcho next = BoltEcho.of("malformed", "next-on-same-connection");
            BoltWire.Response answered = badHeaders.send(BoltWire.echoRequest(11, 3000, Map.of("service", ECHO), next)).read();
            assertThat(answered.id()).isEqualTo(11);
            assertThat(answered.status()).isEqualTo(BoltWire.SUCCESS);
            assertThat(answered.contentObject()).isEqualTo(next.expectedReply(ECHO));
        }
        BoltEcho after = BoltEcho.of("malformed", "after");
        assertThat(call(addr(boltPort), ECHO, after)).isEqualTo(after.expectedReply(ECHO));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = mosn.output().lines().filter(l -> l.contains("bolt") && l.contains("closing")).toList();
            if (lines.size() >= 2) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(lines).as("log lines about the two unframeable connections; output:\n%s", mosn.output()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines).anySatisfy(l -> assertThat(l.toLowerCase()).contains("length"));
    }

    // ---- 10. Auto ----

    @Test
    void autoListenerServesBoltAndHttpOnOnePort() throws Exception {
        BoltEcho req = BoltEcho.of("auto", "via-auto");
        assertThat(call(addr(autoPort), "any.service.Name:1.0", req)).isEqualTo(req.expectedReply("any.service.Name:1.0"));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + autoPort + "/hello"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.body()).isEqualTo("auto-http");
        if (Curl.available()) {
            Curl.Result c = Curl.run("--http1.1", "-i", "http://127.0.0.1:" + autoPort + "/curl");
            assertThat(c.exitCode()).as(c.stderr()).isZero();
            assertThat(c.stdout()).startsWith("HTTP/1.1 200").endsWith("auto-http");
        }
        // bolt again after HTTP, on a fresh connection
        BoltEcho again = BoltEcho.of("auto", "via-auto-again");
        Connection conn = client.createStandaloneConnection("127.0.0.1", autoPort, 2000);
        try {
            assertThat(client.invokeSync(conn, again, service("other.Service"), CALL_TIMEOUT)).isEqualTo(again.expectedReply("other.Service"));
        } finally {
            conn.close();
        }
    }

    // ---- 11. bolt v2 ----

    @Test
    void boltV2ThroughBoltV2Listener() throws Exception {
        // SOFABolt speaks protocol code 2 (with CRC32 on by default) when the URL says so
        String v2 = addr(bolt2Port) + "?_PROTOCOL=2&_VERSION=1";
        for (int i = 0; i < 10; i++) {
            BoltEcho req = BoltEcho.of("v2", "v2-" + i);
            assertThat(client.invokeSync(v2, req, service(ECHO), CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
        }
        Throwable t = catchThrowable(() -> client.invokeSync(v2, BoltEcho.of("v2", "nowhere"), service("svc.nowhere"), CALL_TIMEOUT));
        assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
        // and with the CRC switch off
        InvokeContext noCrc = service(ECHO);
        noCrc.put(InvokeContext.BOLT_CRC_SWITCH, false);
        BoltEcho req = BoltEcho.of("v2", "v2-nocrc");
        assertThat(client.invokeSync(v2, req, noCrc, CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
        assertThat(crcByPayload).containsEntry("v2-0", true).containsEntry("v2-nocrc", false);
    }

    @Test
    void boltV2WithCrcCheckedByBothEnds() throws Exception {
        // ver1 = 2: SOFABolt appends a CRC32 to each frame and checks the peer's, so the proxy must
        // recompute it after remapping the request id (upstream) and restoring it (downstream)
        Connection conn = client.createStandaloneConnection(addr(bolt2Port) + "?_PROTOCOL=2&_VERSION=2", 2000);
        try {
            assertThat(conn.getChannel().attr(Connection.VERSION).get()).isEqualTo(RpcProtocolV2.PROTOCOL_VERSION_2);
            for (int i = 0; i < 20; i++) {
                BoltEcho req = BoltEcho.of("v2crc", "v2crc-" + i);
                assertThat(client.invokeSync(conn, req, service(ECHO), CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
            }
            assertThat(crcByPayload).containsEntry("v2crc-0", true).containsEntry("v2crc-19", true);
            InvokeContext noCrc = service(ECHO);
            noCrc.put(InvokeContext.BOLT_CRC_SWITCH, false);
            BoltEcho req = BoltEcho.of("v2crc", "v2crc-off");
            assertThat(client.invokeSync(conn, req, noCrc, CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
            assertThat(crcByPayload).containsEntry("v2crc-off", false);
            // the proxy's own answers carry a valid CRC too
            Throwable t = catchThrowable(() -> client.invokeSync(conn, BoltEcho.of("v2crc", "nowhere"), service("svc.nowhere"), CALL_TIMEOUT));
            assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
        } finally {
            conn.close();
        }
    }

    // ---- more of the wire: colliding ids, split frames, oneway, upstream failures ----

    @Test
    void sameIdsFromManyConnectionsAreKeptApart() throws Exception {
        // SOFABolt numbers requests JVM-wide, so its callers never collide: raw callers here
        // all use ids 1..100 at once, pipelined, through the one shared upstream connection
        int conns = 10;
        int perConn = 100;
        List<BoltWire.Client> clients = new ArrayList<>();
        try {
            for (int c = 0; c < conns; c++) {
                clients.add(new BoltWire.Client(boltPort, 10_000));
            }
            for (int c = 0; c < conns; c++) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int id = 1; id <= perConn; id++) {
                    all.write(BoltWire.echoRequest(id, 10_000, Map.of("service", ECHO), BoltEcho.of("collide", "c" + c + "-" + id)));
                }
                clients.get(c).send(all.toByteArray()); // one write: many frames per read on the proxy side
            }
            for (int c = 0; c < conns; c++) {
                Set<Integer> ids = new HashSet<>();
                for (int n = 0; n < perConn; n++) {
                    BoltWire.Response r = clients.get(c).read();
                    assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.SUCCESS);
                    assertThat(r.contentObject()).as("answer to id %d on connection %d", r.id(), c)
                            .isEqualTo("echo:c" + c + "-" + r.id() + "|service=" + ECHO);
                    ids.add(r.id());
                }
                assertThat(ids).hasSize(perConn);
            }
        } finally {
            for (BoltWire.Client c : clients) {
                c.close();
            }
        }
        assertThat(remotesByTag.get("collide")).as("upstream connections the server saw").hasSize(1);
    }

    @Test
    void framesSplitAnywhereAndBatchedTogether() throws Exception {
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 5000)) {
            BoltEcho req = BoltEcho.of("split", "one-byte-at-a-time");
            byte[] frame = BoltWire.echoRequest(1, 5000, Map.of("service", ECHO, "k", "v"), req);
            for (byte b : frame) {
                raw.send(new byte[] {b});
                Thread.sleep(1);
            }
            BoltWire.Response r = raw.read();
            assertThat(r.id()).isEqualTo(1);
            assertThat(r.contentObject()).isEqualTo(req.expectedReply(ECHO));
            // two whole frames and half of a third in one write, the rest later
            byte[] a = BoltWire.echoRequest(2, 5000, Map.of("service", ECHO), BoltEcho.of("split", "a"));
            byte[] b = BoltWire.echoRequest(3, 5000, Map.of("service", ECHO), BoltEcho.of("split", "b"));
            byte[] c = BoltWire.echoRequest(4, 5000, Map.of("service", ECHO), BoltEcho.of("split", "c"));
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.write(a);
            batch.write(b);
            batch.write(c, 0, 10);
            raw.send(batch.toByteArray());
            Thread.sleep(100);
            raw.send(Arrays.copyOfRange(c, 10, c.length));
            Map<Integer, Object> got = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                r = raw.read();
                got.put(r.id(), r.contentObject());
            }
            assertThat(got).containsEntry(2, "echo:a|service=" + ECHO).containsEntry(3, "echo:b|service=" + ECHO)
                    .containsEntry(4, "echo:c|service=" + ECHO);
        }
    }

    @Test
    void rawOnewayGetsNoAnswer() throws Exception {
        int before = requests("oneway-raw");
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 5000)) {
            byte[] content = SerializerManager.getSerializer(BoltWire.HESSIAN2)
                    .serialize(BoltEcho.of("oneway-raw", "ow"));
            raw.send(BoltWire.request(BoltWire.TYPE_ONEWAY, BoltWire.CMD_REQUEST, 70, 0, BoltEcho.class.getName(),
                    Map.of("service", ECHO), content));
            BoltEcho req = BoltEcho.of("oneway-raw-after", "after");
            BoltWire.Response r = raw.send(BoltWire.echoRequest(71, 5000, Map.of("service", ECHO), req)).read();
            assertThat(r.id()).as("the first answer on the connection is the request's, not the oneway's").isEqualTo(71);
            assertThat(r.contentObject()).isEqualTo(req.expectedReply(ECHO));
        }
        assertThat(requests("oneway-raw")).isEqualTo(before + 1);
    }

    @Test
    void serverExceptionComesThroughAsIs() throws Exception {
        Throwable t = catchThrowable(() -> call(addr(boltPort), ECHO, BoltEcho.of("throw", "boom")));
        // SERVER_EXCEPTION (2) with the server's serialized exception as content, untouched by the proxy
        assertThat(t).isInstanceOf(InvokeServerException.class);
        assertThat(t.getMessage() + " / " + t.getCause()).contains("thrown by the server for boom");
        BoltEcho req = BoltEcho.of("after-throw", "ok");
        assertThat(call(addr(boltPort), ECHO, req)).isEqualTo(req.expectedReply(ECHO));
    }

    @Test
    void upstreamResetOrGarbageIsAnsweredInBolt() throws Exception {
        for (String mode : new String[] {"rst", "garbage"}) {
            try (BoltWire.Client raw = new BoltWire.Client(boltPort, 20_000)) {
                long start = System.nanoTime();
                BoltWire.Response r = raw.send(BoltWire.echoRequest(81, 30_000, Map.of("service", "svc." + mode),
                        BoltEcho.of("broken", mode))).read();
                assertThat(r.id()).isEqualTo(81);
                // MOSN: an upstream reset before the answer is "no healthy upstream" -> NO_PROCESSOR
                assertThat(r.status()).as("%s after upstream %s", r, mode).isEqualTo(BoltWire.NO_PROCESSOR);
                assertThat(millisSince(start)).as("answered at once, not at the 30 s timeout").isLessThan(QUICK_MILLIS);
                // the downstream connection is still good
                BoltEcho req = BoltEcho.of("broken-after", mode);
                r = raw.send(BoltWire.echoRequest(82, 5000, Map.of("service", ECHO), req)).read();
                assertThat(r.id()).isEqualTo(82);
                assertThat(r.contentObject()).isEqualTo(req.expectedReply(ECHO));
            }
        }
        Throwable t = catchThrowable(() -> call(addr(boltPort), "svc.rst", BoltEcho.of("broken", "sofa")));
        assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
    }

    /**
     * The README's table of the answers the proxy gives in bolt, one row each: the status a raw
     * client reads, and the same connection serving a call afterwards. The overflow row is
     * {@link #readmeErrorTableOverflow}.
     */
    @ParameterizedTest(name = "{0} -> status {2}")
    @CsvSource({
            "no route,                                svc.nowhere, 6",
            "no healthy upstream (empty cluster),     svc.empty,   6",
            "connect failure,                         svc.dead,    6",
            "upstream reset before the answer,        svc.rst,     6",
            "upstream answers bytes that are not bolt, svc.garbage, 6",
            "timeout,                                 svc.timeout, 7",
            "anything else (direct_response 500),     svc.internal, 3"})
    void readmeErrorTable(String outcome, String service, int status) throws Exception {
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 20_000)) {
            BoltEcho req = new BoltEcho("table", outcome, service.equals("svc.timeout") ? LATE_MILLIS : 0);
            BoltWire.Response r = raw.send(BoltWire.echoRequest(101, 0, Map.of("service", service), req)).read();
            assertThat(r.id()).isEqualTo(101);
            assertThat(r.type()).isEqualTo(BoltWire.TYPE_RESPONSE);
            assertThat(r.status()).as("%s: %s", outcome, r).isEqualTo(status);
            BoltEcho after = BoltEcho.of("table-after", outcome);
            r = raw.send(BoltWire.echoRequest(102, 5000, Map.of("service", ECHO), after)).read();
            assertThat(r.id()).isEqualTo(102);
            assertThat(r.contentObject()).isEqualTo(after.expectedReply(ECHO));
        }
    }

    /** Waits (bounded) until the server holds the answer to the {@code held} request {@code payload}. */
    static Runnable awaitHeld(String payload) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!held.containsKey(payload) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(held).as("requests the server holds").containsKey(payload);
        return held.remove(payload);
    }

    /**
     * The README table's overflow row: the cluster {@code breaker} has {@code circuit_breakers:
     * [{"max_requests": 1}]}. While the server holds one request, a second one to the cluster, on
     * the same connection, is answered at once with status 4 (SERVER_THREADPOOL_BUSY) without
     * reaching the server, and SOFABolt's client reports it as the server being busy; the held
     * request then completes normally and the connection is served again by the same cluster.
     */
    @Test
    void readmeErrorTableOverflow() throws Exception {
        Map<String, String> breaker = Map.of("service", "svc.breaker");
        try (BoltWire.Client raw = new BoltWire.Client(boltPort, 20_000)) {
            BoltEcho first = new BoltEcho("held", "overflow-first", 0);
            raw.send(BoltWire.echoRequest(111, 0, breaker, first));
            Runnable answerFirst = awaitHeld("overflow-first");
            long start = System.nanoTime();
            BoltWire.Response r = raw.send(BoltWire.echoRequest(112, 0, breaker, BoltEcho.of("overflow", "second"))).read();
            assertThat(r.id()).isEqualTo(112);
            assertThat(r.type()).isEqualTo(BoltWire.TYPE_RESPONSE);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.SERVER_THREADPOOL_BUSY);
            assertThat(millisSince(start)).as("answered at once").isLessThan(QUICK_MILLIS);
            Throwable t = catchThrowable(() -> call(addr(boltPort), "svc.breaker", BoltEcho.of("overflow", "sofa")));
            assertThat(t).as("SOFABolt's view of status 4").isInstanceOf(InvokeServerBusyException.class);
            assertThat(requests("overflow")).as("refused requests never reach the server").isZero();

            answerFirst.run();
            r = raw.read();
            assertThat(r.id()).isEqualTo(111);
            assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).isEqualTo(first.expectedReply("svc.breaker"));
            BoltEcho after = BoltEcho.of("overflow-after", "after");
            r = raw.send(BoltWire.echoRequest(113, 5000, breaker, after)).read();
            assertThat(r.id()).isEqualTo(113);
            assertThat(r.contentObject()).isEqualTo(after.expectedReply("svc.breaker"));
        }
    }

    @Test
    void callerGoneBeforeTheAnswer() throws Exception {
        int before = requests("gone");
        for (int i = 0; i < 5; i++) {
            try (BoltWire.Client raw = new BoltWire.Client(boltPort, 5000)) {
                raw.send(BoltWire.echoRequest(90 + i, 5000, Map.of("service", ECHO), new BoltEcho("gone", "g" + i, 500)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (requests("gone") < before + i + 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            } // closed while the server still holds the request
        }
        // the late answers reach the proxy and find no caller (leaks would show at stop); the call after
        // them shares their upstream connection, so its answer comes after theirs
        awaitAnswered("gone", 5);
        BoltEcho req = BoltEcho.of("gone-after", "ok");
        assertThat(call(addr(boltPort), ECHO, req)).isEqualTo(req.expectedReply(ECHO));
        assertThat(requests("gone")).isEqualTo(before + 5);
    }

    @Test
    void autoListenerHeartbeatFirstAndNoServiceHeader() throws Exception {
        try (BoltWire.Client raw = new BoltWire.Client(autoPort, 5000)) {
            // a heartbeat as the connection's very first bytes: detected as bolt and answered
            BoltWire.Response r = raw.send(BoltWire.heartbeat(5)).read();
            assertThat(r.cmd()).isEqualTo(BoltWire.CMD_HEARTBEAT);
            assertThat(r.id()).isEqualTo(5);
            assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            // no service header: only the HTTP route (prefix "/") is left, which a bolt request must not match
            r = raw.send(BoltWire.echoRequest(6, 5000, Map.of(), BoltEcho.of("auto-noservice", "x"))).read();
            assertThat(r.id()).isEqualTo(6);
            assertThat(r.status()).as("%s", r).isEqualTo(BoltWire.NO_PROCESSOR);
        }
    }

    @Test
    void boltV2HeartbeatsAnsweredByTheProxy() throws Exception {
        String before = System.getProperty("bolt.tcp.heartbeat.interval");
        Connection conn;
        System.setProperty("bolt.tcp.heartbeat.interval", "300");
        try {
            conn = client.createStandaloneConnection(addr(bolt2Port) + "?_PROTOCOL=2&_VERSION=1", 2000);
        } finally {
            if (before == null) {
                System.clearProperty("bolt.tcp.heartbeat.interval");
            } else {
                System.setProperty("bolt.tcp.heartbeat.interval", before);
            }
        }
        try {
            assertThat(conn.getChannel().attr(Connection.PROTOCOL).get().getFirstByte()).isEqualTo(RpcProtocolV2.PROTOCOL_CODE);
            int seenBefore = heartbeatsSeen.get();
            int acksBefore = heartbeatAcks.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (heartbeatAcks.get() - acksBefore < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(heartbeatAcks.get() - acksBefore).as("v2 heartbeat acks").isGreaterThanOrEqualTo(4);
            assertThat(conn.isFine()).isTrue();
            assertThat(conn.getChannel().attr(Connection.HEARTBEAT_COUNT).get()).isZero();
            assertThat(heartbeatsSeen.get() - seenBefore).isZero();
            BoltEcho req = BoltEcho.of("v2", "after-v2-heartbeats");
            assertThat(client.invokeSync(conn, req, service(ECHO), CALL_TIMEOUT)).isEqualTo(req.expectedReply(ECHO));
        } finally {
            conn.close();
        }
    }
}
