package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.sleep;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import io.mosn4j.it.DubboServices.Calc;
import io.mosn4j.it.DubboServices.CalcImpl;
import io.mosn4j.it.DubboServices.Echo;
import io.mosn4j.it.DubboServices.EchoImpl;
import io.mosn4j.it.DubboServices.Unrouted;
import io.mosn4j.it.DubboWire.Frame;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.remoting.RemotingException;
import org.apache.dubbo.remoting.TimeoutException;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.apache.dubbo.rpc.model.ModuleModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * Dubbo through the real {@code bin/mosn}: real Apache Dubbo 3.3 providers and consumer (dubbo
 * protocol, hessian2, no registry: the consumer calls the proxy directly) on two listeners, one
 * {@code "X"} with {@code sub_protocol: dubbo}, one {@code "dubbo"}; routes on the RPC headers
 * service / method / version / group; byte-level checks with {@link DubboWire}; {@link DubboTap}
 * relays in front of provider A and of some consumers show what crossed each hop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DubboProxyTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "${ECHO}"}, {"name": "breaker", "value": "on"}]},
                     "route": {"cluster_name": "c_breaker", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": "${ECHO}"}, {"name": "version", "value": "2.0.0"}]},
                     "route": {"cluster_name": "c_v2"}},
                    {"match": {"headers": [{"name": "service", "value": "${ECHO}"}, {"name": "group", "value": "limited"}]},
                     "route": {"cluster_name": "c_a", "timeout": "1s"}},
                    {"match": {"headers": [{"name": "service", "value": ".*"}, {"name": "group", "value": "down"}]},
                     "route": {"cluster_name": "c_dead", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": ".*"}, {"name": "group", "value": "empty"}]},
                     "route": {"cluster_name": "c_empty", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": ".*"}, {"name": "group", "value": "rst"}]},
                     "route": {"cluster_name": "c_rst", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": ".*"}, {"name": "group", "value": "garbage"}]},
                     "route": {"cluster_name": "c_garbage", "timeout": "30s"}},
                    {"match": {"headers": [{"name": "service", "value": ".*"}, {"name": "group", "value": "internal"}]},
                     "direct_response": {"status": 500, "body": "internal"}},
                    {"match": {"headers": [{"name": "service", "value": "${ECHO}"}, {"name": "method", "value": "who"}]},
                     "route": {"cluster_name": "c_b"}},
                    {"match": {"headers": [{"name": "service", "value": "${ECHO}"}]}, "route": {"cluster_name": "c_a"}},
                    {"match": {"headers": [{"name": "service", "value": "${CALC}"}]}, "route": {"cluster_name": "c_b"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "x_dubbo", "address": "127.0.0.1:${X_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "rpc",
                               "extend_config": {"sub_protocol": "dubbo"}}}]}]},
                  {"name": "dubbo", "address": "127.0.0.1:${DUBBO_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "dubbo", "upstream_protocol": "dubbo", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "c_a", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${TAP_A}"}]},
                {"name": "c_b", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${PROVIDER_B}"}]},
                {"name": "c_v2", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${PROVIDER_C}"}]},
                {"name": "c_dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s",
                 "hosts": [{"address": "127.0.0.1:${DEAD}"}]},
                {"name": "c_empty", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": []},
                {"name": "c_rst", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${RST}"}]},
                {"name": "c_garbage", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${GARBAGE}"}]},
                {"name": "c_breaker", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "circuit_breakers": [{"max_requests": 1}],
                 "hosts": [{"address": "127.0.0.1:${PROVIDER_B}"}]}
              ]}
            }
            """;

    static final String ECHO = Echo.class.getName();
    static final String CALC = Calc.class.getName();
    static final String ECHO_DESC = "Ljava/lang/String;";
    /**
     * "Answered at once": well under the 30 s route timeouts of the routes that fail, yet long
     * enough that a loaded machine does not fail the test.
     */
    static final long QUICK_MILLIS = 10_000;

    private static final List<FrameworkModel> frameworks = new ArrayList<>();
    private static final List<DubboBootstrap> bootstraps = new ArrayList<>();
    private static final List<ReferenceConfig<?>> references = new CopyOnWriteArrayList<>();
    private static final List<DubboTap> taps = new CopyOnWriteArrayList<>();
    private static ModuleModel consumerModule;
    private static FrameworkModel providerFw;
    private static Set<FrameworkModel> frameworksBefore;
    private static MosnProcess mosn;
    private static DubboTap tapA;
    private static int providerAPort;
    private static BrokenUpstream rstUpstream;
    private static BrokenUpstream garbageUpstream;
    private static int xPort;
    private static int dubboPort;
    /** Echo through the X listener, and through the dubbo one. */
    private static Echo echoX;
    private static Echo echoDubbo;

    @BeforeAll
    static void start() throws Exception {
        // logback's default is DEBUG on the console: Dubbo would print thousands of lines
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.dubbo")).setLevel(Level.WARN);
        System.setProperty("dubbo.application.logger", "slf4j");
        pinDubboLocalHostToLoopback();
        frameworksBefore = Set.copyOf(FrameworkModel.getAllInstances());
        providerFw = new FrameworkModel(); // the three provider applications share it (and its warm-up)
        frameworks.add(providerFw);

        int providerA = freePort();
        int providerB = freePort();
        int providerC = freePort();
        provider("dubbo-it-a", providerA,
                service(Echo.class, new EchoImpl("a"), null, null),
                service(Echo.class, new EchoImpl("a-limited"), "limited", null));
        provider("dubbo-it-b", providerB,
                service(Echo.class, new EchoImpl("b"), null, null),
                service(Calc.class, new CalcImpl(), null, null));
        provider("dubbo-it-c", providerC,
                service(Echo.class, new EchoImpl("c"), null, "2.0.0"));
        tapA = tap("a", providerA);
        providerAPort = providerA;
        rstUpstream = new BrokenUpstream(BrokenUpstream.Mode.RST, DubboWire.HEADER);
        garbageUpstream = new BrokenUpstream(BrokenUpstream.Mode.GARBAGE, DubboWire.HEADER);

        xPort = freePort();
        dubboPort = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("ECHO", ECHO, "CALC", CALC,
                        "X_PORT", xPort, "DUBBO_PORT", dubboPort, "TAP_A", tapA.port(),
                        "PROVIDER_B", providerB, "PROVIDER_C", providerC, "DEAD", deadPort(),
                        "RST", rstUpstream.port(), "GARBAGE", garbageUpstream.port())))
                .waitFor(xPort, dubboPort).start();

        FrameworkModel consumerFw = new FrameworkModel();
        frameworks.add(consumerFw);
        DubboBootstrap consumer = DubboBootstrap.newInstance(consumerFw).application(application("dubbo-it-consumer"));
        bootstraps.add(consumer);
        consumer.start();
        consumerModule = consumer.getApplicationModel().getDefaultModule();

        echoX = reference(Echo.class, xPort, rc -> { }, "");
        echoDubbo = reference(Echo.class, dubboPort, rc -> { }, "");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (ReferenceConfig<?> rc : references) {
                rc.destroy();
            }
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            for (DubboBootstrap b : bootstraps) {
                try {
                    b.stop();
                } catch (RuntimeException e) {
                    // already stopped with its framework
                }
            }
            for (FrameworkModel fw : frameworks) {
                fw.destroy();
            }
            // and any model Dubbo made for itself on the way (its default one)
            for (FrameworkModel fw : FrameworkModel.getAllInstances()) {
                if (!frameworksBefore.contains(fw)) {
                    fw.destroy();
                }
            }
            for (DubboTap t : taps) {
                t.close();
            }
            for (BrokenUpstream b : new BrokenUpstream[] {rstUpstream, garbageUpstream}) {
                if (b != null) {
                    b.close();
                }
            }
        }
        // Dubbo's handler pools and Netty event loops end shortly after their models are destroyed
        List<String> left = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && DUBBO_THREAD.matcher(t.getName()).find())
                    .map(Thread::getName).sorted().toList();
            if (left.isEmpty()) {
                break;
            }
            sleep(100);
        }
        assertThat(left).as("Dubbo threads left after destroying its models").isEmpty();
    }

    private static final Pattern DUBBO_THREAD =
            Pattern.compile("(?i)^(?!dubbo-tap)(.*dubbo.*|NettyServer.*|NettyClient.*)");

    // ---- 1. both listener forms ----

    @Test
    void callsThroughTheXAndTheDubboListeners() {
        for (Echo e : List.of(echoX, echoDubbo)) {
            assertThat(e.echo("hello")).isEqualTo("a:hello");
            assertThat(e.add(40, 2)).isEqualTo(42);
            assertThat(e.echo("")).isEqualTo("a:");
            String big = "x".repeat(200_000);
            assertThat(e.echo(big)).isEqualTo("a:" + big);
        }
    }

    // ---- 2. routing on service, method, version, group ----

    @Test
    void routesByService() {
        Calc calcX = reference(Calc.class, xPort, rc -> { }, "");
        Calc calcDubbo = reference(Calc.class, dubboPort, rc -> { }, "");
        assertThat(calcX.multiply(6, 7)).isEqualTo(42L);
        assertThat(calcDubbo.multiply(1L << 20, 1L << 20)).isEqualTo(1L << 40);
        assertThat(echoX.echo("s")).isEqualTo("a:s"); // same connection, other service, other cluster
    }

    @Test
    void routesByMethodVersionAndGroup() {
        // method: who() goes to provider B, the other methods of the same service to A
        assertThat(echoX.who()).isEqualTo("b");
        assertThat(echoDubbo.who()).isEqualTo("b");
        assertThat(echoX.echo("m")).isEqualTo("a:m");
        // version 2.0.0: provider C, the only one exporting it
        Echo v2 = reference(Echo.class, dubboPort, rc -> rc.setVersion("2.0.0"), "");
        assertThat(v2.echo("v")).isEqualTo("c:v");
        assertThat(v2.who()).as("the version route comes before the method route").isEqualTo("c");
        // group: provider A's "limited" export
        Echo limited = reference(Echo.class, xPort, rc -> rc.setGroup("limited"), "");
        assertThat(limited.echo("g")).isEqualTo("a-limited:g");
    }

    // ---- 3. multiplexing and id remapping ----

    @Test
    void manyConcurrentCallsShareOneUpstreamConnection() throws Exception {
        DubboTap down = tap("many", xPort);
        Echo many = reference(Echo.class, down.port(), rc -> rc.setConnections(4), "");
        assertThat(many.echo("warm")).isEqualTo("a:warm");
        int upBefore = tapA.accepted.get();
        int requestsBefore = tapA.requestsToTarget.get();
        int threads = 4;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CompletableFuture<String>>>> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                started.add(pool.submit(() -> {
                    List<CompletableFuture<String>> fs = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        fs.add(many.echoFuture("t" + thread + "-" + i));
                    }
                    return fs;
                }));
            }
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                List<CompletableFuture<String>> fs = started.get(t).get(30, TimeUnit.SECONDS);
                for (int i = 0; i < perThread; i++) {
                    long left = Math.max(1, TimeUnit.SECONDS.toNanos(30) - (System.nanoTime() - t0));
                    assertThat(fs.get(i).get(left, TimeUnit.NANOSECONDS)).isEqualTo("a:t" + t + "-" + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(down.accepted.get()).as("downstream connections (Dubbo connections=4)").isEqualTo(4);
        assertThat(tapA.requestsToTarget.get() - requestsBefore).isGreaterThanOrEqualTo(threads * perThread);
        assertThat(tapA.accepted.get() - upBefore).as("upstream connections opened for the burst").isLessThanOrEqualTo(1);
        // the other listener's callers share it too (pools belong to the host and the event loop)
        assertThat(echoDubbo.echo("other listener")).isEqualTo("a:other listener");
        assertThat(tapA.open.get()).as("upstream connections to provider A (processor: 1)").isEqualTo(1);
    }

    @Test
    void requestIdsAreRemappedAndRestored() throws Exception {
        // two connections using the same ids, including the extremes of the 64-bit space
        long[] ids = {7, 0, -1, Long.MAX_VALUE, Long.MIN_VALUE};
        try (DubboWire.Client c1 = new DubboWire.Client(xPort, 5000); DubboWire.Client c2 = new DubboWire.Client(dubboPort, 5000)) {
            for (long id : ids) {
                c1.send(DubboWire.request(id, ECHO, null, "echo", ECHO_DESC, Map.of(), "one-" + id));
                c2.send(DubboWire.request(id, ECHO, null, "echo", ECHO_DESC, Map.of(), "two-" + id));
            }
            Map<Long, Object> got1 = new HashMap<>();
            Map<Long, Object> got2 = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                Frame f1 = c1.read();
                Frame f2 = c2.read();
                assertThat(f1.status()).as("%s", f1).isEqualTo(DubboWire.OK);
                assertThat(f2.status()).as("%s", f2).isEqualTo(DubboWire.OK);
                assertThat(f1.isRequest() || f1.isEvent()).isFalse();
                got1.put(f1.id(), f1.value());
                got2.put(f2.id(), f2.value());
            }
            for (long id : ids) {
                assertThat(got1).containsEntry(id, "a:one-" + id);
                assertThat(got2).containsEntry(id, "a:two-" + id);
            }
        }
    }

    // ---- 4. a slow call does not hold up the others ----

    @Test
    void slowCallDoesNotBlockOthers() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            long t0 = System.nanoTime();
            int before = tapA.requestsToTarget.get();
            Future<String> slow = pool.submit(() -> echoX.slow(4000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (tapA.requestsToTarget.get() == before && System.nanoTime() < deadline) {
                sleep(5); // until the slow call is on its way to the provider
            }
            for (int i = 0; i < 20; i++) {
                assertThat(echoX.echo("quick" + i)).isEqualTo("a:quick" + i);
                assertThat(echoDubbo.add(i, i)).isEqualTo(2 * i);
            }
            assertThat(slow.isDone()).as("the slow call is still running when the 40 quick calls behind it are answered").isFalse();
            assertThat(slow.get(15, TimeUnit.SECONDS)).isEqualTo("a:slept 4000");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(4000);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 5. heartbeats ----

    @Test
    void dubboHeartbeatsAreAnsweredByTheProxy() throws Exception {
        DubboTap down = tap("heartbeat", xPort);
        Echo idle = reference(Echo.class, down.port(), rc -> { }, "&heartbeat=1000");
        assertThat(idle.echo("before")).isEqualTo("a:before");
        // Dubbo sends a heartbeat after 1 s without reading, and reconnects after 3 s without reading:
        // four heartbeats mean more than 3 s idle, so a consumer without answers would have reconnected
        long idleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (down.events(true).size() < 4 && System.nanoTime() < idleDeadline) {
            sleep(50);
        }
        List<DubboTap.Seen> pings = down.events(true);
        assertThat(pings).as("heartbeats the consumer sent").hasSizeGreaterThanOrEqualTo(4).allMatch(DubboTap.Seen::isRequest);
        Set<Long> pingIds = pings.stream().map(DubboTap.Seen::id).collect(Collectors.toSet());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && !answeredIds(down).containsAll(pingIds)) {
            sleep(20);
        }
        assertThat(answeredIds(down)).as("heartbeat answers, same ids").containsAll(pingIds);
        assertThat(down.events(false)).allMatch(s -> !s.isRequest() && s.status() == DubboWire.OK);
        assertThat(down.accepted.get()).as("the consumer never reconnected").isEqualTo(1);
        assertThat(tapA.events(true)).as("events (heartbeats) that reached provider A").isEmpty();
        assertThat(idle.echo("after")).isEqualTo("a:after");
        assertThat(down.accepted.get()).isEqualTo(1);
    }

    private static Set<Long> answeredIds(DubboTap tap) {
        return tap.events(false).stream().map(DubboTap.Seen::id).collect(Collectors.toSet());
    }

    @Test
    void rawHeartbeatIsAnsweredWithItsId() throws Exception {
        for (int port : new int[] {xPort, dubboPort}) {
            try (DubboWire.Client c = new DubboWire.Client(port, 3000)) {
                for (long id : new long[] {42, -42, Long.MAX_VALUE}) {
                    c.send(DubboWire.heartbeat(id));
                    Frame f = c.read();
                    assertThat(f.isEvent()).as("%s", f).isTrue();
                    assertThat(f.isRequest()).as("%s", f).isFalse();
                    assertThat(f.id()).isEqualTo(id);
                    assertThat(f.status()).isEqualTo(DubboWire.OK);
                }
                // and a call on the same connection afterwards
                c.send(DubboWire.request(43, ECHO, null, "echo", ECHO_DESC, Map.of(), "hb"));
                Frame f = c.read();
                assertThat(f.id()).isEqualTo(43);
                assertThat(f.value()).isEqualTo("a:hb");
            }
        }
        assertThat(tapA.events(true)).as("events that reached provider A").isEmpty();
    }

    // ---- 6. no route ----

    @Test
    void noRouteIsServiceNotFound() throws Exception {
        Unrouted unrouted = reference(Unrouted.class, xPort, rc -> { }, "");
        long t0 = System.nanoTime();
        RpcException e = catchThrowableOfType(RpcException.class, unrouted::ping);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(e).as("no route: an RpcException").isNotNull();
        assertThat(e.isTimeout()).as("%s", e).isFalse();
        assertThat(e.isNetwork()).as("Dubbo reports a non-OK status other than timeout as a network error: %s", e).isTrue();
        assertThat(rootCause(e)).isInstanceOf(RemotingException.class);
        assertThat(rootCause(e).getMessage()).as("the proxy's message, MOSN style").startsWith("404|").containsIgnoringCase("route");
        assertThat(millis).as("answered, not timed out").isLessThan(QUICK_MILLIS);
        // on the wire: status 60 (service not found) with the proxy's message
        try (DubboWire.Client c = new DubboWire.Client(dubboPort, 3000)) {
            c.send(DubboWire.request(99, Unrouted.class.getName(), null, "ping", "", Map.of()));
            Frame f = c.read();
            assertThat(f.id()).isEqualTo(99);
            assertThat(f.status()).as("%s", f).isEqualTo(60);
            assertThat(f.errorMessage()).startsWith("404|").containsIgnoringCase("route");
        }
        assertThat(echoX.echo("still")).isEqualTo("a:still");
    }

    // ---- 7. upstream down ----

    @Test
    void upstreamDownIsAQuickError() throws Exception {
        Echo down = reference(Echo.class, xPort, rc -> rc.setGroup("down"), "");
        long t0 = System.nanoTime();
        RpcException e = catchThrowableOfType(RpcException.class, () -> down.echo("nobody"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(e).as("upstream down: an RpcException").isNotNull();
        assertThat(e.isTimeout()).as("%s", e).isFalse();
        assertThat(rootCause(e)).isInstanceOf(RemotingException.class);
        assertThat(rootCause(e).getMessage()).as("the proxy's message").startsWith("502|");
        assertThat(millis).as("refused at once, not at the 30 s route timeout").isLessThan(QUICK_MILLIS);
        try (DubboWire.Client c = new DubboWire.Client(dubboPort, 5000)) {
            c.send(DubboWire.request(5, ECHO, null, "echo", ECHO_DESC, Map.of("group", "down"), "x"));
            Frame f = c.read();
            assertThat(f.id()).isEqualTo(5);
            assertThat(f.status()).as("%s", f).isEqualTo(60);
            assertThat(f.errorMessage()).startsWith("502|");
        }
    }

    // ---- 7b. upstream reset or garbage before the answer ----

    /** MOSN: an upstream connection that breaks before the answer is "no healthy upstream": 60 {@code 502|...}. */
    @Test
    void upstreamResetOrGarbageIsServiceNotFound() throws Exception {
        for (String group : List.of("rst", "garbage")) {
            Echo broken = reference(Echo.class, dubboPort, rc -> rc.setGroup(group), "");
            long t0 = System.nanoTime();
            RpcException e = catchThrowableOfType(RpcException.class, () -> broken.echo("anyone"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(e).as("upstream %s: an RpcException", group).isNotNull();
            assertThat(e.isTimeout()).as("%s", e).isFalse();
            assertThat(rootCause(e)).isInstanceOf(RemotingException.class);
            assertThat(rootCause(e).getMessage()).as("the proxy's message").startsWith("502|");
            assertThat(millis).as("answered when the upstream broke, not at the 30 s route timeout").isLessThan(QUICK_MILLIS);
            try (DubboWire.Client c = new DubboWire.Client(xPort, 20_000)) {
                c.send(DubboWire.request(7, ECHO, null, "echo", ECHO_DESC, Map.of("group", group), "raw"));
                Frame f = c.read();
                assertThat(f.id()).isEqualTo(7);
                assertThat(f.status()).as("%s", f).isEqualTo(60);
                assertThat(f.errorMessage()).startsWith("502|");
                // the caller's connection carries on
                c.send(DubboWire.request(8, ECHO, null, "echo", ECHO_DESC, Map.of(), "after"));
                assertThat(c.read().value()).isEqualTo("a:after");
            }
        }
        assertThat(rstUpstream.broken.get()).as("requests that reached the resetting upstream").isGreaterThanOrEqualTo(2);
        assertThat(garbageUpstream.broken.get()).as("requests that reached the garbage upstream").isGreaterThanOrEqualTo(2);
    }

    /**
     * The README's table of the answers the proxy gives in dubbo, one row each, as a raw client
     * reads them (status and MOSN's message prefix), the connection serving a call after each.
     * The overflow row is {@link #readmeErrorTableOverflow}.
     */
    @ParameterizedTest(name = "{0} -> status {2}")
    @CsvSource({
            "no route,                                   Unrouted, '',       60, 404|",
            "no healthy upstream (empty cluster),        Echo,     empty,    60, 502|",
            "connect failure,                            Echo,     down,     60, 502|",
            "upstream reset before the answer,           Echo,     rst,      60, 502|",
            "upstream answers bytes that are not dubbo,  Echo,     garbage,  60, 502|",
            "timeout,                                    Echo,     limited,  30, 504|",
            "request headers cannot be decoded,          Echo,     undecodable, 70, 3|dubbo: ",
            "anything else (direct_response 500),        Echo,     internal, 70, 2|internal"})
    void readmeErrorTable(String outcome, String service, String group, int status, String message) throws Exception {
        try (DubboWire.Client c = new DubboWire.Client(dubboPort, 20_000)) {
            byte[] request;
            if (group.equals("undecodable")) {
                // a whole frame whose body is not a hessian2 dubbo request: framed, but nothing to route on
                request = DubboWire.frame(DubboWire.FLAG_REQUEST | DubboWire.FLAG_TWO_WAY | DubboWire.HESSIAN2, 0, 201,
                        new byte[] {(byte) 0xff, (byte) 0xfe, 0x01, 0x02});
            } else if (service.equals("Unrouted")) {
                request = DubboWire.request(201, Unrouted.class.getName(), null, "ping", "", Map.of());
            } else if (group.equals("limited")) {
                request = DubboWire.request(201, ECHO, null, "slow", "I", Map.of("group", group, "timeout", "10000"), 4000);
            } else {
                request = DubboWire.request(201, ECHO, null, "echo", ECHO_DESC, Map.of("group", group), "x");
            }
            c.send(request);
            Frame f = c.read();
            assertThat(f.id()).isEqualTo(201);
            assertThat(f.isRequest()).isFalse();
            assertThat(f.status()).as("%s: %s", outcome, f).isEqualTo(status);
            assertThat(f.errorMessage()).as(outcome).startsWith(message);
            c.send(DubboWire.request(202, ECHO, null, "echo", ECHO_DESC, Map.of(), "after"));
            Frame g = c.read();
            assertThat(g.id()).isEqualTo(202);
            assertThat(g.value()).isEqualTo("a:after");
        }
    }

    /**
     * The README table's overflow row: the cluster {@code c_breaker} (provider B, chosen by the
     * attachment {@code breaker=on}) has {@code circuit_breakers: [{"max_requests": 1}]}. While
     * provider B holds one call, a second one, on the same connection, is answered at once with
     * status 40 (bad request) and MOSN's message {@code "503|upstream overflow"}, which Dubbo's
     * consumer reports as a RemotingException; the held call then completes and the connection is
     * served again by the same cluster.
     */
    @Test
    void readmeErrorTableOverflow() throws Exception {
        Map<String, Object> breaker = Map.of("breaker", "on");
        try (DubboWire.Client c = new DubboWire.Client(dubboPort, 20_000)) {
            c.send(DubboWire.request(211, ECHO, null, "held", ECHO_DESC, breaker, "overflow-first"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!DubboServices.HELD_ARRIVED.contains("overflow-first") && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertThat(DubboServices.HELD_ARRIVED).as("the held call reached provider B").contains("overflow-first");
            try {
                long t0 = System.nanoTime();
                c.send(DubboWire.request(212, ECHO, null, "echo", ECHO_DESC, breaker, "second"));
                Frame f = c.read();
                assertThat(f.id()).isEqualTo(212);
                assertThat(f.isRequest()).isFalse();
                assertThat(f.status()).as("%s", f).isEqualTo(40);
                assertThat(f.errorMessage()).isEqualTo("503|upstream overflow");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("answered at once").isLessThan(QUICK_MILLIS);
                org.apache.dubbo.rpc.RpcContext.getClientAttachment().setAttachment("breaker", "on");
                RpcException e = catchThrowableOfType(RpcException.class, () -> echoDubbo.echo("consumer"));
                assertThat(e).as("the consumer's view of status 40").isNotNull();
                assertThat(e.isTimeout()).as("%s", e).isFalse();
                assertThat(rootCause(e)).isInstanceOf(RemotingException.class);
                assertThat(rootCause(e).getMessage()).isEqualTo("503|upstream overflow");
            } finally {
                DubboServices.release("overflow-first");
            }
            Frame f = c.read();
            assertThat(f.id()).isEqualTo(211);
            assertThat(f.status()).as("%s", f).isEqualTo(DubboWire.OK);
            assertThat(f.value()).isEqualTo("b:held overflow-first");
            c.send(DubboWire.request(213, ECHO, null, "echo", ECHO_DESC, breaker, "after"));
            Frame g = c.read();
            assertThat(g.id()).isEqualTo(213);
            assertThat(g.value()).as("the breaker cluster serves again").isEqualTo("b:after");
        }
    }

    // ---- 7c. drain ----

    static final String DRAIN_CONFIG = """
            {"servers": [{"default_log_path": "stdout", "processor": 1, "graceful_timeout": "20s",
              "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "a", "timeout": "30s"}}]}]}],
              "listeners": [{"name": "drain", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                "config": {"downstream_protocol": "dubbo", "upstream_protocol": "dubbo", "router_config_name": "rpc"}}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "a", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:${PROVIDER}"}]}]}}
            """;

    /**
     * SIGTERM with dubbo connections open (dubbo has no GOAWAY): the listener stops accepting at
     * once, an idle connection is closed, a call in flight still gets its answer and then its
     * connection closes, and the process exits 0 with no leak.
     */
    @Test
    void sigtermDrainsDubboConnections() throws Exception {
        int port = freePort();
        DubboTap provider = tap("drain", providerAPort);
        try (MosnProcess m = MosnProcess.builder().config(render(DRAIN_CONFIG, vars("PORT", port, "PROVIDER", provider.port())))
                .waitFor(port).start();
             DubboWire.Client idle = new DubboWire.Client(port, 20_000);
             DubboWire.Client busy = new DubboWire.Client(port, 20_000)) {
            for (DubboWire.Client c : List.of(idle, busy)) {
                c.send(DubboWire.request(1, ECHO, null, "echo", ECHO_DESC, Map.of(), "warm"));
                assertThat(c.read().value()).isEqualTo("a:warm");
            }
            m.provokeLeakReports();
            busy.send(DubboWire.request(2, ECHO, null, "slow", "I", Map.of("timeout", "20000"), 3000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (provider.requestsToTarget.get() < 3 && System.nanoTime() < deadline) {
                sleep(10);
            }
            assertThat(provider.requestsToTarget.get()).as("the slow call reached the provider").isEqualTo(3);
            m.sigterm();
            BoltProxyTest.assertRefusedSoon(port);
            assertThat(idle.closedByPeer()).as("the idle dubbo connection is closed by the drain").isTrue();
            Frame f;
            try {
                f = busy.read();
            } catch (IOException e) {
                throw new AssertionError("no answer for the call in flight: " + e + "; mosn's output:\n" + m.tail(), e);
            }
            assertThat(f.id()).isEqualTo(2);
            assertThat(f.status()).as("%s", f).isEqualTo(DubboWire.OK);
            assertThat(f.value()).as("the call in flight is answered").isEqualTo("a:slept 3000");
            assertThat(busy.closedByPeer()).as("its connection closes after the last answer").isTrue();
            m.awaitCleanExit(Duration.ofSeconds(30));
            assertThat(m.output()).contains("draining");
        }
    }

    // ---- 8. route timeout ----

    @Test
    void routeTimeoutShorterThanTheCallIsClientTimeout() throws Exception {
        Echo limited = reference(Echo.class, dubboPort, rc -> rc.setGroup("limited"), "");
        int answersBefore = tapA.responsesFromTarget.get();
        long t0 = System.nanoTime();
        RpcException e = catchThrowableOfType(RpcException.class, () -> limited.slow(4000));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(e).as("route timeout: an RpcException").isNotNull();
        assertThat(e.isTimeout()).as("status 30 surfaces as a Dubbo timeout: %s", e).isTrue();
        assertThat(rootCause(e)).isInstanceOf(TimeoutException.class);
        assertThat(rootCause(e).getMessage()).as("the proxy's message").startsWith("504|");
        assertThat(millis).as("the route's 1 s, not the provider's 4 s or the consumer's 10 s").isBetween(900L, 3500L);
        assertThat(limited.echo("next")).isEqualTo("a-limited:next");
        // on the wire: status 30
        try (DubboWire.Client c = new DubboWire.Client(xPort, 15_000)) {
            c.send(DubboWire.request(-3, ECHO, null, "slow", "I", Map.of("group", "limited", "timeout", "10000"), 3000));
            Frame f = c.read();
            assertThat(f.id()).isEqualTo(-3);
            assertThat(f.status()).as("%s", f).isEqualTo(30);
            assertThat(f.errorMessage()).startsWith("504|");
            // the late answers (from both slow calls) are dropped, never given to later calls: once the
            // provider has sent them (and "next"'s), the same id is answered with the next call's answer
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (tapA.responsesFromTarget.get() - answersBefore < 3 && System.nanoTime() < deadline) {
                sleep(20);
            }
            assertThat(tapA.responsesFromTarget.get() - answersBefore).as("answers provider A sent").isGreaterThanOrEqualTo(3);
            c.send(DubboWire.request(-3, ECHO, null, "echo", ECHO_DESC, Map.of("group", "limited"), "late"));
            Frame g = c.read();
            assertThat(g.id()).isEqualTo(-3);
            assertThat(g.value()).isEqualTo("a-limited:late");
        }
        assertThat(limited.echo("after")).isEqualTo("a-limited:after");
    }

    // ---- 9. malformed frames ----

    @Test
    void malformedFrameClosesOnlyThatConnection() throws Exception {
        for (int port : new int[] {xPort, dubboPort}) {
            try (DubboWire.Client healthy = new DubboWire.Client(port, 3000);
                 DubboWire.Client bad = new DubboWire.Client(port, 3000)) {
                healthy.send(DubboWire.request(1, ECHO, null, "echo", ECHO_DESC, Map.of(), "before"));
                assertThat(healthy.read().value()).isEqualTo("a:before");
                // magic, request two-way hessian2, id 1, body length 2^31-1
                bad.send(DubboWire.header(0xc2, 0, 1, Integer.MAX_VALUE));
                bad.send(new byte[64]);
                assertThat(bad.closedByPeer()).as("the proxy closes the connection with the absurd length").isTrue();
                healthy.send(DubboWire.request(2, ECHO, null, "echo", ECHO_DESC, Map.of(), "after"));
                assertThat(healthy.read().value()).isEqualTo("a:after");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = mosn.output().lines().map(l -> l.toLowerCase(Locale.ROOT))
                    .filter(l -> l.contains("dubbo") && l.contains("length") && l.contains("clos")).toList();
            if (lines.size() >= 2) {
                break;
            }
            sleep(50);
        }
        assertThat(lines).as("log lines naming dubbo, the bad length and the close, in:\n%s", mosn.output()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(echoX.echo("fine")).isEqualTo("a:fine");
        assertThat(echoDubbo.echo("fine")).isEqualTo("a:fine");
    }

    // ---- helpers ----

    /**
     * Dubbo replaces a 127.x or "localhost" host it is told to connect to with the machine's
     * first non-loopback address ({@code NetUtils.filterLocalHost}), found by probing the network
     * interfaces. These tests talk to 127.0.0.1 only: Dubbo's cached local address is set to the
     * loopback one before it looks for one itself.
     */
    private static void pinDubboLocalHostToLoopback() throws ReflectiveOperationException {
        Class<?> netUtils = NetUtils.class;
        Field address = netUtils.getDeclaredField("LOCAL_ADDRESS");
        address.setAccessible(true);
        address.set(null, InetAddress.getLoopbackAddress());
        Field host = netUtils.getDeclaredField("HOST_ADDRESS");
        host.setAccessible(true);
        host.set(null, "127.0.0.1");
        assertThat(NetUtils.getLocalHost()).isEqualTo("127.0.0.1");
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static ApplicationConfig application(String name) {
        ApplicationConfig app = new ApplicationConfig(name);
        app.setQosEnable(false);
        app.setShutwait("200"); // Dubbo's graceful shutdown waits 10 s by default
        app.setEnableFileCache(false); // nothing written under ~/.dubbo
        return app;
    }

    private static <T> ServiceConfig<T> service(Class<T> type, T impl, String group, String version) {
        ServiceConfig<T> s = new ServiceConfig<>();
        s.setInterface(type);
        s.setRef(impl);
        s.setGroup(group);
        s.setVersion(version);
        s.setScope("remote");
        return s;
    }

    /** A provider application (in the shared provider framework model) serving on 127.0.0.1:{@code port}. */
    private static void provider(String name, int port, ServiceConfig<?>... services) {
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");
        protocol.setThreads(64);
        protocol.setQueues(4096); // the 2,000-call burst queues instead of being refused
        DubboBootstrap b = DubboBootstrap.newInstance(providerFw).application(application(name))
                .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE)).protocol(protocol);
        bootstraps.add(b);
        for (ServiceConfig<?> s : services) {
            b.service(s);
        }
        b.start();
    }

    /** A direct (no registry) reference to {@code dubbo://127.0.0.1:port}, 10 s timeout, no retries. */
    private static <T> T reference(Class<T> type, int port, Consumer<ReferenceConfig<T>> tweak, String urlParams) {
        ReferenceConfig<T> rc = new ReferenceConfig<>(consumerModule);
        rc.setInterface(type);
        rc.setUrl("dubbo://127.0.0.1:" + port + "?serialization=hessian2" + urlParams);
        rc.setCheck(false);
        rc.setTimeout(10_000);
        rc.setRetries(0);
        rc.setScope("remote");
        tweak.accept(rc);
        references.add(rc);
        return rc.get();
    }

    private static DubboTap tap(String name, int target) throws IOException {
        DubboTap t = new DubboTap(name, target);
        taps.add(t);
        return t;
    }
}


