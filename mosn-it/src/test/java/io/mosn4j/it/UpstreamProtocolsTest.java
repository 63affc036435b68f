package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.UpstreamTest.eventually;
import static io.mosn4j.it.UpstreamTest.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upstream half is the same whatever the protocol: through the real {@code bin/mosn}, a
 * {@code tcp_proxy} cluster with TCP health checks drops a stopped backend and hashes connections by
 * the client's address; gRPC calls are spread by least request and kept on one server per
 * {@code x-user} by maglev; bolt requests are kept on one server per service by a ring hash on the
 * bolt header map, and leave a stopped server once its health check fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamProtocolsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "grpc",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/up.Who/", "headers": [{"name": "x-user", "value": ".*"}]},
                     "route": {"cluster_name": "grpc_hash", "hash_policy": [{"header": {"key": "x-user"}}]}},
                    {"match": {"prefix": "/up.Who/"}, "route": {"cluster_name": "grpc_lr"}}
                  ]}]
                }, {
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": ".*"}]},
                     "route": {"cluster_name": "bolt", "hash_policy": [{"header": {"key": "service"}}]}}
                  ]}]
                }],
                "listeners": [
                  {"name": "tcp", "address": "127.0.0.1:${TCP}", "filter_chains": [{"filters": [{"type": "tcp_proxy",
                    "config": {"cluster": "tcp"}}]}]},
                  {"name": "tcp_hash", "address": "127.0.0.1:${TCP_HASH}", "filter_chains": [{"filters": [{"type": "tcp_proxy",
                    "config": {"cluster": "tcp_hash"}}]}]},
                  {"name": "grpc", "address": "127.0.0.1:${GRPC}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "grpc"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "rpc",
                               "extend_config": {"sub_protocol": "bolt"}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "tcp", "lb_type": "LB_ROUNDROBIN",
                 "health_check": {"service_name": "tcp", "timeout": "500ms", "interval": "200ms"},
                 "hosts": [{"address": "${T1}"}, {"address": "${T2}"}]},
                {"name": "tcp_hash", "lb_type": "LB_MAGLEV", "hosts": [{"address": "${T1}"}, {"address": "${T2}"}, {"address": "${T3}"}]},
                {"name": "grpc_lr", "lb_type": "LB_LEAST_REQUEST", "hosts": [{"address": "${G1}"}, {"address": "${G2}"}]},
                {"name": "grpc_hash", "lb_type": "LB_MAGLEV", "hosts": [{"address": "${G1}"}, {"address": "${G2}"}, {"address": "${G3}"}]},
                {"name": "bolt", "lb_type": "LB_RINGHASH",
                 "health_check": {"service_name": "bolt", "timeout": "500ms", "interval": "200ms"},
                 "hosts": [{"address": "${B1}"}, {"address": "${B2}"}]}
              ]}
            }
            """;

    static final MethodDescriptor<byte[], byte[]> WHO = GrpcProxyTest.method("up.Who", "Am", MethodType.UNARY);
    static final Metadata.Key<String> X_USER = Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER);

    private static final Map<String, TcpBackend> tcp = new HashMap<>();
    private static final Map<String, Server> grpc = new HashMap<>();
    private static final Map<String, TcpBackend> bolt = new HashMap<>();
    private static ManagedChannel channel;
    private static MosnProcess mosn;
    private static int tcpPort;
    private static int tcpHashPort;
    private static int grpcPort;
    private static int boltPort;

    @BeforeAll
    static void start() throws Exception {
        for (String n : new String[] {"t1", "t2", "t3"}) {
            tcp.put(n, TcpBackend.echo(n, n + "\n"));
        }
        for (String n : new String[] {"g1", "g2", "g3"}) {
            grpc.put(n, NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(ServerServiceDefinition.builder("up.Who").addMethod(WHO, ServerCalls.asyncUnaryCall((req, out) -> {
                        out.onNext(n.getBytes(StandardCharsets.UTF_8));
                        out.onCompleted();
                    })).build()).build().start());
        }
        for (String n : new String[] {"b1", "b2"}) {
            bolt.put(n, boltServer(n));
        }
        tcpPort = freePort();
        tcpHashPort = freePort();
        grpcPort = freePort();
        boltPort = freePort();
        Map<String, Object> v = vars("TCP", tcpPort, "TCP_HASH", tcpHashPort, "GRPC", grpcPort, "BOLT", boltPort);
        tcp.forEach((k, b) -> v.put(k.toUpperCase(java.util.Locale.ROOT), b.address()));
        grpc.forEach((k, s) -> v.put(k.toUpperCase(java.util.Locale.ROOT), "127.0.0.1:" + s.getPort()));
        bolt.forEach((k, b) -> v.put(k.toUpperCase(java.util.Locale.ROOT), b.address()));
        mosn = MosnProcess.builder().config(render(CONFIG, v)).waitFor(tcpPort, tcpHashPort, grpcPort, boltPort).start();
        channel = GrpcProxyTest.channel(grpcPort);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            tcp.values().forEach(TcpBackend::close);
            grpc.values().forEach(Server::shutdownNow);
            bolt.values().forEach(TcpBackend::close);
        }
    }

    /**
     * A bolt v1 server that answers each request with a response whose content is its name (as raw
     * bytes; the proxy does not look into it), and heartbeats with heartbeat answers.
     */
    static TcpBackend boltServer(String name) throws Exception {
        byte[] content = name.getBytes(StandardCharsets.UTF_8);
        return TcpBackend.start(name, (s, in, out) -> {
            DataOutputStream o = new DataOutputStream(out);
            while (true) {
                BoltWire.Response req = BoltWire.read(in); // a request read with the response layout's fields
                byte[] body = req.cmd() == BoltWire.CMD_HEARTBEAT ? new byte[0] : content;
                ByteBuffer b = ByteBuffer.allocate(20 + body.length);
                b.put((byte) BoltWire.PROTO_V1).put((byte) BoltWire.TYPE_RESPONSE)
                        .putShort((short) (req.cmd() == BoltWire.CMD_HEARTBEAT ? BoltWire.CMD_HEARTBEAT : BoltWire.CMD_RESPONSE))
                        .put((byte) 1).putInt(req.id()).put((byte) BoltWire.HESSIAN2).putShort((short) BoltWire.SUCCESS)
                        .putShort((short) 0).putShort((short) 0).putInt(body.length).put(body);
                o.write(b.array());
                o.flush();
            }
        });
    }

    /** Which tcp backend a new tcp_proxy connection reaches (its greeting), or null when it closed without one. */
    static String tcpBackend(int listener) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener), 2000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return c < 0 ? null : line.toString();
        }
    }

    static Map<String, Integer> tcpSpread(int listener, int n) throws Exception {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            m.merge(String.valueOf(tcpBackend(listener)), 1, Integer::sum);
        }
        return m;
    }

    @Test
    void tcpProxyLeavesAStoppedBackendOnceItsHealthCheckFails() throws Exception {
        assertThat(tcpSpread(tcpPort, 20)).containsOnly(Map.entry("t1", 10), Map.entry("t2", 10));
        tcp.get("t2").close();
        assertThat(eventually(10, quietly(() -> tcpSpread(tcpPort, 10).equals(Map.of("t1", 10))))).isTrue();
        assertThat(tcpSpread(tcpPort, 50)).containsOnly(Map.entry("t1", 50));
    }

    @Test
    void tcpProxyHashesConnectionsByTheClientsAddress() throws Exception {
        // maglev with no request to hash: the connection's source address, always 127.0.0.1 here
        Map<String, Integer> m = tcpSpread(tcpHashPort, 30);
        assertThat(m).hasSize(1);
        assertThat(m.values()).containsExactly(30);
    }

    static String who(String user) {
        io.grpc.Channel call = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers(user)));
        return new String(ClientCalls.blockingUnaryCall(call, WHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                new byte[0]), StandardCharsets.UTF_8);
    }

    private static Metadata headers(String user) {
        Metadata m = new Metadata();
        if (user != null) {
            m.put(X_USER, user);
        }
        return m;
    }

    @Test
    void grpcCallsAreBalancedAndHashedByMetadata() {
        Map<String, Integer> lr = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            lr.merge(who(null), 1, Integer::sum);
        }
        // least request with sequential calls: every draw ties at 0 in flight, so a fair coin: 200 each, sd 10
        assertThat(lr.keySet()).containsOnly("g1", "g2");
        assertThat(lr.get("g1")).isBetween(140, 260);
        Map<String, Integer> users = new HashMap<>();
        for (int u = 0; u < 150; u++) {
            String first = who("user-" + u);
            users.merge(first, 1, Integer::sum);
            for (int i = 0; i < 2; i++) {
                assertThat(who("user-" + u)).as("user-%d", u).isEqualTo(first);
            }
        }
        // 150 users over three servers: 50 each expected, sd ~6
        assertThat(users).hasSize(3);
        users.values().forEach(n -> assertThat(n).isBetween(25, 75));
    }

    static String boltCall(BoltWire.Client c, int id, String service) throws Exception {
        c.send(BoltWire.request(BoltWire.TYPE_REQUEST, BoltWire.CMD_REQUEST, id, 5000, "x.Req", Map.of("service", service), new byte[] {1}));
        BoltWire.Response r = c.read();
        assertThat(r.status()).as("bolt status for %s", service).isEqualTo(BoltWire.SUCCESS);
        return new String(r.content(), StandardCharsets.UTF_8);
    }

    @Test
    void boltServicesStickToAServerByRingHashAndLeaveAStoppedOne() throws Exception {
        Map<String, String> placed = new HashMap<>();
        Map<String, Integer> per = new HashMap<>();
        try (BoltWire.Client c = new BoltWire.Client(boltPort, 10_000)) {
            int id = 1;
            for (int s = 0; s < 100; s++) {
                String service = "com.example.Service" + s;
                String first = boltCall(c, id++, service);
                placed.put(service, first);
                per.merge(first, 1, Integer::sum);
                assertThat(boltCall(c, id++, service)).isEqualTo(first);
            }
            // 100 services over two servers: 50 expected, sd 5
            assertThat(per.keySet()).containsOnly("b1", "b2");
            assertThat(per.get("b1")).isBetween(25, 75);
            bolt.get("b2").close();
            // until its TCP check fails (200 ms), b2's services may fail; after it, all go to b1. Probe
            // with services that were on b2: ones already on b1 would pass before the check has failed.
            List<String> wereOnB2 = placed.entrySet().stream().filter(e -> e.getValue().equals("b2")).map(Map.Entry::getKey)
                    .sorted().limit(3).toList();
            int[] next = {id};
            assertThat(eventually(10, quietly(() -> {
                try (BoltWire.Client fresh = new BoltWire.Client(boltPort, 10_000)) {
                    for (String service : wereOnB2) {
                        if (!boltCall(fresh, next[0]++, service).equals("b1")) {
                            return false;
                        }
                    }
                    return true;
                } catch (AssertionError e) {
                    return false; // a bolt error status while b2 was still in rotation
                }
            }))).isTrue();
        }
        try (BoltWire.Client c = new BoltWire.Client(boltPort, 10_000)) {
            int id = 10_000;
            for (var e : placed.entrySet()) {
                assertThat(boltCall(c, id++, e.getKey())).isEqualTo("b1");
            }
        }
    }
}
