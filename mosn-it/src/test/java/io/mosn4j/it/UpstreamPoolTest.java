package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.UpstreamTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster's pool settings through the real {@code bin/mosn}, counted on the backends' own
 * sockets: {@code idle_timeout} closes an upstream connection that carried nothing for that long
 * (HTTP/1.1 and HTTP/2) while a cluster without it (MOSN's 0: never) keeps its connection, and
 * {@code max_request_per_conn} retires an HTTP/2 connection after that many streams. One event
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
                ]}]}],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "h1_to_h2", "address": "127.0.0.1:${H2_PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http2", "router_config_name": "main"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "idle", "idle_timeout": "500ms", "hosts": [{"address": "${IDLE}"}]},
                {"name": "never", "idle_timeout": "0s", "hosts": [{"address": "${NEVER}"}]},
                {"name": "h2", "idle_timeout": "500ms", "max_request_per_conn": 3, "hosts": [{"address": "${H2}"}]}
              ]}
            }
            """;

    private static NettyHttpBackend idle;
    private static NettyHttpBackend never;
    private static H2Peers.Backend h2;
    private static MosnProcess mosn;
    private static int port;
    private static int h2Port;

    @BeforeAll
    static void start() throws Exception {
        idle = NettyHttpBackend.start("idle");
        never = NettyHttpBackend.start("never");
        h2 = new H2Peers.Backend("h2", 100, 0);
        port = freePort();
        h2Port = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "H2_PORT", h2Port, "IDLE", idle.address(),
                "NEVER", never.address(), "H2", h2.address()))).waitFor(port, h2Port).probe(port).start();
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
            for (AutoCloseable c : new AutoCloseable[] {idle, never, h2}) {
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
}
