package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bytes on the connections, as the Prometheus sink shows them, through the real
 * {@code bin/mosn}: a listener's {@code downstream_bytes_read_total} / {@code _write_total} and a
 * cluster's {@code upstream_connection_bytes_read_total} / {@code upstream_connection_bytes_write}
 * (MOSN's keys), exactly the bytes the client and the backend put on the wire, for HTTP/1 and for
 * {@code tcp_proxy} whether it splices or copies; a {@code tcp_proxy} listener counts its
 * connections as an HTTP one does; an HTTP/2 upstream counts its frames.
 */
class ConnectionBytesMetricsTest {
    private static final String TCP_CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "listeners": [{"name": "tcp", "address": "127.0.0.1:${TCP}",
                  "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "tcp"}}]}]}]
              }],
              "cluster_manager": {"clusters": [{"name": "tcp", "hosts": [{"address": "${BACKEND}"}]}]},
              "metrics": {"sinks": [{"type": "prometheus", "config": {"port": ${SINK}}}]}
            }
            """;

    private static final String HTTP_CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [
                  {"router_config_name": "web", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "web"}}]}]},
                  {"router_config_name": "h2", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "h2"}}]}]}],
                "listeners": [
                  {"name": "web", "address": "127.0.0.1:${WEB}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "web"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http2", "router_config_name": "h2"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "web", "hosts": [{"address": "${WEB_BACKEND}"}]},
                {"name": "h2", "hosts": [{"address": "${H2_BACKEND}"}]}]},
              "metrics": {"sinks": [{"type": "prometheus", "config": {"port": ${SINK}}}]}
            }
            """;

    /** What the client sends and what the backend answers through tcp_proxy: several splice rounds each way. */
    private static final int UP = (3 << 20) + 17;
    private static final int DOWN = (1 << 20) + 5;

    /**
     * tcp_proxy moves exactly the client's bytes to the backend and the backend's back, and the
     * sink shows exactly those: on the listener (read from the client, written to it) and on the
     * cluster (written to the backend, read from it). {@code copy} relays through buffers
     * ({@code -Dmosn4j.splice=false}), {@code splice} moves the bytes in the kernel, past every handler.
     */
    @ParameterizedTest
    @ValueSource(strings = {"splice", "copy"})
    void tcpProxyCountsExactlyTheBytesItMovesAndItsConnections(String relay) throws Exception {
        AtomicLong backendGot = new AtomicLong();
        // reads until the client's FIN, then answers DOWN bytes; a port probe (no bytes) gets nothing
        try (TcpBackend backend = TcpBackend.start("bytes", (s, in, out) -> {
            long got = in.transferTo(OutputStream.nullOutputStream());
            if (got == 0) {
                return;
            }
            backendGot.set(got);
            out.write(new byte[DOWN]);
            out.flush();
        })) {
            int port = freePort();
            int sink = freePort();
            try (MosnProcess mosn = MosnProcess.builder().config(render(TCP_CONFIG, vars("TCP", port, "BACKEND", backend.address(), "SINK", sink)))
                    .javaOpts(relay.equals("copy") ? "-Dmosn4j.splice=false" : "").waitFor(port, sink).start()) {
                long received;
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(new byte[UP]);
                    s.shutdownOutput();
                    received = s.getInputStream().transferTo(OutputStream.nullOutputStream());
                }
                assertThat(backendGot.get()).isEqualTo(UP);
                assertThat(received).isEqualTo(DOWN);

                Map<String, String> l = Map.of("listener", "tcp");
                Map<String, String> c = Map.of("cluster", "tcp");
                // the connections' ends are counted as the proxy closes them, just after the client saw its EOF
                PromText p = scrapeUntil(sink, q -> q.value("downstream_connection_active", l) == 0 && q.value("upstream_connection_active", c) == 0);
                assertThat(p.types).containsEntry("downstream_bytes_read_total", "counter").containsEntry("upstream_connection_bytes_read_total", "counter")
                        .containsEntry("upstream_connection_bytes_write", "counter").containsEntry("downstream_connection_active", "gauge");
                assertThat(p.value("downstream_bytes_read_total", l)).isEqualTo(UP);
                assertThat(p.value("downstream_bytes_write_total", l)).isEqualTo(DOWN);
                assertThat(p.value("upstream_connection_bytes_write", c)).isEqualTo(UP);
                assertThat(p.value("upstream_connection_bytes_read_total", c)).isEqualTo(DOWN);
                // the test's connection and the start-up port probe's, both over
                double connections = p.value("downstream_connection_total", l);
                assertThat(connections).isBetween(1.0, 2.0);
                assertThat(p.value("downstream_connection_destroy", l)).isEqualTo(connections);
                assertThat(p.value("upstream_connection_total", c)).isBetween(1.0, connections);
                assertThat(p.has("downstream_request_total")).as("raw TCP has no requests").isFalse();
                assertThat(mosn.output().contains("bytes move with splice(2)")).as("spliced").isEqualTo(relay.equals("splice"));
                mosn.stopCleanly();
            }
        }
    }

    /**
     * HTTP/1 both sides: the listener counts exactly what the client sent and received, the cluster
     * exactly what the backend received and sent (mosn4j's rewritten request head included); an
     * HTTP/2 cluster counts at least the bodies its frames carried.
     */
    @Test
    void httpConnectionsCountTheBytesOnTheWireBothSides() throws Exception {
        AtomicLong backendRead = new AtomicLong();
        AtomicLong backendWritten = new AtomicLong();
        String body = "x".repeat(3000);
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
        try (TcpBackend web = TcpBackend.start("web", (s, in, out) -> {
                 InputStream bin = new BufferedInputStream(in);
                 while (true) {
                     long head = readHead(bin);
                     if (head < 0) {
                         return;
                     }
                     backendRead.addAndGet(head);
                     out.write(response);
                     out.flush();
                     backendWritten.addAndGet(response.length);
                 }
             });
             H2Peers.Backend h2 = new H2Peers.Backend("h2", 100, 0)) {
            int webPort = freePort();
            int h2Port = freePort();
            int sink = freePort();
            String config = render(HTTP_CONFIG, vars("WEB", webPort, "H2", h2Port, "WEB_BACKEND", web.address(), "H2_BACKEND", h2.address(), "SINK", sink));
            try (MosnProcess mosn = MosnProcess.builder().config(config).waitFor(webPort, h2Port, sink).probe(webPort, h2Port).start()) {
                long sent = 0;
                long received = 0;
                try (Socket s = new Socket("127.0.0.1", webPort)) {
                    s.setSoTimeout(10_000);
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    for (int i = 0; i < 5; i++) {
                        byte[] req = ("GET /item/" + i + " HTTP/1.1\r\nHost: shop\r\nX-Pad: " + "p".repeat(100 * i) + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII);
                        s.getOutputStream().write(req);
                        sent += req.length;
                        received += readResponse(in, body.length());
                    }
                }
                int h2Body = 20_000;
                long h2Sent = 0;
                long h2Received = 0;
                try (Socket s = new Socket("127.0.0.1", h2Port)) {
                    s.setSoTimeout(10_000);
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    byte[] req = ("POST /echo HTTP/1.1\r\nHost: h2\r\nContent-Length: " + h2Body + "\r\n\r\n" + "y".repeat(h2Body))
                            .getBytes(StandardCharsets.US_ASCII);
                    s.getOutputStream().write(req);
                    h2Sent += req.length;
                    h2Received += readResponse(in, h2Body);
                }

                PromText p = scrapeUntil(sink, q -> q.value("downstream_request_active", Map.of("listener", "h2")) == 0);
                Map<String, String> l = Map.of("listener", "web");
                Map<String, String> c = Map.of("cluster", "web");
                assertThat(p.value("downstream_bytes_read_total", l)).isEqualTo(sent);
                assertThat(p.value("downstream_bytes_write_total", l)).isEqualTo(received);
                assertThat(p.value("upstream_connection_bytes_write", c)).isEqualTo(backendRead.get());
                assertThat(p.value("upstream_connection_bytes_read_total", c)).isEqualTo(backendWritten.get());
                assertThat(backendWritten.get()).isEqualTo(5L * response.length);
                // per cluster, as in MOSN: a host's group has no byte counters
                assertThat(p.named("upstream_connection_bytes_write")).allMatch(s -> !s.labels().containsKey("host"));

                Map<String, String> h = Map.of("listener", "h2");
                Map<String, String> hc = Map.of("cluster", "h2");
                assertThat(p.value("downstream_bytes_read_total", h)).isEqualTo(h2Sent);
                assertThat(p.value("downstream_bytes_write_total", h)).isEqualTo(h2Received);
                // the body in DATA frames, plus the connection preface, SETTINGS, HEADERS and frame headers
                assertThat(p.value("upstream_connection_bytes_write", hc)).isBetween(h2Body + 24.0, h2Body + 4096.0);
                assertThat(p.value("upstream_connection_bytes_read_total", hc)).isBetween((double) h2Body, h2Body + 4096.0);
                mosn.stopCleanly();
            }
        }
    }

    /** Reads a request head (through its blank line); its length, or -1 at the end of the stream. */
    private static long readHead(InputStream in) throws IOException {
        long n = 0;
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            n++;
            last4 = last4 << 8 | b;
            if (last4 == 0x0d0a0d0a) {
                return n;
            }
        }
        return -1;
    }

    /** Reads a 200 response whose body (by its length or chunked) has {@code bodyLength} bytes; the bytes it took. */
    private static long readResponse(InputStream in, int bodyLength) throws IOException {
        String head = line(in, "\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 200");
        String length = head.lines().filter(x -> x.toLowerCase().startsWith("content-length:")).findFirst().orElse(null);
        if (length != null) {
            int n = Integer.parseInt(length.substring(15).trim());
            assertThat(n).isEqualTo(bodyLength);
            return head.length() + in.readNBytes(n).length;
        }
        assertThat(head.toLowerCase()).contains("transfer-encoding: chunked");
        long taken = head.length();
        long body = 0;
        while (true) {
            String size = line(in, "\r\n");
            taken += size.length();
            int n = Integer.parseInt(size.trim(), 16);
            taken += in.readNBytes(n).length + line(in, "\r\n").length();
            body += n;
            if (n == 0) {
                break;
            }
        }
        assertThat(body).isEqualTo(bodyLength);
        return taken;
    }

    /** The bytes up to and including {@code end}, as text. */
    private static String line(InputStream in, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith(end)) {
            int b = in.read();
            assertThat(b).as("the response").isNotNegative();
            sb.append((char) b);
        }
        return sb.toString();
    }

    private interface Ready {
        boolean test(PromText p);
    }

    /** The sink's page once {@code ready} holds of it (or after 5 s: the caller's assertions then say what is off). */
    private static PromText scrapeUntil(int sink, Ready ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            PromText p = PromText.parse(scrapeText(sink));
            boolean ok;
            try {
                ok = ready.test(p);
            } catch (AssertionError missing) {
                ok = false;
            }
            if (ok || System.nanoTime() > deadline) {
                return p;
            }
            MosnProcess.sleep(50);
        }
    }

    private static String scrapeText(int sink) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + sink + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }
}
