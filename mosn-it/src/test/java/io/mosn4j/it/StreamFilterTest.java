package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.exception.InvokeException;
import com.alipay.remoting.rpc.exception.InvokeServerBusyException;
import com.alipay.remoting.rpc.exception.InvokeServerException;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import io.mosn4j.it.RawHttpClient.RawResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * MOSN's stream filters from mosn-filters ({@code fault}, {@code payload_limit}, {@code ip_access})
 * through the real {@code bin/mosn}, loaded by the stream filter SPI as any plugin jar: HTTP/1 with
 * raw sockets, HTTP/2 with a Netty h2c client, bolt with the real SOFABolt client and server. One
 * event loop ({@code processor: 1}), so a filter that blocked it would hold every other request.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StreamFilterTest {
    static {
        // as BoltProxyTest: keep SOFABolt's own logging setup (which fails on logback 1.5) out of the way
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
                  "router_config_name": "http",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/override"}, "route": {"cluster_name": "echo"},
                     "per_filter_config": {"fault": {"abort": {"status": 429, "percentage": 100}}}},
                    {"match": {"prefix": "/nofault"}, "route": {"cluster_name": "echo"}, "per_filter_config": {"fault": {}}},
                    {"match": {"prefix": "/slowroute"}, "route": {"cluster_name": "echo", "timeout": "300ms"}},
                    {"match": {"prefix": "/other"}, "route": {"cluster_name": "echo2"}},
                    {"match": {"prefix": "/big"}, "route": {"cluster_name": "echo"},
                     "per_filter_config": {"payload_limit": {"max_entity_size": 1048576}}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "echo"}}
                  ]}]
                }, {
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "svc.echo"}]}, "route": {"cluster_name": "bolt"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.abort"}]}, "route": {"cluster_name": "bolt"},
                     "per_filter_config": {"fault": {"abort": {"status": 503, "percentage": 100}}}},
                    {"match": {"headers": [{"name": "service", "value": "svc.delay"}]}, "route": {"cluster_name": "bolt"},
                     "per_filter_config": {"fault": {"delay": {"fixed_delay": "500ms", "percentage": 100}}}}
                  ]}]
                }],
                "listeners": [
                  {"name": "delay", "address": "127.0.0.1:${DELAY}",
                   "stream_filters": [{"type": "fault", "config": {"delay": {"fixed_delay": "1s", "percentage": 100},
                                                                  "headers": [{"name": "x-fault", "value": "delay"}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "abort", "address": "127.0.0.1:${ABORT}",
                   "stream_filters": [{"type": "fault", "config": {"abort": {"status": 503, "percentage": 100}, "upstream_cluster": "echo"}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "h2abort", "address": "127.0.0.1:${H2}",
                   "stream_filters": [{"type": "fault", "config": {"abort": {"status": 503, "percentage": 100}, "upstream_cluster": "echo"}},
                                      {"type": "payload_limit", "config": {"max_entity_size": 1024}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "payload", "address": "127.0.0.1:${PAYLOAD}",
                   "stream_filters": [{"type": "payload_limit", "config": {"max_entity_size ": 1024}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "ipdeny", "address": "127.0.0.1:${IPDENY}",
                   "stream_filters": [{"type": "ip_access", "config": {"ips": [{"action": "deny", "addrs": ["127.0.0.0/8"]}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "ipallow", "address": "127.0.0.1:${IPALLOW}",
                   "stream_filters": [{"type": "ip_access", "config": {"default_action": "deny", "ips": [{"action": "allow", "addrs": ["127.0.0.1", "::1"]}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "ipheader", "address": "127.0.0.1:${IPHEADER}",
                   "stream_filters": [{"type": "ip_access", "config": {"header": "X-Forwarded-For", "default_action": "deny",
                                                                      "ips": [{"action": "allow", "addrs": ["192.0.2.0/24"]}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}",
                   "stream_filters": [{"type": "fault", "config": {}}, {"type": "payload_limit", "config": {"max_entity_size": 512}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "boltflow", "address": "127.0.0.1:${BOLTFLOW}",
                   "stream_filters": [{"type": "flowControlFilter", "config": {"global_switch": true, "log_path": "${SENTINEL_LOG}",
                     "action": {"status": 503, "body": "limited"}, "rules": [{"resource": "svc.echo", "grade": 1, "count": 1}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "boltip", "address": "127.0.0.1:${BOLTIP}",
                   "stream_filters": [{"type": "ip_access", "config": {"header": "x-forwarded-for", "ips": [
                     {"action": "allow", "addrs": ["192.0.2.0/24"]}, {"action": "deny", "addrs": ["127.0.0.0/8"]}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "echo", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${ECHO}"}]},
                {"name": "echo2", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${ECHO}"}]},
                {"name": "bolt", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]}
              ]}
            }
            """;

    private static final int CALL_TIMEOUT = 5000;
    private static final Map<String, AtomicInteger> boltCalls = new ConcurrentHashMap<>();

    private static NettyHttpBackend echo;
    private static RpcServer boltServer;
    private static RpcClient boltClient;
    private static MosnProcess mosn;
    private static final Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        BoltHeaderSerializer.register();
        echo = NettyHttpBackend.start("echo");
        int boltServerPort = freePort();
        boltServer = new RpcServer("127.0.0.1", boltServerPort);
        boltServer.registerUserProcessor(new Echo());
        boltServer.startup();
        for (String name : List.of("DELAY", "ABORT", "H2", "PAYLOAD", "IPDENY", "IPALLOW", "IPHEADER", "BOLT", "BOLTIP", "BOLTFLOW")) {
            ports.put(name, freePort());
        }
        Map<String, Object> v = vars("ECHO", echo.address(), "BOLT_SERVER", boltServerPort,
                "SENTINEL_LOG", Path.of("target", "sentinel-streamfilter").toAbsolutePath());
        v.putAll(ports);
        mosn = MosnProcess.builder().config(render(CONFIG, v))
                .waitFor(ports.values().stream().mapToInt(Integer::intValue).toArray()).probe(ports.get("ABORT")).start();
        boltClient = new RpcClient();
        boltClient.startup();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (boltClient != null) {
                boltClient.shutdown();
            }
            if (mosn != null) {
                Files.writeString(Path.of("target", "StreamFilterTest-mosn.log"), mosn.output());
                assertThat(mosn.stop()).as("mosn exit code; output:\n%s", mosn.output()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (boltServer != null) {
                boltServer.shutdown();
            }
            if (echo != null) {
                echo.close();
            }
        }
    }

    // ---- fault ----

    @Test
    void faultDelayHoldsOnlyTheDelayedRequestsAndNeverTheEventLoop() throws Exception {
        int port = ports.get("DELAY");
        long start = System.nanoTime();
        // two delayed requests on their own connections: their timers run side by side
        CompletableFuture<Long> first = CompletableFuture.supplyAsync(() -> delayedGet(port, "/delayed/1"));
        CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> delayedGet(port, "/delayed/2"));
        Thread.sleep(150);
        // meanwhile, on another connection and the same (only) event loop, requests without the header go straight through
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 5; i++) {
                long t = System.nanoTime();
                RawResponse r = c.get("/quick/" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("echo GET /quick/" + i);
                assertThat(millisSince(t)).as("an undelayed request").isLessThan(500);
            }
        }
        assertThat(first.isDone() || second.isDone()).as("the delayed requests are still held").isFalse();
        long a = first.get(10, TimeUnit.SECONDS);
        long b = second.get(10, TimeUnit.SECONDS);
        assertThat(a).isBetween(1000L, 2500L);
        assertThat(b).isBetween(1000L, 2500L);
        assertThat(millisSince(start)).as("both delays ran at once, not one after the other").isLessThan(2800);
    }

    /** A GET with the header the delay listener's fault matches; returns how long the 200 took, in ms. */
    private static long delayedGet(int port, String path) {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            long t = System.nanoTime();
            RawResponse r = c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nx-fault: delay\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("echo GET " + path);
            return millisSince(t);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void faultDelayDoesNotCountAgainstTheRouteTimeout() throws Exception {
        // the route's timeout is 300ms and the delay 1s: as in MOSN, the timeout starts when the request goes upstream
        assertThat(delayedGet(ports.get("DELAY"), "/slowroute/x")).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void faultAbortAnswersHttp1WithTheStatusAndNeverReachesTheUpstream() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("ABORT"))) {
            RawResponse r = c.get("/aborted/1");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.bodyText()).isEqualTo("fault filter abort\n");
            // the connection lives on
            RawResponse after = c.get("/nofault/1");
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.bodyText()).isEqualTo("echo GET /nofault/1");
        }
        assertThat(echo.seen).noneMatch(req -> req.uri().startsWith("/aborted"));
    }

    @Test
    void aRoutesFaultConfigReplacesTheListeners() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("ABORT"))) {
            assertThat(c.get("/override").status()).as("the route's own abort").isEqualTo(429);
            assertThat(c.get("/nofault").status()).as("the route's empty config: no faults").isEqualTo(200);
            assertThat(c.get("/other").status()).as("upstream_cluster is echo; this route goes to echo2").isEqualTo(200);
            assertThat(c.get("/").status()).isEqualTo(503);
        }
    }

    @Test
    void faultAbortAnswersHttp2WithTheStatus() throws Exception {
        int port = ports.get("H2");
        try (H2Peers.Client c = new H2Peers.Client(port)) {
            H2Peers.Response r = c.request(H2Peers.get("/aborted/h2", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).isEqualTo("fault filter abort\n");
            H2Peers.Response ok = c.request(H2Peers.get("/nofault/h2", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.text()).isEqualTo("echo GET /nofault/h2");
        }
    }

    @Test
    void faultOnBoltIsServerBusyOrADelayForTheSofaBoltClient() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLT");
        Throwable t = catchThrowable(() -> call(addr, "svc.abort", BoltEcho.of("fault-abort", "x"), Map.of()));
        // the 503 abort is MOSN's overflow: bolt's "server thread pool busy"
        assertThat(t).isInstanceOf(InvokeServerBusyException.class);
        assertThat(calls("fault-abort")).isZero();

        long start = System.nanoTime();
        assertThat(call(addr, "svc.delay", BoltEcho.of("fault-delay", "late"), Map.of())).isEqualTo("echo:late");
        assertThat(millisSince(start)).isBetween(500L, 3000L);

        start = System.nanoTime();
        assertThat(call(addr, "svc.echo", BoltEcho.of("fault-none", "now"), Map.of())).isEqualTo("echo:now");
        assertThat(millisSince(start)).isLessThan(500);
    }

    // ---- payload_limit ----

    @Test
    void payloadLimitRefusesADeclaredLengthOverTheLimit() throws Exception {
        int port = ports.get("PAYLOAD");
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawResponse r = c.send(post("/up/too-big", "x".repeat(1025))).readResponse();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).isEqualTo("request entity too large\n");
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawResponse r = c.send(post("/up/fits", "y".repeat(1024))).readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("y".repeat(1024));
        }
        assertThat(echo.seen).noneMatch(req -> req.uri().equals("/up/too-big"));
    }

    @Test
    void payloadLimitCountsAChunkedBodyAsItStreams() throws Exception {
        int port = ports.get("PAYLOAD");
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawResponse r = c.send(chunked("/up/chunked-big", 400, 400, 400)).readResponse();
            assertThat(r.status()).isEqualTo(413);
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawResponse r = c.send(chunked("/up/chunked-small", 400, 400)).readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(800);
        }
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawResponse r = c.send(chunked("/big/chunked", 400, 400, 400)).readResponse();
            assertThat(r.status()).as("the route's own limit is 1 MiB").isEqualTo(200);
            assertThat(r.body()).hasSize(1200);
        }
    }

    @Test
    void payloadLimitOnHttp2CountsTheStreamedBody() throws Exception {
        int port = ports.get("H2");
        try (H2Peers.Client c = new H2Peers.Client(port)) {
            // no content-length: the body is counted frame by frame
            var big = H2Peers.get("/nofault/h2-big", port).method("POST");
            H2Peers.Response r = c.request(big, new byte[4096], null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(413);
            var small = H2Peers.get("/nofault/h2-small", port).method("POST");
            H2Peers.Response ok = c.request(small, "z".repeat(1000).getBytes(StandardCharsets.US_ASCII), null).get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.text()).isEqualTo("z".repeat(1000));
        }
    }

    @Test
    void payloadLimitOnBoltCountsTheCallsPayload() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLT");
        Throwable t = catchThrowable(() -> call(addr, "svc.echo", BoltEcho.of("payload-big", "p".repeat(2000)), Map.of()));
        assertThat(t).isInstanceOf(InvokeException.class);
        assertThat(calls("payload-big")).isZero();
        assertThat(call(addr, "svc.echo", BoltEcho.of("payload-small", "p".repeat(100)), Map.of())).isEqualTo("echo:" + "p".repeat(100));
    }

    // ---- ip_access ----

    @Test
    void ipAccessDeniesAndAllowsByThePeerAddress() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("IPDENY"))) {
            RawResponse r = c.get("/ip/denied");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.bodyText()).isEqualTo("ip access denied\n");
        }
        try (RawHttpClient c = RawHttpClient.connect(ports.get("IPALLOW"))) {
            RawResponse r = c.get("/ip/allowed");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("echo GET /ip/allowed");
        }
        assertThat(echo.seen).noneMatch(req -> req.uri().equals("/ip/denied"));
    }

    @Test
    void ipAccessReadsTheClientFromTheConfiguredHeader() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("IPHEADER"))) {
            RawResponse viaProxy = c.send("GET /ip/xff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 192.0.2.44, 127.0.0.1\r\n\r\n").readResponse();
            assertThat(viaProxy.status()).isEqualTo(200);
            assertThat(c.get("/ip/no-xff").status()).as("no header: the peer 127.0.0.1, not allowed").isEqualTo(403);
            RawResponse other = c.send("GET /ip/xff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n").readResponse();
            assertThat(other.status()).isEqualTo(403);
            RawResponse junk = c.send("GET /ip/xff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: unknown\r\n\r\n").readResponse();
            assertThat(junk.status()).isEqualTo(403);
        }
    }

    @Test
    void flowControlOnBoltLimitsByServiceWithTheSofaBoltClient() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLTFLOW");
        assertThat(call(addr, "svc.echo", BoltEcho.of("flow-first", "in"), Map.of())).isEqualTo("echo:in");
        // a bolt call's resource is its service: the rest of the second is over the limit, answered as the action's 503 (server busy)
        Throwable t = catchThrowable(() -> call(addr, "svc.echo", BoltEcho.of("flow-limited", "x"), Map.of()));
        assertThat(t).isInstanceOf(InvokeServerBusyException.class);
        assertThat(calls("flow-limited")).isZero();
    }

    @Test
    void ipAccessOnBoltWithTheSofaBoltClient() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLTIP");
        Throwable t = catchThrowable(() -> call(addr, "svc.echo", BoltEcho.of("ip-denied", "x"), Map.of()));
        // permission denied is bolt's server exception, as MOSN maps it
        assertThat(t).isInstanceOf(InvokeServerException.class);
        assertThat(calls("ip-denied")).isZero();
        assertThat(call(addr, "svc.echo", BoltEcho.of("ip-allowed", "in"), Map.of("x-forwarded-for", "192.0.2.9"))).isEqualTo("echo:in");
    }

    @Test
    void aFloodOfRefusalsLogsAtMostALineASecond() throws Exception {
        int before = mosn.output().length();
        long start = System.nanoTime();
        int refused = 0;
        try (RawHttpClient c = RawHttpClient.connect(ports.get("IPDENY"))) {
            for (int i = 0; i < 300; i++) {
                refused += c.get("/ip/flood").status() == 403 ? 1 : 0;
            }
        }
        long seconds = millisSince(start) / 1000;
        assertThat(refused).isEqualTo(300);
        Thread.sleep(1100);
        try (RawHttpClient c = RawHttpClient.connect(ports.get("IPDENY"))) {
            assertThat(c.get("/ip/after-flood").status()).isEqualTo(403);
        }
        String lines = awaitOutput(before, "more requests since the last line");
        long logged = lines.lines().filter(l -> l.contains("ip_access at servers[0].listeners[4].stream_filters[0]: refused 127.0.0.1")).count();
        assertThat(logged).as("refusal lines for 301 refusals over %ss:\n%s", seconds, lines).isBetween(1L, seconds + 3);
    }

    // ---- configs mosn refuses ----

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("fault percentage over 100", "{\"type\": \"fault\", \"config\": {\"abort\": {\"status\": 503, \"percentage\": 150}}}", "",
                        "servers[0].listeners[0].stream_filters[0].config.abort.percentage", "must be 0..100, got 150"),
                Arguments.of("fault delay without duration", "{\"type\": \"fault\", \"config\": {\"delay\": {\"percentage\": 10}}}", "",
                        "servers[0].listeners[0].stream_filters[0].config.delay.fixed_delay", "required"),
                Arguments.of("payload_limit status", "{\"type\": \"payload_limit\", \"config\": {\"max_entity_size\": 10, \"http_status\": 200}}", "",
                        "servers[0].listeners[0].stream_filters[0].config.http_status", "400..599"),
                Arguments.of("ip_access bad range", "{\"type\": \"ip_access\", \"config\": {\"ips\": [{\"action\": \"deny\", \"addrs\": [\"10.0.0.0/40\"]}]}}", "",
                        "servers[0].listeners[0].stream_filters[0].config.ips[0].addrs[0]", "prefix length"),
                Arguments.of("ip_access misspelt action", "{\"type\": \"ip_access\", \"config\": {\"ips\": [{\"action\": \"dney\", \"addrs\": [\"10.0.0.1\"]}]}}", "",
                        "servers[0].listeners[0].stream_filters[0].config.ips[0].action", "\"dney\""),
                Arguments.of("per-route fault regex", "{\"type\": \"fault\", \"config\": {}}",
                        ", \"per_filter_config\": {\"fault\": {\"headers\": [{\"name\": \"x\", \"value\": \"(\", \"regex\": true}]}}",
                        "servers[0].routers[0].virtual_hosts[0].routers[0].per_filter_config.fault.headers[0].value", "invalid regular expression"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void aBadFilterConfigIsRefusedWithOneLineNamingItsPath(String name, String filter, String routeExtra, String path, String detail) throws Exception {
        String config = """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}%s}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "stream_filters": [%s],
                    "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}]}
                """.formatted(routeExtra, freePort(), filter);
        Path file = MosnProcess.writeTemp("filters.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as("stderr of %s", name).hasSize(1);
        assertThat(r.stderrLines().get(0)).startsWith("mosn: invalid config " + file + ": ").contains(path + ": ").contains(detail);
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    // ---- helpers ----

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String chunked(String path, int... chunks) {
        StringBuilder sb = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int n : chunks) {
            sb.append(Integer.toHexString(n)).append("\r\n").append("c".repeat(n)).append("\r\n");
        }
        return sb.append("0\r\n\r\n").toString();
    }

    private static Object call(String address, String service, BoltEcho req, Map<String, String> extraHeaders) throws Exception {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("service", service);
        InvokeContext ctx = new InvokeContext();
        ctx.put(BoltHeaderSerializer.HEADERS, headers);
        return boltClient.invokeSync(address, req, ctx, CALL_TIMEOUT);
    }

    private static int calls(String tag) {
        AtomicInteger n = boltCalls.get(tag);
        return n == null ? 0 : n.get();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /** mosn's output after {@code from}, once it contains {@code text} (bounded wait). */
    private static String awaitOutput(int from, String text) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String out = mosn.output().substring(from);
        while (!out.contains(text) && System.nanoTime() < deadline) {
            MosnProcess.sleep(50);
            out = mosn.output().substring(from);
        }
        return out;
    }

    /** Echoes the payload ("echo:PAYLOAD") and counts calls by tag. */
    static final class Echo extends AsyncUserProcessor<BoltEcho> {
        @Override
        public void handleRequest(BizContext biz, AsyncContext async, BoltEcho req) {
            boltCalls.computeIfAbsent(req.tag(), t -> new AtomicInteger()).incrementAndGet();
            async.sendResponse("echo:" + req.payload());
        }

        @Override
        public String interest() {
            return BoltEcho.class.getName();
        }

        @Override
        public boolean processInIOThread() {
            return true;
        }
    }
}
