package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MOSN's examples/codes/tcpproxy-sample config, unchanged but for ports: tcp_proxy with
 * {@code cluster} and {@code routes}, {@code "tls_context": {}}, cluster key {@code "Name"}. Plus
 * a second process for tcp_proxy routing (destination/source ports and addresses), an upstream
 * that is down, and idle_timeout.
 */
class TcpProxySampleTest {
    /** examples/codes/tcpproxy-sample/config.json. */
    static final String SAMPLE = """
            {
              "servers": [
                {
                  "default_log_path": "stdout",
                  "listeners": [
                    {
                      "name": "proxyListener",
                      "address": "127.0.0.1:${PROXY_PORT}",
                      "bind_port": true,
                      "log_path": "stdout",
                      "filter_chains": [
                        {
                          "tls_context": {},
                          "filters": [
                            {
                              "type": "tcp_proxy",
                              "config": {
                                "cluster": "serverCluster",
                                "routes": [
                                  {
                                    "cluster": "serverCluster"
                                  }
                                ]
                              }
                            }
                          ]
                        }
                      ]
                    }
                  ]
                }
              ],
              "cluster_manager": {
                "clusters": [
                  {
                    "Name": "serverCluster",
                    "type": "SIMPLE",
                    "lb_type": "LB_RANDOM",
                    "max_request_per_conn": 1024,
                    "conn_buffer_limit_bytes": 32768,
                    "hosts": [
                      {
                        "address": "127.0.0.1:${BACKEND_PORT}"
                      }
                    ]
                  }
                ]
              }
            }
            """;

