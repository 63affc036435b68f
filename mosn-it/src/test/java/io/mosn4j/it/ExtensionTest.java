package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worked example module (mosn-example-extension), loaded from a plugins folder as a user would
 * add it: two stream filters (one that waits on a CompletionStage, one that prints variables of the
 * request's record), a network filter and an RPC protocol, each found through ServiceLoader.
 */
class ExtensionTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 2,
                "routers": [
                  {"router_config_name": "web", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/ok"}, "route": {"cluster_name": "backend"}},
                    {"match": {"prefix": "/dead"}, "route": {"cluster_name": "dead"}}
                  ]}]},
                  {"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "echo"}]}, "route": {"cluster_name": "line", "timeout": "5s"}}
                  ]}]}
                ],
                "listeners": [
                  {"name": "http", "address": "127.0.0.1:${HTTP}",
                   "stream_filters": [
                     {"type": "example_async_check", "config": {"deny_header": "x-deny", "delay": "2ms"}},
                     {"type": "example_response_headers", "config": {"headers": {
                       "x-upstream": "%upstream_host%", "x-flags": "%response_flag%", "x-cluster": "%upstream_cluster%",
                       "x-trace": "trace=%request_header_x-trace%"}}}
                   ],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "web"}}]}]},
                  {"name": "echo", "address": "127.0.0.1:${ECHO}", "filter_chains": [{"filters": [{"type": "example_echo"}]}]},
                  {"name": "line", "address": "127.0.0.1:${LINE}",
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "example_line", "router_config_name": "rpc"}}]}]},
                  {"name": "auto", "address": "127.0.0.1:${AUTO}",
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "backend", "hosts": [{"address": "${BACKEND}"}]},
                {"name": "dead", "connect_timeout": "1s", "hosts": [{"address": "127.0.0.1:${DEAD}"}]},
                {"name": "line", "hosts": [{"address": "127.0.0.1:${LINE_BACKEND}"}]}
              ]}
            }
            """;

    private static NettyHttpBackend backend;
    private static LineBackend lineBackend;
    private static Socket deadPort;
    private static MosnProcess mosn;
    private static Path plugins;
    private static int http;
    private static int echo;
    private static int line;
    private static int auto;

    @BeforeAll
    static void start() throws Exception {
        backend = NettyHttpBackend.start("backend");
        lineBackend = new LineBackend();
        deadPort = new Socket();
        deadPort.bind(new InetSocketAddress("127.0.0.1", 0)); // held, never listening: connects are refused
        plugins = pluginsFolder();
        http = freePort();
        echo = freePort();
        line = freePort();
        auto = freePort();
        String config = render(CONFIG, vars("HTTP", http, "ECHO", echo, "LINE", line, "AUTO", auto, "BACKEND", backend.address(),
                "DEAD", deadPort.getLocalPort(), "LINE_BACKEND", lineBackend.port()));
        mosn = MosnProcess.builder().config(config).args("--plugins", plugins.toString())
                .waitFor(http, echo, line, auto).probe(http).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                assertThat(mosn.stop()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            backend.close();
            lineBackend.close();
            deadPort.close();
        }
    }

    /** A plugins folder holding only the example module's jar, as a user would drop it there. */
    static Path pluginsFolder() throws IOException {
        Path target = MosnProcess.root().resolve("mosn-example-extension/target");
        Path jar;
        try (Stream<Path> s = Files.list(target)) {
            jar = s.filter(p -> p.getFileName().toString().matches("mosn-example-extension-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("build mosn-example-extension first: no jar in " + target));
        }
        Path dir = Files.createTempDirectory("mosn-plugins-");
        Files.copy(jar, dir.resolve(jar.getFileName()));
        return dir;
    }

    @Test
    void asyncFilterHoldsRequestsOffTheLoopAndLosesNone() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        int threads = 32;
        int perThread = 60;
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger denied = new AtomicInteger();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        boolean deny = (thread + i) % 5 == 0;
                        // every other request has a body: it arrives while the filter holds the
                        // request and waits at the filter, then follows the headers upstream
                        String body = i % 2 == 0 ? null : ("body-" + thread + "-" + i + "-").repeat(2000);
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/ok/" + thread + "/" + i))
                                .timeout(Duration.ofSeconds(10));
                        if (body != null) {
                            b.POST(HttpRequest.BodyPublishers.ofString(body));
                        }
                        if (deny) {
                            b.header("x-deny", "yes");
                        }
                        try {
                            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                            String expected = body != null ? body : "GET /ok/" + thread + "/" + i;
                            if (deny && r.statusCode() == 403 && r.body().equals("denied by example_async_check\n")) {
                                denied.incrementAndGet();
                            } else if (!deny && r.statusCode() == 200 && r.body().contains(expected)) {
                                ok.incrementAndGet();
                            } else {
                                wrong.add((deny ? "deny " : "") + r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            wrong.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(wrong).as("answers that were not what the filter decided").isEmpty();
        int total = threads * perThread;
        assertThat(denied.get()).isEqualTo(total / 5);
        assertThat(ok.get()).isEqualTo(total - total / 5);
    }

    @Test
    void responseHeadersCarryTheRequestRecord() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(http)) {
            c.send("GET /ok/1 HTTP/1.1\r\nHost: a\r\nx-trace: t-42\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().get("x-upstream")).isEqualTo(backend.address());
            assertThat(r.headers().get("x-cluster")).isEqualTo("backend");
            assertThat(r.headers().get("x-flags")).isEqualTo("-");
            assertThat(r.headers().get("x-trace")).isEqualTo("trace=t-42");

            // the proxy's own answers go through the response filters too, with their flags
            c.send("GET /dead HTTP/1.1\r\nHost: a\r\n\r\n");
            r = c.readResponse();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.headers().get("x-flags")).isEqualTo("UF"); // upstream connection failure
            assertThat(r.headers().get("x-cluster")).isEqualTo("dead");
            assertThat(r.headers().get("x-upstream")).isEqualTo("127.0.0.1:" + deadPort.getLocalPort());

            c.send("GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n");
            r = c.readResponse();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.headers().get("x-flags")).isEqualTo("NR"); // no route
            assertThat(r.headers().get("x-cluster")).isEqualTo("-");
            assertThat(r.headers().get("x-trace")).isEqualTo("trace=-");
        }
    }

    @Test
    void networkFilterFromThePluginAnswersConnections() throws Exception {
        byte[] payload = new byte[256 * 1024];
        new java.util.Random(7).nextBytes(payload);
        try (Socket s = new Socket("127.0.0.1", echo)) {
            s.setSoTimeout(10_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the assertion below reports it
                }
            });
            byte[] back = s.getInputStream().readNBytes(payload.length);
            writer.join();
            assertThat(back).isEqualTo(payload);
        }
    }

    @Test
    void protocolFromThePluginIsRoutedAndMultiplexed() throws Exception {
        try (LineClient a = new LineClient(line); LineClient b = new LineClient(line)) {
            // the same ids from two clients: the proxy renumbers them upstream and restores them
            for (int i = 1; i <= 20; i++) {
                a.send("Q " + i + " echo a" + i);
                b.send("Q " + i + " echo b" + i);
            }
            Map<String, String> fromA = new java.util.HashMap<>();
            Map<String, String> fromB = new java.util.HashMap<>();
            for (int i = 1; i <= 20; i++) {
                String ra = a.read();
                String rb = b.read();
                fromA.put(ra.split(" ", 2)[1].split(" ")[0], ra);
                fromB.put(rb.split(" ", 2)[1].split(" ")[0], rb);
            }
            for (int i = 1; i <= 20; i++) {
                assertThat(fromA.get(Integer.toString(i))).isEqualTo("A " + i + " 0 echo:a" + i);
                assertThat(fromB.get(Integer.toString(i))).isEqualTo("A " + i + " 0 echo:b" + i);
            }
            assertThat(lineBackend.connections.get()).as("one upstream connection per event loop at most").isBetween(1, 2);

            a.send("Q 77 nosuch x");
            assertThat(a.read()).isEqualTo("A 77 404 NO_ROUTE: no route matched");
            a.send("H 9");
            assertThat(a.read()).as("heartbeats are answered by the proxy").isEqualTo("h 9");
        }
    }

    @Test
    void autoListenerTellsThePluginProtocolFromHttp() throws Exception {
        try (LineClient c = new LineClient(auto)) {
            c.send("Q 5 echo hi");
            assertThat(c.read()).isEqualTo("A 5 0 echo:hi");
        }
        try (RawHttpClient c = RawHttpClient.connect(auto)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.readResponse().status()).as("HTTP on the same port: no route in the rpc table").isEqualTo(404);
        }
    }

    @Test
    void withoutThePluginItsNamesAreRefusedAtLoad() throws Exception {
        Path cfg = MosnProcess.writeTemp("c.json", render(CONFIG, vars("HTTP", freePort(), "ECHO", freePort(), "LINE", freePort(),
                "AUTO", freePort(), "BACKEND", backend.address(), "DEAD", 1, "LINE_BACKEND", 1)));
        Path empty = Files.createTempDirectory("mosn-no-plugins-");
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", cfg.toString(), "--plugins", empty.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).containsExactly("mosn: invalid config " + cfg + ": servers[0].listeners[0].stream_filters[0].type: "
                + "unknown stream filter \"example_async_check\" (available: " + availableWithoutPlugin(r) + ")");
    }

    @Test
    void unknownVariableIsRefusedNamingTheField() throws Exception {
        String config = render(CONFIG, vars("HTTP", freePort(), "ECHO", freePort(), "LINE", freePort(), "AUTO", freePort(),
                "BACKEND", backend.address(), "DEAD", 1, "LINE_BACKEND", 1)).replace("%upstream_cluster%", "%no_such_variable%");
        Path cfg = MosnProcess.writeTemp("c.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", cfg.toString(), "--plugins", plugins.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).containsExactly("mosn: invalid config " + cfg + ": servers[0].listeners[0].stream_filters[1].config"
                + ".headers.x-cluster: unknown variable \"no_such_variable\"");
    }

    /** What the message lists as available: whatever the built-in modules register (not the example's). */
    private static String availableWithoutPlugin(MosnProcess.Result r) {
        String line = r.stderrLines().getFirst();
        int open = line.lastIndexOf("(available: ");
        String list = line.substring(open + "(available: ".length(), line.length() - 1);
        assertThat(list).doesNotContain("example_");
        return list;
    }

    /** A client of the example protocol: one line out, one line back. */
    static final class LineClient implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        LineClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String read() throws IOException {
            String l = in.readLine();
            assertThat(l).as("an answer before the connection closed").isNotNull();
            return l;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** An upstream of the example protocol: answers {@code Q id svc x} with {@code A id 0 svc:x}, heartbeats with {@code h id}. */
    static final class LineBackend implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final Set<Socket> open = ConcurrentHashMap.newKeySet();

        LineBackend() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.incrementAndGet();
                        open.add(s);
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                OutputStream out = s.getOutputStream();
                String l;
                while ((l = in.readLine()) != null) {
                    String[] p = l.split(" ", 4);
                    String answer = p[0].equals("H") ? "h " + p[1] : "A " + p[1] + " 0 " + p[2] + ":" + (p.length > 3 ? p[3] : "");
                    out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the proxy closed the connection
            } finally {
                open.remove(s);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
