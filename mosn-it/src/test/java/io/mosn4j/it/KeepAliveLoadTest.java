package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 1000 requests over 50 concurrent keep-alive connections (50 clients x 20 requests each on one
 * connection), every response checked byte for byte; then mosn stops cleanly with no leak report.
 */
class KeepAliveLoadTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "echo"}}]}]}],
                "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]
              }],
              "cluster_manager": {"clusters": [{"name": "echo", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN",
                "hosts": [{"address": "${E1}"}, {"address": "${E2}"}]}]}
            }
            """;

    static final int CLIENTS = 50;
    static final int PER_CLIENT = 20;

    @Test
    void thousandRequestsOverFiftyKeepAliveConnections() throws Exception {
        try (NettyHttpBackend e1 = NettyHttpBackend.start("e1"); NettyHttpBackend e2 = NettyHttpBackend.start("e2")) {
            int port = freePort();
            try (MosnProcess mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "E1", e1.address(), "E2", e2.address())), port)) {
                ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
                CountDownLatch go = new CountDownLatch(1);
                ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
                List<Future<Integer>> done = new ArrayList<>();
                long t0 = System.nanoTime();
                try {
                    for (int t = 0; t < CLIENTS; t++) {
                        int client = t;
                        done.add(pool.submit(() -> runClient(port, client, go, errors)));
                    }
                    go.countDown();
                    int ok = 0;
                    for (Future<Integer> f : done) {
                        ok += f.get(120, TimeUnit.SECONDS);
                    }
                    System.out.printf("KeepAliveLoadTest: %d requests in %d ms; upstream connections e1=%d e2=%d%n",
                            ok, (System.nanoTime() - t0) / 1_000_000, e1.connections.get(), e2.connections.get());
                    assertThat(errors).isEmpty();
                    assertThat(ok).isEqualTo(CLIENTS * PER_CLIENT);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(e1.requests.get() + e2.requests.get()).isEqualTo(CLIENTS * PER_CLIENT);
                assertThat(e1.requests.get()).isEqualTo(CLIENTS * PER_CLIENT / 2);
                // upstream connections are pooled and reused (1000 without reuse). Pools are per event loop and
                // host, each growing to its own peak concurrency, so the sum may exceed the 50 in flight at once.
                assertThat(e1.connections.get() + e2.connections.get()).isLessThanOrEqualTo(2 * CLIENTS);

                // the JDK client too: 200 more requests, 20 at a time
                HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                try (hc) {
                    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        fs.add(hc.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hc/" + i))
                                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("hc-" + i)).build(),
                                HttpResponse.BodyHandlers.ofString()));
                    }
                    for (int i = 0; i < 200; i++) {
                        HttpResponse<String> r = fs.get(i).get(60, TimeUnit.SECONDS);
                        assertThat(r.statusCode()).isEqualTo(200);
                        assertThat(r.body()).isEqualTo("hc-" + i);
                    }
                }
                mosn.stopCleanly();
                assertThat(mosn.output()).doesNotContain("LEAK:").doesNotContain("Exception");
            }
        }
    }

    private static int runClient(int port, int client, CountDownLatch go, ConcurrentLinkedQueue<String> errors) throws Exception {
        Random rnd = new Random(client);
        int ok = 0;
        go.await();
        try (RawHttpClient c = RawHttpClient.connect(port, 30_000)) {
            for (int i = 0; i < PER_CLIENT; i++) {
                String id = client + "-" + i;
                RawHttpClient.RawResponse r;
                byte[] expected;
                if (i % 4 == 3) {
                    c.send("GET /get/" + id + " HTTP/1.1\r\nHost: load\r\n\r\n");
                    r = c.readResponse();
                    expected = null;
                } else {
                    byte[] body = new byte[1 + rnd.nextInt(20_000)];
                    rnd.nextBytes(body);
                    byte[] tag = (id + ":").getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(tag, 0, body, 0, Math.min(tag.length, body.length));
                    c.send("POST /post/" + id + " HTTP/1.1\r\nHost: load\r\nContent-Length: " + body.length + "\r\n\r\n");
                    c.send(body);
                    r = c.readResponse();
                    expected = body;
                }
                if (r.status() != 200) {
                    errors.add(id + ": status " + r.status());
                } else if (expected != null && !Arrays.equals(r.body(), expected)) {
                    errors.add(id + ": body mismatch (" + r.body().length + " vs " + expected.length + " bytes)");
                } else if (expected == null && !r.bodyText().matches("e[12] GET /get/" + id)) {
                    errors.add(id + ": body " + r.bodyText());
                } else if (r.connectionClose()) {
                    errors.add(id + ": proxy closed the keep-alive connection");
                } else {
                    ok++;
                }
            }
        } catch (Exception e) {
            errors.add("client " + client + ": " + e);
        }
        return ok;
    }
}
