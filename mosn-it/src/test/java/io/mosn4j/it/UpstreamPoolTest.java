package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.UpstreamTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster's pool settings through the real {@code bin/mosn}, counted on the backends' own
 * sockets: {@code idle_timeout} closes an upstream connection that carried nothing for that long
 * (HTTP/1.1 and HTTP/2) while a cluster without it (MOSN's 0: never) keeps its connection, and
 * {@code max_request_per_conn} retires an HTTP/2 connection after that many streams, and an RPC
 * cluster's {@code keepalive} sends bolt heartbeats on a quiet connection and closes it when one
 * goes unanswered. One event
 * loop ({@code processor: 1}), so each cluster has one pool per host.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamPoolTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "main", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/idle/"}, "route": {"cluster_name": "idle"}},
                  {"match": {"prefix": "/never/"}, "route": {"cluster_name": "never"}},
                  {"match": {"prefix": "/h2/"}, "route": {"cluster_name": "h2"}}
                ]}]}, {"router_config_name": "rpc", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"headers": [{"name": "service", "value": "beats"}]}, "route": {"cluster_name": "beats"}},
                  {"match": {"headers": [{"name": "service", "value": "mute"}]}, "route": {"cluster_name": "mute"}}
                ]}]}],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "h1_to_h2", "address": "127.0.0.1:${H2_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http2", "router_config_name": "main"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "rpc",
                               "extend_config": {"sub_protocol": "bolt"}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "idle", "idle_timeout": "500ms", "hosts": [{"address": "${IDLE}"}]},
                {"name": "never", "idle_timeout": "0s", "hosts": [{"address": "${NEVER}"}]},
                {"name": "h2", "idle_timeout": "500ms", "max_request_per_conn": 3, "hosts": [{"address": "${H2}"}]},
                {"name": "beats", "keepalive": {"interval": "300ms", "timeout": "2s"}, "hosts": [{"address": "${BEATS}"}]},
                {"name": "mute", "keepalive": {"interval": "300ms", "timeout": "300ms"}, "hosts": [{"address": "${MUTE}"}]}
              ]}
            }
            """;

    private static NettyHttpBackend idle;
    private static NettyHttpBackend never;
    private static H2Peers.Backend h2;
    private static BoltServer beats;
    private static BoltServer mute;
    private static MosnProcess mosn;
    private static int port;
    private static int h2Port;
    private static int boltPort;

    /** A raw bolt v1 server answering requests with its name; heartbeats are counted, and answered when {@code answerHeartbeats}. */
    record BoltServer(TcpBackend server, AtomicInteger heartbeats, AtomicInteger closed) implements AutoCloseable {
        static BoltServer start(String name, boolean answerHeartbeats) throws Exception {
            AtomicInteger heartbeats = new AtomicInteger();
            AtomicInteger closed = new AtomicInteger();
            byte[] content = name.getBytes(StandardCharsets.UTF_8);
            TcpBackend server = TcpBackend.start(name, (sock, in, out) -> {
                try {
                    DataOutputStream o = new DataOutputStream(out);
                    while (true) {
                        BoltWire.Response req = BoltWire.read(in); // a request, read with the response layout's fields
                        boolean heartbeat = req.cmd() == BoltWire.CMD_HEARTBEAT;
                        if (heartbeat) {
                            heartbeats.incrementAndGet();
                            if (!answerHeartbeats) {
                                continue;
                            }
                        }
                        byte[] body = heartbeat ? new byte[0] : content;
                        ByteBuffer b = ByteBuffer.allocate(20 + body.length);
                        b.put((byte) BoltWire.PROTO_V1).put((byte) BoltWire.TYPE_RESPONSE)
                                .putShort((short) (heartbeat ? BoltWire.CMD_HEARTBEAT : BoltWire.CMD_RESPONSE))
                                .put((byte) 1).putInt(req.id()).put((byte) BoltWire.HESSIAN2).putShort((short) BoltWire.SUCCESS)
                                .putShort((short) 0).putShort((short) 0).putInt(body.length).put(body);
                        o.write(b.array());
                        o.flush();
                    }
                } finally {
                    closed.incrementAndGet(); // the proxy closed the connection (EOF or reset)
                }
            });
            return new BoltServer(server, heartbeats, closed);
        }

        @Override
        public void close() {
            server.close();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        idle = NettyHttpBackend.start("idle");
        never = NettyHttpBackend.start("never");
        h2 = new H2Peers.Backend("h2", 100, 0);
        beats = BoltServer.start("beats", true);
        mute = BoltServer.start("mute", false);
        port = freePort();
        h2Port = freePort();
        boltPort = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "H2_PORT", h2Port, "BOLT_PORT", boltPort,
                "IDLE", idle.address(), "NEVER", never.address(), "H2", h2.address(), "BEATS", beats.server().address(),
                "MUTE", mute.server().address()))).waitFor(port, h2Port, boltPort).probe(port).start();
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
            for (AutoCloseable c : new AutoCloseable[] {idle, never, h2, beats, mute}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    @Test
    void idleTimeoutClosesAnIdleHttp1ConnectionAndZeroNeverDoes() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/never/1").status()).isEqualTo(200);
            assertThat(c.get("/idle/1").status()).isEqualTo(200);
        }
        assertThat(never.open.get()).isEqualTo(1);
        // idle_timeout 500ms: the pool closes the connection it no longer uses
        assertThat(eventually(15, () -> idle.open.get() == 0)).as("the idle connection was closed by mosn").isTrue();
        // "never" went idle before "idle" did, and is still open: 0 means never
        assertThat(never.open.get()).as("idle_timeout 0: kept").isEqualTo(1);
        int before = idle.connections.get();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertThat(c.get("/idle/2").status()).as("the next request gets a fresh connection").isEqualTo(200);
            assertThat(c.get("/never/2").status()).isEqualTo(200);
        }
        assertThat(idle.connections.get()).isEqualTo(before + 1);
        assertThat(never.connections.get()).as("the kept connection is reused").isEqualTo(1);
    }

    @Test
    void http2ConnectionsRetireAfterMaxRequestPerConnAndCloseWhenIdle() throws Exception {
        int before = h2.connections.get();
        try (RawHttpClient c = RawHttpClient.connect(h2Port)) {
            for (int i = 0; i < 9; i++) {
                assertThat(c.get("/h2/" + i).status()).isEqualTo(200);
            }
        }
        // max_request_per_conn 3: nine requests in turn need three connections
        assertThat(h2.connections.get() - before).isEqualTo(3);
        for (int n = before + 1; n <= before + 3; n++) {
            assertThat(h2.requestsByConnection.get(n).get()).as("requests on connection %d", n).isEqualTo(3);
        }
        // the retired ones close after their last stream, the last one after idle_timeout 500ms
        assertThat(eventually(15, () -> h2.closedConnections.get() == h2.connections.get())).as("every connection closed").isTrue();
    }

    @Test
    void rpcKeepaliveSendsHeartbeatsOnAQuietConnectionAndClosesItWhenUnanswered() throws Exception {
        try (BoltWire.Client c = new BoltWire.Client(boltPort, 10_000)) {
            assertThat(UpstreamProtocolsTest.boltCall(c, 1, "beats")).isEqualTo("beats");
            assertThat(UpstreamProtocolsTest.boltCall(c, 2, "mute")).isEqualTo("mute");
            // keepalive.interval 300ms: the quiet connections are sent bolt heartbeats
            assertThat(eventually(15, () -> beats.heartbeats().get() >= 3)).as("heartbeats to the answering server").isTrue();
            assertThat(beats.closed().get()).as("answered heartbeats keep the connection").isZero();
            // keepalive.timeout 300ms without an answer: mosn closes that connection
            assertThat(eventually(15, () -> mute.closed().get() == 1)).as("the unanswered connection was closed").isTrue();
            assertThat(mute.heartbeats().get()).isPositive();
            // the next call to it opens a fresh connection; the answering server still has its first
            assertThat(UpstreamProtocolsTest.boltCall(c, 3, "mute")).isEqualTo("mute");
            assertThat(mute.server().connections.get()).isEqualTo(2);
            assertThat(UpstreamProtocolsTest.boltCall(c, 4, "beats")).isEqualTo("beats");
            assertThat(beats.server().connections.get()).isEqualTo(1);
        }
    }
}
