package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11's retry and mirror policies on the RPC protocols (bolt, dubbo, tars) through the real
 * {@code bin/mosn}, with byte-level upstreams ({@link RpcUpstream}) counting what reaches them;
 * routes match the call's {@code service} header, as on HTTP (see {@link RouterNeutralityTest}).
 *
 * <ul>
 *   <li>a call whose connect failed never left mosn: the retry policy sends it to the next host;</li>
 *   <li>a call that went out and got no answer within {@code retry_timeout} may have been acted on:
 *       none of these protocols marks a call safe to repeat, so it is not retried (HTTP, in
 *       {@link RouterTest}, is), and the caller gets the protocol's timeout answer;</li>
 *   <li>a mirrored call, with a payload over the size a sent frame keeps, reaches the mirror whole
 *       while the call itself is answered.</li>
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouterRpcTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                  ${ROUTES}
                ]}]}],
                "listeners": [
                  ${LISTENERS}
                ]
              }],
              "cluster_manager": {"clusters": [
                ${CLUSTERS}
              ]}
            }
            """;

    static final List<RpcWire> WIRES = List.of(RpcWire.BOLT, RpcWire.DUBBO, RpcWire.TARS);

    /** Per protocol: an echo upstream, a second one for mirrors, one that reads and never answers. */
    enum Role { ECHO, MIRROR, SWALLOW }

    private static final Map<String, Map<Role, RpcUpstream>> upstreams = new HashMap<>();
    private static final Map<String, Integer> ports = new HashMap<>();
    private static MosnProcess mosn;

    @BeforeAll
    static void start() throws Exception {
        int dead = deadPort();
        StringBuilder routes = new StringBuilder();
        StringBuilder listeners = new StringBuilder();
        StringBuilder clusters = new StringBuilder();
        List<Integer> wait = new ArrayList<>();
        for (RpcWire w : WIRES) {
            Map<Role, RpcUpstream> byRole = new EnumMap<>(Role.class);
            byRole.put(Role.ECHO, new RpcUpstream(w, RpcUpstream.Mode.ECHO));
            byRole.put(Role.MIRROR, new RpcUpstream(w, RpcUpstream.Mode.MIRROR));
            byRole.put(Role.SWALLOW, new RpcUpstream(w, RpcUpstream.Mode.SWALLOW));
            upstreams.put(w.name(), byRole);
            String p = w.name();
            String echo = byRole.get(Role.ECHO).address();
            // round robin from the first host: the dead one, then the echo upstream
            cluster(clusters, p + "_deadecho", "\"127.0.0.1:" + dead + "\"", "\"" + echo + "\"");
            cluster(clusters, p + "_swallowecho", "\"" + byRole.get(Role.SWALLOW).address() + "\"", "\"" + echo + "\"");
            cluster(clusters, p + "_echo", "\"" + echo + "\"");
            cluster(clusters, p + "_mirror", "\"" + byRole.get(Role.MIRROR).address() + "\"");
            route(routes, p + ".connect", "{\"cluster_name\": \"" + p + "_deadecho\", \"timeout\": \"5s\", "
                    + "\"retry_policy\": {\"retry_on\": true, \"num_retries\": 1}}", "");
            route(routes, p + ".pertry", "{\"cluster_name\": \"" + p + "_swallowecho\", \"timeout\": \"5s\", "
                    + "\"retry_policy\": {\"retry_on\": true, \"num_retries\": 1, \"retry_timeout\": \"300ms\"}}", "");
            route(routes, p + ".mirrored", "{\"cluster_name\": \"" + p + "_echo\", \"timeout\": \"5s\"}",
                    ", \"request_mirror_policies\": {\"cluster\": \"" + p + "_mirror\", \"percent\": 100}");
            int port = freePort();
            ports.put(p, port);
            wait.add(port);
            sep(listeners).append("{\"name\": \"").append(p).append("\", \"address\": \"127.0.0.1:").append(port)
                    .append("\", \"filter_chains\": [{\"filters\": [{\"type\": \"proxy\", \"config\": {\"downstream_protocol\": \"")
                    .append(p).append("\", \"upstream_protocol\": \"").append(p).append("\", \"router_config_name\": \"rpc\"}}]}]}");
        }
        mosn = MosnProcess.builder().config(render(CONFIG, vars("ROUTES", routes, "LISTENERS", listeners, "CLUSTERS", clusters)))
                .waitFor(wait.stream().mapToInt(Integer::intValue).toArray()).start();
    }

    private static void cluster(StringBuilder b, String name, String... hosts) {
        sep(b).append("{\"name\": \"").append(name).append("\", \"type\": \"SIMPLE\", \"lb_type\": \"LB_REQUEST_ROUNDROBIN\", "
                + "\"connect_timeout\": \"2s\", \"hosts\": [");
        for (int i = 0; i < hosts.length; i++) {
            b.append(i == 0 ? "" : ", ").append("{\"address\": ").append(hosts[i]).append('}');
        }
        b.append("]}");
    }

    private static void route(StringBuilder b, String service, String action, String extra) {
        sep(b).append("{\"match\": {\"headers\": [{\"name\": \"service\", \"value\": \"").append(service)
                .append("\"}]}, \"route\": ").append(action).append(extra).append('}');
    }

    private static StringBuilder sep(StringBuilder b) {
        if (!b.isEmpty()) {
            b.append(",\n");
        }
        return b;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                Files.writeString(Path.of("target", "RouterRpcTest-mosn.log"), mosn.output());
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            for (var byRole : upstreams.values()) {
                for (RpcUpstream u : byRole.values()) {
                    u.close();
                }
            }
        }
    }

    static RpcWire wire(String name) {
        return WIRES.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    static RpcUpstream upstream(String protocol, Role role) {
        return upstreams.get(protocol).get(role);
    }

    /** Sends {@code calls} two-way calls for {@code service} one after the other on one connection; their answers. */
    static List<RpcWire.Answer> calls(RpcWire w, String service, int calls, int payload) throws Exception {
        List<RpcWire.Answer> answers = new ArrayList<>();
        try (Socket s = new Socket("127.0.0.1", ports.get(w.name()))) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 1; i <= calls; i++) {
                out.write(w.request(i, service, payload));
                out.flush();
                RpcWire.Answer a = w.read(in);
                assertThat(a.id()).isEqualTo(i);
                answers.add(a);
            }
        }
        return answers;
    }

    /**
     * How many requests {@code u} answered since it had answered {@code before}, waiting up to 4 s
     * for {@code expected} (it counts an answer just after writing it, so a client may read the
     * answer first) and a little more for any beyond it.
     */
    static int answeredSince(RpcUpstream u, int before, int expected) throws InterruptedException {
        for (int i = 0; i < 200 && u.answered.get() - before < expected; i++) {
            Thread.sleep(20);
        }
        Thread.sleep(100);
        return u.answered.get() - before;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void aCallWhoseConnectFailedIsRetriedOnTheNextHost(String protocol) throws Exception {
        RpcWire w = wire(protocol);
        int before = upstream(protocol, Role.ECHO).answered.get();
        List<RpcWire.Answer> answers = calls(w, protocol + ".connect", 4, 16);
        assertThat(answers).as("half of them first went to the dead host").allMatch(RpcWire.Answer::ok);
        assertThat(answeredSince(upstream(protocol, Role.ECHO), before, 4)).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void aCallThatMayHaveArrivedIsNotRetried(String protocol) throws Exception {
        RpcWire w = wire(protocol);
        RpcUpstream echo = upstream(protocol, Role.ECHO);
        RpcUpstream swallow = upstream(protocol, Role.SWALLOW);
        int before = echo.answered.get();
        long t0 = System.nanoTime();
        List<RpcWire.Answer> answers = calls(w, protocol + ".pertry", 4, 16);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long ok = answers.stream().filter(RpcWire.Answer::ok).count();
        long timedOut = answers.stream().filter(a -> a.status() == w.timeoutStatus()).count();
        assertThat(ok + timedOut).as("%s", answers).isEqualTo(4);
        assertThat(timedOut).as("round robin sent some calls to the host that never answers, and they stayed there: %s", answers)
                .isGreaterThanOrEqualTo(1);
        assertThat(answeredSince(echo, before, (int) ok)).as("only the calls answered went to the echo host").isEqualTo((int) ok);
        assertThat(swallow.swallowed.get()).isPositive();
        assertThat(ms).as("each silent call ended at its 300 ms retry_timeout, not the route's 5 s").isLessThan(timedOut * 5000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bolt", "dubbo", "tars"})
    void aMirroredCallReachesTheMirrorWhole(String protocol) throws Exception {
        RpcWire w = wire(protocol);
        RpcUpstream echo = upstream(protocol, Role.ECHO);
        RpcUpstream mirror = upstream(protocol, Role.MIRROR);
        int echoBefore = echo.answered.get();
        int mirrorBefore = mirror.answered.get();
        // 64 KiB: over what a frame keeps of its payload once it was sent upstream
        List<RpcWire.Answer> answers = calls(w, protocol + ".mirrored", 3, 64 * 1024);
        assertThat(answers).allMatch(RpcWire.Answer::ok);
        assertThat(answeredSince(echo, echoBefore, 3)).isEqualTo(3);
        assertThat(answeredSince(mirror, mirrorBefore, 3)).as("the mirror read each copy as a whole frame").isEqualTo(3);
    }
}