    static final String ROUTING = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "listeners": [
                  {"name": "l1", "address": "127.0.0.1:${P1}", "filter_chains": [{"tls_context": {}, "filters": [{"type": "tcp_proxy", "config": ${SNAKE}}]}]},
                  {"name": "l2", "address": "127.0.0.1:${P2}", "filter_chains": [{"tls_context": {}, "filters": [{"type": "tcp_proxy", "config": ${SNAKE}}]}]},
                  {"name": "l3", "address": "127.0.0.1:${P3}", "filter_chains": [{"tls_context": {}, "filters": [{"type": "tcp_proxy", "config": ${GO}}]}]},
                  {"name": "l4", "address": "127.0.0.1:${P4}", "filter_chains": [{"tls_context": {}, "filters": [{"type": "tcp_proxy", "config": ${GO}}]}]},
                  {"name": "dead", "address": "127.0.0.1:${P_DEAD}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "deadCluster"}}]}]},
                  {"name": "idle", "address": "127.0.0.1:${P_IDLE}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "clusterA", "idle_timeout": "1s"}}]}]},
                  {"name": "stall", "address": "127.0.0.1:${P_STALL}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "stallCluster"}}]}]},
                  {"name": "late", "address": "127.0.0.1:${P_LATE}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "lateCluster"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"Name": "clusterA", "type": "SIMPLE", "lb_type": "LB_RANDOM", "hosts": [{"address": "${A}"}]},
                {"Name": "clusterB", "type": "SIMPLE", "lb_type": "LB_RANDOM", "hosts": [{"address": "${B}"}]},
                {"Name": "clusterC", "type": "SIMPLE", "lb_type": "LB_RANDOM", "hosts": [{"address": "${C}"}]},
                {"Name": "stallCluster", "type": "SIMPLE", "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "${STALL}"}]},
                {"Name": "lateCluster", "type": "SIMPLE", "hosts": [{"address": "${LATE}"}]},
                {"Name": "deadCluster", "type": "SIMPLE", "connect_timeout": "2s", "hosts": [{"address": "127.0.0.1:${DEAD_BACKEND}"}]}
              ]}
            }
            """;

    /** The spec's snake_case route fields. */
    static final String SNAKE_ROUTES = """
            {"cluster": "clusterA", "routes": [
              {"cluster": "clusterC", "source_addrs": [{"address": "10.0.0.0", "length": 8}]},
              {"cluster": "clusterC", "source_ports": "1-1023"},
              {"cluster": "clusterB", "destination_ports": "${P2}", "source_addrs": [{"address": "127.0.0.1", "length": 32}],
               "destination_addrs": [{"address": "127.0.0.0", "length": 8}]},
              {"cluster": "clusterA"}
            ]}""";

    /** The same routes spelled the way MOSN's Go struct (v2.StreamRoute, no json tags) reads them. */
    static final String GO_ROUTES = """
            {"cluster": "clusterA", "routes": [
              {"Cluster": "clusterC", "SourceAddrs": [{"Address": "10.0.0.0", "Length": 8}]},
              {"Cluster": "clusterC", "SourcePort": "1-1023"},
              {"Cluster": "clusterB", "DestinationPort": "${P4}", "SourceAddrs": [{"Address": "127.0.0.1", "Length": 32}],
               "DestinationAddrs": [{"Address": "127.0.0.0", "Length": 8}]},
              {"Cluster": "clusterA"}
            ]}""";

    private static TcpBackend echo;
    private static TcpBackend a;
    private static TcpBackend b;
    private static TcpBackend c;
    private static MosnProcess sample;
    private static MosnProcess routing;
    private static int proxyPort;
    private static int p1;
    private static int p2;
    private static int p3;
    private static int p4;
    private static int pDead;
    private static int pIdle;
    private static int pStall;
    private static TcpBackend stall;
    private static int pLate;
    /** Answers LATE_ANSWER bytes once the client's request ended (its FIN). */
    private static TcpBackend late;
    static final int LATE_ANSWER = 64 << 20;
    private static volatile java.util.concurrent.CountDownLatch stallGate = new java.util.concurrent.CountDownLatch(0);

    @BeforeAll
    static void start() throws IOException {
        echo = TcpBackend.echo("echo", null, true);
        a = TcpBackend.echo("A", "A\n");
        b = TcpBackend.echo("B", "B\n");
        c = TcpBackend.echo("C", "C\n");
        proxyPort = freePort();
        sample = MosnProcess.builder().config(render(SAMPLE, vars("PROXY_PORT", proxyPort, "BACKEND_PORT", echo.port())))
                .fileName("config.json").waitFor(proxyPort).start();
        p1 = freePort();
        p2 = freePort();
        p3 = freePort();
        p4 = freePort();
        pDead = freePort();
        pIdle = freePort();
        pStall = freePort();
        pLate = freePort();
        late = TcpBackend.start("late", (sock, in, out) -> {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            byte[] buf = new byte[65536];
            Arrays.fill(buf, (byte) 'a');
            for (int i = 0; i < LATE_ANSWER / buf.length; i++) {
                out.write(buf);
            }
            out.flush();
        });
        // reads nothing until the gate opens, then counts everything and reports the total
        stall = TcpBackend.start("stall", (sock, in, out) -> {
            try {
                stallGate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            long total = in.transferTo(java.io.OutputStream.nullOutputStream());
            out.write(("total=" + total).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            sock.shutdownOutput();
        });
        var v = vars("P1", p1, "P2", p2, "P3", p3, "P4", p4, "P_DEAD", pDead, "P_IDLE", pIdle, "P_STALL", pStall, "STALL", stall.address(), "P_LATE", pLate, "LATE", late.address(),
                "A", a.address(), "B", b.address(), "C", c.address(), "DEAD_BACKEND", deadPort());
        v.put("SNAKE", render(SNAKE_ROUTES, v));
        v.put("GO", render(GO_ROUTES, v));
        routing = MosnProcess.builder().config(render(ROUTING, v)).waitFor(p1, p2, p3, p4, pDead, pIdle, pStall, pLate).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (sample != null) {
                sample.stopCleanly();
            }
            if (routing != null) {
                routing.stopCleanly();
            }
        } finally {
            for (AutoCloseable x : new AutoCloseable[] {sample, routing, echo, a, b, c, stall, late}) {
                if (x != null) {
                    x.close();
                }
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Sends {@code data}, half-closes, and returns everything read until the proxy's EOF. */
    private static byte[] roundTrip(int port, byte[] data) throws Exception {
        try (Socket s = connect(port)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < data.length; off += 65536) {
                        out.write(data, off, Math.min(65536, data.length - off));
                    }
                    out.flush();
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] got = s.getInputStream().readAllBytes();
            writer.get(20, TimeUnit.SECONDS);
            return got;
        }
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @Test
    void echoesMegabytesByteExact() throws Exception {
        byte[] data = new byte[8 << 20];
        new Random(42).nextBytes(data);
        byte[] got = roundTrip(proxyPort, data);
        byte[] expected = concat(data, TcpBackend.eofReport(data.length).getBytes(StandardCharsets.US_ASCII));
        assertThat(got.length).isEqualTo(expected.length);
        assertThat(Arrays.equals(got, expected)).as("echoed bytes identical").isTrue();
    }

    @Test
    void parallelConnectionsStayApart() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int seed = i;
                results.add(pool.submit(() -> {
                    byte[] data = new byte[1 << 20];
                    new Random(seed).nextBytes(data);
                    byte[] got = roundTrip(proxyPort, data);
                    return Arrays.equals(got, concat(data, TcpBackend.eofReport(data.length).getBytes(StandardCharsets.US_ASCII)));
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void halfCloseStillGetsTheServersAnswer() throws Exception {
        try (Socket s = connect(proxyPort)) {
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput();
            // the backend answers only after it saw our EOF, 200 ms later
            byte[] got = s.getInputStream().readAllBytes();
            assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("ping" + TcpBackend.eofReport(4));
        }
    }

    @Test
    void aClientThatSentItsFinGetsAllOfAnAnswerLargerThanTheSocketBuffers() throws Exception {
        try (Socket s = connect(pLate)) {
            s.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            Thread.sleep(1000); // the answer fills the socket buffers: the proxy has to wait for EPOLLOUT on a half-closed socket
            long total = s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(total).isEqualTo(LATE_ANSWER);
        }
    }

    @Test
    void halfCloseWithNothingSent() throws Exception {
        try (Socket s = connect(proxyPort)) {
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(TcpBackend.eofReport(0));
        }
    }

    private static String greeting(int port) throws IOException {
        try (Socket s = connect(port)) {
            InputStream in = s.getInputStream();
            byte[] two = in.readNBytes(2);
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertThat(in.read()).isEqualTo('x');
            return new String(two, StandardCharsets.US_ASCII).trim();
        }
    }

    @Test
    void routesByDestinationPortWithSnakeCaseFields() throws Exception {
        assertThat(greeting(p1)).as("l1: no port route matches -> catch-all clusterA").isEqualTo("A");
        assertThat(greeting(p2)).as("l2: destination_ports matches -> clusterB").isEqualTo("B");
        assertThat(greeting(p1)).isEqualTo("A");
        assertThat(greeting(p2)).isEqualTo("B");
    }

    @Test
    void routesByDestinationPortWithMosnGoFieldNames() throws Exception {
        // MOSN decodes routes into v2.StreamRoute{Cluster, SourceAddrs, DestinationAddrs, SourcePort, DestinationPort}
        // with encoding/json, so an unchanged MOSN file spells them that way
        assertThat(greeting(p3)).as("l3: no route condition matches -> clusterA").isEqualTo("A");
        assertThat(greeting(p4)).as("l4: DestinationPort matches -> clusterB").isEqualTo("B");
    }

    @Test
    void upstreamDownClosesTheClientConnection() throws Exception {
        try (Socket s = connect(pDead)) {
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            int r;
            try {
                r = s.getInputStream().read();
            } catch (SocketException e) {
                r = -1; // reset is fine too
            }
            assertThat(r).isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        }
        assertThat(routing.isAlive()).isTrue();
    }

    @Test
    void idleTimeoutClosesIdleConnections() throws Exception {
        try (Socket s = connect(pIdle)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("A\n");
            long t0 = System.nanoTime();
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            int r;
            try {
                while ((r = in.read()) >= 0) {
                    rest.write(r);
                }
            } catch (SocketException e) {
                // reset also ends it
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(rest.size()).isZero();
            assertThat(ms).as("closed after idle_timeout 1s").isBetween(700L, 5000L);
        }
    }

    @Test
    void backendThatStopsReadingStopsTheClient() throws Exception {
        stallGate = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        long size = 512L << 20;
        try (Socket s = connect(pStall)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[65536];
                    for (long i = 0; i < size / buf.length; i++) {
                        out.write(buf);
                        sent.addAndGet(buf.length);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(3000);
            long whileStalled = sent.get();
            long rss = routing.rssKib();
            stallGate.countDown();
            System.out.printf("TcpProxySampleTest: client wrote %d KiB while the backend read nothing; mosn RSS %d MiB%n",
                    whileStalled / 1024, rss / 1024);
            assertThat(whileStalled).as("tcp_proxy must stop reading when the upstream cannot take more").isLessThan(64L << 20);
            writer.get(60, TimeUnit.SECONDS);
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("total=" + size);
        } finally {
            stallGate.countDown();
        }
    }
}
