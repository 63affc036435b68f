package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The running proxy changed through MOSN's debug API ({@code POST /debug/update_config}, on with
 * {@code -f debug_api=true}) while wrk keeps it busy: a cluster's hosts replaced (the one removed
 * drains), a route table replaced (kept-alive connections take it at their next request), a
 * listener added and removed. No request fails that was not meant to.
 */
class RuntimeUpdateTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "graceful_timeout": "5s",
                "processor": 2,
                "routers": [{"router_config_name": "main", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]}],
                "listeners": [{"name": "front", "address": "127.0.0.1:${PORT}",
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "main"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "c", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${B1}"}, {"address": "${B2}"}]},
                {"name": "c2", "hosts": [{"address": "${B4}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static NettyHttpBackend b1;
    private static NettyHttpBackend b2;
    private static NettyHttpBackend b3;
    private static NettyHttpBackend b4;
    private static MosnProcess mosn;
    private static int port;
    private static int admin;

    @BeforeAll
    static void start() throws Exception {
        b1 = NettyHttpBackend.start("b1");
        b2 = NettyHttpBackend.start("b2");
        b3 = NettyHttpBackend.start("b3");
        b4 = NettyHttpBackend.start("b4");
        port = freePort();
        admin = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "ADMIN", admin, "B1", b1.address(), "B2", b2.address(),
                "B4", b4.address()))).args("-f", "debug_api=true").waitFor(port, admin).probe(port).start();
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
            for (NettyHttpBackend b : new NettyHttpBackend[] {b1, b2, b3, b4}) {
                b.close();
            }
        }
    }

    static HttpResponse<String> update(String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/debug/update_config"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode configDump() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static String get(int listener, String path) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(listener)) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            return r.headers().get("x-backend");
        }
    }

    @Test
    void clusterRouteAndListenerChangeUnderLoadWithoutAFailedRequest() throws Exception {
        Wrk wrk = Wrk.start(port, 20, 9);
        Thread.sleep(1500);
        assertThat(b1.requests.get()).as("wrk is running through b1 and b2").isPositive();

        // 1. the cluster's hosts: b1 leaves, b3 joins, b2 stays
        HttpResponse<String> r = update("""
                {"type": "cluster", "config": {"name": "c", "lb_type": "LB_ROUNDROBIN",
                 "hosts": [{"address": "%s"}, {"address": "%s"}]}}""".formatted(b2.address(), b3.address()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("success\n");
        int b1AtUpdate = b1.requests.get();
        int b2AtUpdate = b2.requests.get();
        Thread.sleep(1500);
        assertThat(b1.requests.get() - b1AtUpdate).as("b1 gets at most the requests that were already on their way").isLessThanOrEqualTo(20);
        assertThat(b3.requests.get()).as("b3 joined").isPositive();
        assertThat(b2.requests.get()).as("b2 stayed").isGreaterThan(b2AtUpdate);
        awaitZero(b1, "b1's pooled connections drain and close");

        // 2. the route table: everything to c2 (b4), on wrk's kept-alive connections too
        r = update("""
                {"type": "router", "config": {"router_config_name": "main", "virtual_hosts": [{"name": "all", "domains": ["*"],
                 "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c2"}}]}]}}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        int b2b3AtSwitch = b2.requests.get() + b3.requests.get();
        Thread.sleep(1500);
        assertThat(b4.requests.get()).as("the new table serves wrk's existing connections").isPositive();
        assertThat(b2.requests.get() + b3.requests.get() - b2b3AtSwitch).isLessThanOrEqualTo(20);

        // 3. a listener added, used, and removed
        int extra = freePort();
        r = update("""
                {"type": "listener", "config": {"name": "extra", "address": "127.0.0.1:%d",
                 "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "main"}}]}]}}"""
                .formatted(extra));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(get(extra, "/via-extra")).isEqualTo("b4");
        assertThat(configDump().at("/servers/0/listeners").findValuesAsText("name")).contains("front", "extra");
        r = update("{\"type\": \"remove_listener\", \"config\": {\"name\": \"extra\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertRefused(extra);
        assertThat(configDump().at("/servers/0/listeners").findValuesAsText("name")).containsExactly("front");

        Wrk.Result result = wrk.await();
        assertThat(result.requests()).as("wrk output:\n%s", result.output()).isGreaterThan(1000);
        assertThat(result.non2xx()).as("wrk output:\n%s", result.output()).isZero();
        assertThat(result.socketErrors()).as("wrk output:\n%s", result.output()).isZero();

        // the live config is what the dump shows
        JsonNode dump = configDump();
        List<String> hosts = new ArrayList<>();
        for (JsonNode c : dump.at("/cluster_manager/clusters")) {
            if (c.get("name").asText().equals("c")) {
                c.get("hosts").forEach(h -> hosts.add(h.get("address").asText()));
            }
        }
        assertThat(hosts).containsExactly(b2.address(), b3.address());
        assertThat(dump.at("/servers/0/routers/0/virtual_hosts/0/routers/0/route/cluster_name").asText()).isEqualTo("c2");
    }

    @Test
    void aListenerUpdateDrainsOnlyItsOldConnections() throws Exception {
        int p = freePort();
        try (NettyHttpBackend slow = NettyHttpBackend.start("slow",
                req -> NettyHttpBackend.Response.text(200, "v1 slow").delayed(1500))) {
            String listener = """
                    {"type": "listener", "config": {"name": "swap", "address": "127.0.0.1:%d",
                     "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "%s"}}]}]}}""";
            assertThat(update("{\"type\": \"cluster\", \"config\": {\"name\": \"slow\", \"hosts\": [{\"address\": \""
                    + slow.address() + "\"}]}}").statusCode()).isEqualTo(200);
            update("""
                    {"type": "router", "config": {"router_config_name": "v1", "virtual_hosts": [{"name": "a", "domains": ["*"],
                     "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "slow"}}]}]}}""");
            update("""
                    {"type": "router", "config": {"router_config_name": "v2", "virtual_hosts": [{"name": "a", "domains": ["*"],
                     "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "v2"}}]}]}}""");
            assertThat(update(listener.formatted(p, "v1")).statusCode()).isEqualTo(200);
            try (RawHttpClient busy = RawHttpClient.connect(p); RawHttpClient idle = RawHttpClient.connect(p)) {
                busy.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n"); // in flight for 1.5 s
                awaitStarted(slow);
                assertThat(update(listener.formatted(p, "v2")).statusCode()).isEqualTo(200);
                // the request in flight on the old config finishes, and its connection is told to close
                RawHttpClient.RawResponse last = busy.readResponse();
                assertThat(last.bodyText()).isEqualTo("v1 slow");
                assertThat(last.headers().get("connection")).isEqualToIgnoringCase("close");
                // an idle connection of the old config is closed at once
                assertThat(idle.in().read()).isEqualTo(-1);
                // new connections get the new config, on the same socket
                try (RawHttpClient fresh = RawHttpClient.connect(p)) {
                    fresh.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                    assertThat(fresh.readResponse().bodyText()).isEqualTo("v2");
                }
            }
            update("{\"type\": \"remove_listener\", \"config\": {\"name\": \"swap\"}}");
            update("{\"type\": \"remove_cluster\", \"config\": {\"name\": \"slow\"}}");
        }
    }

    private static void awaitStarted(NettyHttpBackend b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.started.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(b.started).isNotEmpty();
    }

    @Test
    void badUpdatesAreRefusedWithTheReasonAndChangeNothing() throws Exception {
        HttpResponse<String> r = update("{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("invalid request: the body is not JSON");
        r = update("{\"type\": \"cluster\", \"config\": {\"name\": \"c\", \"lb_type\": \"LB_FOO\", \"hosts\": []}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("config.lb_type: unknown value \"LB_FOO\" (expected LB_RANDOM, LB_ROUNDROBIN, LB_WEIGHTED_ROUNDROBIN, "
                + "LB_LEAST_REQUEST, LB_LEAST_CONNECTION, LB_MAGLEV, LB_RINGHASH, LB_PEAK_EWMA or LB_REQUEST_ROUNDROBIN)\n");
        // what the file could not set, an update cannot either: a route to a cluster nobody defined
        r = update("{\"type\": \"router\", \"config\": {\"router_config_name\": \"main\", \"virtual_hosts\": [{\"domains\": [\"*\"], "
                + "\"routers\": [{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster_name\": \"nope\"}}]}]}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("config.virtual_hosts[0].routers[0].route.cluster_name: unknown cluster \"nope\"\n");
        r = update("{\"type\": \"listener\", \"config\": {\"name\": \"bad\", \"address\": \"127.0.0.1:1\", \"filter_chains\": "
                + "[{\"filters\": [{\"type\": \"proxy\", \"config\": {\"router_config_name\": \"nope\"}}]}]}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("config.filter_chains[0].filters[0].config.router_config_name: no router named \"nope\" in servers[0].routers\n");
        r = update("{\"type\": \"secret\", \"config\": {}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("type: invalid type \"secret\"");
        r = update("{\"type\": \"remove_cluster\", \"config\": {\"name\": \"nope\"}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(configDump().at("/cluster_manager/clusters").findValuesAsText("lb_type")).doesNotContain("LB_FOO");
        assertThat(configDump().at("/servers/0/listeners").findValuesAsText("name")).doesNotContain("bad");
    }

    /** An update with a setting mosn4j only warns about applies, logs the warning once and lists it in the dump. */
    @Test
    void anUpdatesWarningsAreLoggedAndDumped() throws Exception {
        HttpResponse<String> r = update("{\"type\": \"cluster\", \"config\": {\"name\": \"warned\", \"cluster_pool_enable\": true, "
                + "\"hosts\": [{\"address\": \"" + b4.address() + "\"}]}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String line = "update_config: config.cluster_pool_enable: connection pools are per event loop and host; ignored";
        assertThat(configDump().path("warnings").toString()).contains(line);
        assertThat(mosn.output().lines().filter(l -> l.contains("[WARN]") && l.contains(line)).count()).isEqualTo(1);
        assertThat(update("{\"type\": \"remove_cluster\", \"config\": {\"name\": \"warned\"}}").statusCode()).isEqualTo(200);
    }

    @Test
    void withoutTheFeatureTheDebugApiIsNotThere() throws Exception {
        int p = freePort();
        int a = freePort();
        try (MosnProcess plain = MosnProcess.builder().config(render(CONFIG, vars("PORT", p, "ADMIN", a, "B1", b1.address(),
                "B2", b2.address(), "B4", b4.address()))).waitFor(p, a).start()) {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a + "/debug/update_config"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"remove_listener\", \"config\": {\"name\": \"front\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(get(p, "/still-here")).isIn("b1", "b2");
            assertThat(plain.stop()).isZero();
        }
    }

    @Test
    void unknownFeatureGateIsRefused() throws Exception {
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-f", "debug_api=true,warp_drive=true");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).containsExactly("mosn: invalid --feature-gates: unknown feature \"warp_drive\" (known: debug_api)");
        r = MosnProcess.run(Duration.ofSeconds(30), "start", "-f", "debug_api=yes");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).containsExactly("mosn: invalid --feature-gates: feature \"debug_api\": \"yes\" is not true or false");
    }

    private static void awaitZero(NettyHttpBackend b, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(b.open.get()).as(what).isZero();
    }

    private static void assertRefused(int p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", p)) {
                Thread.sleep(50);
            } catch (ConnectException e) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("port " + p + " still accepts connections after the listener was removed");
    }

    /** wrk, the real load generator, for a bounded time. */
    record Wrk(Process process) {
        static Wrk start(int port, int connections, int seconds) throws IOException {
            Process p = new ProcessBuilder("wrk", "-t", "2", "-c", Integer.toString(connections), "-d", seconds + "s",
                    "http://127.0.0.1:" + port + "/load").redirectErrorStream(true).start();
            return new Wrk(p);
        }

        record Result(long requests, long non2xx, long socketErrors, String output) {}

        Result await() throws Exception {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(out).isZero();
            long requests = find(out, "(\\d+) requests in");
            long non2xx = find(out, "Non-2xx or 3xx responses: (\\d+)");
            Matcher m = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
            long errors = 0;
            if (m.find()) {
                for (int i = 1; i <= 4; i++) {
                    errors += Long.parseLong(m.group(i));
                }
            }
            return new Result(requests, non2xx, errors, out);
        }

        private static long find(String out, String regex) {
            Matcher m = Pattern.compile(regex).matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }
    }
}
