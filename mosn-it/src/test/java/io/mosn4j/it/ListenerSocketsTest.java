package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.it.RawHttpClient.RawResponse;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's listener {@code reuseport}: with it (the default, as Envoy's {@code enable_reuse_port})
 * each of the {@code processor} worker loops listens on the address with a socket of its own
 * ({@code SO_REUSEPORT}) and accepts its own connections; set false, one socket accepts for all of
 * them. Counted from the kernel's table of listening sockets ({@code /proc/net/tcp}), and every
 * connection is served either way. An address already listened on stops the start either way,
 * whether by another program or by a second mosn with the same config.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerSocketsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 3,
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "served"}}]}]}],
                "listeners": [{
                  "name": "web", "address": "127.0.0.1:${PORT}", "reuseport": ${REUSE},
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]
                }]
              }]
            }
            """;

    @Test
    void withReuseportEachWorkerLoopListensOnTheAddress() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "REUSE", true)), port)) {
            // the port answers once the first loop's socket is bound; the listener is up when all are
            assertThat(mosn.awaitOutput("listener web on .* serving", Duration.ofSeconds(10))).containsPattern("listener web on .* serving");
            assertThat(listeningSockets(port)).as("one listening socket per worker loop").isEqualTo(3);
            servesNewConnections(port);
            // a program that does not ask for SO_REUSEPORT cannot take the address from under it
            assertThatThrownBy(() -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close())
                    .isInstanceOf(BindException.class);
            assertThat(mosn.isAlive()).isTrue();
        }
        assertThat(listeningSockets(port)).as("all closed at stop").isZero();
    }

    @Test
    void byDefaultEachWorkerLoopListensOnTheAddress() throws Exception {
        int port = freePort();
        String config = render(CONFIG, vars("PORT", port, "REUSE", true)).replace("\"reuseport\": true,", "");
        assertThat(config).doesNotContain("reuseport");
        try (MosnProcess mosn = MosnProcess.startHttp(config, port)) {
            assertThat(mosn.awaitOutput("listener web on .* serving", Duration.ofSeconds(10))).containsPattern("listener web on .* serving");
            assertThat(listeningSockets(port)).as("one listening socket per worker loop").isEqualTo(3);
            servesNewConnections(port);
        }
    }

    @Test
    void aSecondMosnOnTheSameAddressDoesNotStartAndTheFirstServesOn() throws Exception {
        int port = freePort();
        String config = render(CONFIG, vars("PORT", port, "REUSE", true));
        try (MosnProcess first = MosnProcess.startHttp(config, port)) {
            assertThat(first.awaitOutput("listener web on .* serving", Duration.ofSeconds(10))).containsPattern("listener web on .* serving");
            Path second = MosnProcess.writeTemp("mosn.json", config);
            MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", second.toString());
            // SO_REUSEPORT alone would let it bind beside the first and take a share of the connections
            assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
            assertThat(r.all()).contains("servers[0].listeners[0].address").contains("cannot listen on 127.0.0.1:" + port);
            assertThat(listeningSockets(port)).as("the first's sockets only").isEqualTo(3);
            servesNewConnections(port);
        }
    }

    @Test
    void withoutItOneSocketAcceptsForEveryWorker() throws Exception {
        int port = freePort();
        try (MosnProcess mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "REUSE", false)), port)) {
            assertThat(mosn.awaitOutput("listener web on .* serving", Duration.ofSeconds(10))).containsPattern("listener web on .* serving");
            assertThat(listeningSockets(port)).isEqualTo(1);
            servesNewConnections(port);
        }
    }

    @Test
    void anAddressHeldByAnotherProgramStopsTheStartEvenWithReuseport() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = MosnProcess.writeTemp("mosn.json", render(CONFIG, vars("PORT", held.getLocalPort(), "REUSE", true)));
            MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", config.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
            assertThat(r.all()).contains("servers[0].listeners[0].address").contains("cannot listen on 127.0.0.1:" + held.getLocalPort());
        }
    }

    /**
     * A client that keeps connecting while mosn starts (a health check, a load balancer polling the
     * port) is refused until the listener serves, then served: never accepted and reset. Before
     * binding, mosn checks the address with a probe socket; a probe that listened took such a
     * connection into its backlog and reset it as it closed (4 starts in 15 with a client polling
     * without pause). The client here connects without pause from the moment mosn is launched;
     * a few starts, as the window is short.
     */
    @Test
    void aClientPollingThePortWhileMosnStartsIsRefusedThenServedNeverReset() throws Exception {
        for (int start = 0; start < 4; start++) {
            int port = freePort();
            // no wait for the port: the polling below is the wait
            try (MosnProcess mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "REUSE", true))).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                int refused = 0;
                String served = null;
                while (served == null) {
                    assertThat(System.nanoTime()).as("no answer within 30 s; %d connections refused", refused).isLessThan(deadline);
                    assertThat(mosn.isAlive()).as("mosn exited").isTrue();
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                        s.setSoTimeout(5_000);
                        s.getOutputStream().write("GET /poll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        // a reset here fails the test: the connection was accepted, then dropped
                        served = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    } catch (ConnectException notListeningYet) {
                        refused++;
                    }
                }
                assertThat(served).as("start %d: the first connection accepted is answered", start).startsWith("HTTP/1.1 200").endsWith("served");
            }
        }
    }

    /** 60 requests, each on a connection of its own (spread by the kernel over the sockets), all answered. */
    private static void servesNewConnections(int port) throws IOException {
        for (int i = 0; i < 60; i++) {
            try (RawHttpClient c = RawHttpClient.connect(port, 5_000)) {
                RawResponse r = c.get("/n" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("served");
            }
        }
    }

    /**
     * Sockets listening on 127.0.0.1:{@code port}, from the kernel's tables (state 0A is LISTEN); the
     * epoll transport's sockets are IPv6 ones holding the IPv4-mapped address (::ffff:127.0.0.1).
     */
    private static long listeningSockets(int port) throws IOException {
        String local = "0100007F:" + String.format(Locale.ROOT, "%04X", port);
        long n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (Files.exists(p)) {
                n += Files.readAllLines(p).stream()
                        .map(l -> l.trim().split("\\s+"))
                        .filter(f -> f.length > 3 && f[1].endsWith(local) && f[3].equals("0A"))
                        .count();
            }
        }
        return n;
    }
}
