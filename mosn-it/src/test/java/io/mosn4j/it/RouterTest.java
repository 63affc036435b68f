package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 11's routing features through the real {@code bin/mosn}, with real backends that report
 * what they received: per-virtual-host and per-route header changes (with variables), path and
 * host rewrites, cluster_header / cluster_variable / weighted_clusters, query, variable, CEL and
 * case-insensitive matches, the per-request timeout header, retry policies counted on the
 * backends (status, connect failure, per-try timeout, exhausted, a body too big to keep), redirects
 * followed by the JDK client, mirrors that never slow or fail the main request, a route table
 * replaced at runtime under a request in flight, and bad route configs refused with their path.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouterTest {
    static final String ROUTER = """
            {
              "router_config_name": "main",
              "response_headers_to_add": [{"header": {"key": "x-table", "value": "v1"}, "append": false}],
              "virtual_hosts": [
                {"name": "headers", "domains": ["headers.test"],
                 "request_headers_to_add": [{"header": {"key": "x-vh", "value": "vh-added"}}],
                 "request_headers_to_remove": ["x-drop-vh"],
                 "response_headers_to_add": [{"header": {"key": "x-vh-resp", "value": "vh"}}],
                 "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "main",
                   "request_headers_to_add": [
                     {"header": {"key": "x-route", "value": "route-added"}},
                     {"header": {"key": "x-list", "value": "b"}},
                     {"header": {"key": "x-replace", "value": "new"}, "append": false},
                     {"header": {"key": "x-method", "value": "%x-mosn-method%"}},
                     {"header": {"key": "x-listener", "value": "%listener_name%"}}],
                   "request_headers_to_remove": ["x-drop-route"],
                   "response_headers_to_add": [{"header": {"key": "x-route-resp", "value": "%upstream_cluster%"}}],
                   "response_headers_to_remove": ["x-backend"]}}]},
                {"name": "rewrites", "domains": ["rw.test"], "routers": [
                  {"match": {"prefix": "/old/"}, "route": {"cluster_name": "main", "prefix_rewrite": "/new/", "host_rewrite": "rewritten.example"}},
                  {"match": {"prefix": "/re/"}, "route": {"cluster_name": "main", "auto_host_rewrite_header": "x-real-host",
                    "regex_rewrite": {"pattern": {"regex": "^/re/([a-z]+)/([0-9]+)$"}, "substitution": "/v2/$2/$1"}}},
                  {"match": {"prefix": "/auto/"}, "route": {"cluster_name": "named", "auto_host_rewrite": true}}]},
                {"name": "pick", "domains": ["pick.test"], "routers": [
                  {"match": {"prefix": "/header"}, "route": {"cluster_header": "x-cluster"}},
                  {"match": {"prefix": "/variable"}, "route": {"cluster_variable": "request_header_x-to"}},
                  {"match": {"prefix": "/weighted"}, "route": {"weighted_clusters": [
                    {"cluster": {"name": "v1", "weight": 70}}, {"cluster": {"name": "v2", "weight": 30}}]}},
                  {"match": {"prefix": "/meta/v2"}, "route": {"cluster_name": "subset",
                    "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v2"}}}}},
                  {"match": {"prefix": "/meta/split"}, "route": {"weighted_clusters": [
                    {"cluster": {"name": "subset", "weight": 50, "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v1"}}}}},
                    {"cluster": {"name": "subset", "weight": 50, "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v2"}}}}}]}},
                  {"match": {"prefix": "/meta/none"}, "route": {"cluster_name": "subset",
                    "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v9"}}}}}]},
                {"name": "matches", "domains": ["match.test"], "routers": [
                  {"match": {"prefix": "/q", "query_parameters": [{"name": "env", "value": "canary"}]}, "direct_response": {"status": 200, "body": "query=canary"}},
                  {"match": {"prefix": "/q"}, "direct_response": {"status": 200, "body": "query=none"}},
                  {"match": {"variables": [{"name": "x-mosn-method", "value": "PUT"}, {"name": "x-mosn-path", "value": "/var"}]},
                   "direct_response": {"status": 200, "body": "variables"}},
                  {"match": {"dsl_expressions": [{"expression": "request.method == 'DELETE' && request.headers['x-user'].startsWith('admin-')"}]},
                   "direct_response": {"status": 200, "body": "dsl"}},
                  {"match": {"prefix": "/CaSe/", "case_sensitive": false}, "direct_response": {"status": 200, "body": "case"}}]},
                {"name": "timeouts", "domains": ["timeouts.test"], "routers": [
                  {"match": {"prefix": "/"}, "route": {"cluster_name": "slow", "timeout": "10s"}}]},
                {"name": "retries", "domains": ["retry.test"], "routers": [
                  {"match": {"prefix": "/status"}, "route": {"cluster_name": "badgood", "retry_policy": {"retry_on": true, "num_retries": 1}}},
                  {"match": {"prefix": "/connect"}, "route": {"cluster_name": "deadgood", "retry_policy": {"retry_on": true, "num_retries": 1}}},
                  {"match": {"prefix": "/exhaust"}, "route": {"cluster_name": "allbad", "retry_policy": {"retry_on": true, "num_retries": 2, "status_codes": [503]}}},
                  {"match": {"prefix": "/pertry"}, "route": {"cluster_name": "slowgood", "timeout": "10s",
                    "retry_policy": {"retry_on": true, "num_retries": 1, "retry_timeout": "300ms"}}},
                  {"match": {"prefix": "/none"}, "route": {"cluster_name": "badgood"}}]},
                {"name": "redirects", "domains": ["127.0.0.1"], "routers": [
                  {"match": {"prefix": "/moved"}, "redirect": {"path_redirect": "/landing", "response_code": 302}},
                  {"match": {"prefix": "/secure"}, "redirect": {"scheme_redirect": "https", "host_redirect": "secure.example", "response_code": 308}},
                  {"match": {"prefix": "/landing"}, "route": {"cluster_name": "main"}}]},
                {"name": "mirrors", "domains": ["mirror.test"], "routers": [
                  {"match": {"prefix": "/all"}, "route": {"cluster_name": "main"}, "request_mirror_policies": {"cluster": "mirror", "percent": 100}},
                  {"match": {"prefix": "/slow"}, "route": {"cluster_name": "main"}, "request_mirror_policies": {"cluster": "mirror_slow", "percent": 100}},
                  {"match": {"prefix": "/dead"}, "route": {"cluster_name": "main"}, "request_mirror_policies": {"cluster": "dead", "percent": 100}},
                  {"match": {"prefix": "/half"}, "route": {"cluster_name": "main"}, "request_mirror_policies": [{"cluster": "mirror", "percent": 50}]}]},
                {"name": "port8080", "domains": ["ports.test:8080"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "exact:8080"}}]},
                {"name": "anyport", "domains": ["ports.test"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "exact:any"}}]},
                {"name": "wild9090", "domains": ["*.ports.test:9090"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "wild:9090"}}]},
                {"name": "wildany", "domains": ["*.ports.test"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "wild:any"}}]},
                {"name": "default", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "main"}}]}
              ]
            }
            """;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [${ROUTER}],
                "listeners": [
                  {"name": "routes", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "small", "address": "127.0.0.1:${SMALL}", "per_connection_buffer_limit_bytes": 16384,
                   "stream_filters": [{"type": "mirror", "config": {"amplification": 3}}], "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "main", "type": "SIMPLE", "hosts": [{"address": "${MAIN}"}]},
                {"name": "named", "type": "SIMPLE", "hosts": [{"address": "${MAIN}", "hostname": "named.backend"}]},
                {"name": "v1", "type": "SIMPLE", "hosts": [{"address": "${V1}"}]},
                {"name": "v2", "type": "SIMPLE", "hosts": [{"address": "${V2}"}]},
                {"name": "slow", "type": "SIMPLE", "hosts": [{"address": "${SLOW}"}]},
                {"name": "subset", "type": "SIMPLE", "lb_type": "IT_METADATA_MATCH", "hosts": [
                  {"address": "${V1}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v1"}}}},
                  {"address": "${V2}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v2"}}}}]},
                {"name": "badgood", "type": "SIMPLE", "lb_type": "LB_REQUEST_ROUNDROBIN", "hosts": [{"address": "${BAD}"}, {"address": "${GOOD}"}]},
                {"name": "deadgood", "type": "SIMPLE", "lb_type": "LB_REQUEST_ROUNDROBIN", "connect_timeout": "2s",
                 "hosts": [{"address": "127.0.0.1:${DEAD}"}, {"address": "${GOOD}"}]},
                {"name": "allbad", "type": "SIMPLE", "hosts": [{"address": "${BAD}"}]},
                {"name": "slowgood", "type": "SIMPLE", "lb_type": "LB_REQUEST_ROUNDROBIN", "hosts": [{"address": "${SLOW}"}, {"address": "${GOOD}"}]},
                {"name": "mirror", "type": "SIMPLE", "hosts": [{"address": "${MIRROR}"}]},
                {"name": "mirror_slow", "type": "SIMPLE", "hosts": [{"address": "${MIRROR_SLOW}"}]},
                {"name": "dead", "type": "SIMPLE", "connect_timeout": "2s", "hosts": [{"address": "127.0.0.1:${DEAD}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static final Map<String, NettyHttpBackend> backends = new LinkedHashMap<>();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private static MosnProcess mosn;
    private static int port;
    private static int small;
    private static int admin;
    private static int dead;

    @BeforeAll
    static void start() throws Exception {
        for (String name : new String[] {"main", "v1", "v2", "good", "mirror"}) {
            backends.put(name, NettyHttpBackend.start(name));
        }
        backends.put("bad", NettyHttpBackend.start("bad", r -> NettyHttpBackend.Response.text(503, "bad " + r.uri())));
        backends.put("slow", NettyHttpBackend.start("slow", r -> NettyHttpBackend.Response.text(200, "slow " + r.uri()).delayed(2000)));
        backends.put("mirror_slow", NettyHttpBackend.start("mirror_slow", r -> NettyHttpBackend.Response.text(200, "late").delayed(3000)));
        port = freePort();
        small = freePort();
        admin = freePort();
        dead = deadPort();
        mosn = MosnProcess.builder().config(config(ROUTER)).args("-f", "debug_api=true", "--plugins", io.mosn4j.it.plugin.PluginJar.folder().toString()).waitFor(port, small, admin).probe(port, small).start();
    }

    static String config(String router) {
        Map<String, Object> v = new HashMap<>(vars("PORT", port, "SMALL", small, "ADMIN", admin, "DEAD", dead));
        backends.forEach((name, b) -> v.put(name.toUpperCase(), b.address()));
        v.put("ROUTER", router);
        return render(CONFIG, v);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                java.nio.file.Files.writeString(Path.of("target", "RouterTest-mosn.log"), mosn.output());
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            backends.values().forEach(NettyHttpBackend::close);
        }
    }

    // ---------------------------------------------------------------- helpers

    static RawHttpClient.RawResponse request(int listener, String method, String host, String path, String body, String... headerLines)
            throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(listener, 15_000)) {
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headerLines) {
                req.append(h).append("\r\n");
            }
            if (body != null) {
                req.append("Content-Length: ").append(body.length()).append("\r\n");
            }
            req.append("\r\n");
            if (body != null) {
                req.append(body);
            }
            c.send(req.toString());
            return c.readResponse();
        }
    }

    static RawHttpClient.RawResponse get(String host, String path, String... headerLines) throws Exception {
        return request(port, "GET", host, path, null, headerLines);
    }

    /** The last request {@code backend} received, waiting a little for it (mirrors arrive on their own time). */
    static NettyHttpBackend.Request last(String backend) throws InterruptedException {
        NettyHttpBackend b = backends.get(backend);
        for (int i = 0; i < 100 && b.seen.isEmpty(); i++) {
            Thread.sleep(20);
        }
        NettyHttpBackend.Request r = null;
        for (NettyHttpBackend.Request x : b.seen) {
            r = x;
        }
        assertThat(r).as("a request reached %s", backend).isNotNull();
        return r;
    }

    static void reset(String... names) {
        for (String n : names) {
            backends.get(n).resetCounters();
        }
    }

    static int count(String backend) {
        return backends.get(backend).requests.get();
    }

    // ---------------------------------------------------------------- virtual hosts

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "ports.test:8080,     exact:8080",
            "PORTS.TEST:8080,     exact:8080",
            "ports.test:9090,     exact:any",
            "ports.test,          exact:any",
            "a.ports.test:9090,   wild:9090",
            "a.b.ports.test:9090, wild:9090",
            "a.ports.test:8080,   wild:any",
            "a.ports.test,        wild:any",
    })
    void hostAndPortPriority(String host, String expected) throws Exception {
        assertThat(get(host, "/").bodyText()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- headers

    @Test
    void virtualHostAndRouteHeaderChangesWithVariables() throws Exception {
        reset("main");
        RawHttpClient.RawResponse r = get("headers.test", "/h", "x-list: a", "x-replace: old", "x-drop-vh: 1", "x-drop-route: 1");
        assertThat(r.status()).isEqualTo(200);
        var seen = last("main").headers();
        assertThat(seen.get("x-route")).isEqualTo("route-added");
        assertThat(seen.get("x-vh")).isEqualTo("vh-added");
        assertThat(seen.get("x-list")).as("append: the client's value, then the route's").isEqualTo("a,b");
        assertThat(seen.get("x-replace")).isEqualTo("new");
        assertThat(seen.get("x-method")).as("%x-mosn-method%").isEqualTo("GET");
        assertThat(seen.get("x-listener")).as("%listener_name%").isEqualTo("routes");
        assertThat(seen.contains("x-drop-vh")).isFalse();
        assertThat(seen.contains("x-drop-route")).isFalse();
        assertThat(r.header("x-route-resp")).as("%upstream_cluster%").isEqualTo("main");
        assertThat(r.header("x-vh-resp")).isEqualTo("vh");
        assertThat(r.header("x-table")).isEqualTo("v1");
        assertThat(r.header("x-backend")).as("removed from the response").isNull();
    }

    @Test
    void pathAndHostRewrites() throws Exception {
        reset("main");
        assertThat(get("rw.test", "/old/a/b?x=1").status()).isEqualTo(200);
        NettyHttpBackend.Request seen = last("main");
        assertThat(seen.uri()).isEqualTo("/new/a/b?x=1");
        assertThat(seen.headers().get("host")).isEqualTo("rewritten.example");
        assertThat(seen.headers().get("x-mosn-original-path")).isEqualTo("/old/a/b");
        reset("main");
        assertThat(get("rw.test", "/re/users/42", "x-real-host: from-header.example").status()).isEqualTo(200);
        seen = last("main");
        assertThat(seen.uri()).isEqualTo("/v2/42/users");
        assertThat(seen.headers().get("host")).isEqualTo("from-header.example");
        reset("main");
        assertThat(get("rw.test", "/auto/x").status()).isEqualTo(200);
        assertThat(last("main").headers().get("host")).as("the chosen host's hostname").isEqualTo("named.backend");
    }

    // ---------------------------------------------------------------- cluster choice

    @Test
    void clusterFromHeaderVariableOrWeights() throws Exception {
        assertThat(get("pick.test", "/header", "x-cluster: v2").header("x-backend")).isEqualTo("v2");
        assertThat(get("pick.test", "/header", "x-cluster: v1").header("x-backend")).isEqualTo("v1");
        assertThat(get("pick.test", "/header").status()).as("no header: no cluster, 404 as in MOSN and Envoy").isEqualTo(404);
        assertThat(get("pick.test", "/header", "x-cluster: nope").status()).isEqualTo(404);
        assertThat(get("pick.test", "/variable", "x-to: v2").header("x-backend")).isEqualTo("v2");
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 300; i++) {
                counts.merge(c.get("/weighted/" + i, "pick.test").header("x-backend"), 1, Integer::sum);
            }
        }
        // 70:30 of 300 -> 210:90; the bounds are more than 4 standard deviations wide
        assertThat(counts.getOrDefault("v1", 0)).isBetween(175, 245);
        assertThat(counts.getOrDefault("v2", 0)).isBetween(55, 125);
    }

    /**
     * metadata_match reaches the balancer: a plugin balancer ({@code IT_METADATA_MATCH}, standing
     * in for subset load balancing, which is not built yet) picks the host whose metadata matches.
     */
    @Test
    void metadataMatchReachesTheBalancer() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get("pick.test", "/meta/v2/" + i).header("x-backend")).isEqualTo("v2");
        }
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 200; i++) {
                counts.merge(c.get("/meta/split/" + i, "pick.test").header("x-backend"), 1, Integer::sum);
            }
        }
        assertThat(counts.getOrDefault("v1", 0)).as("each weighted cluster's own metadata_match").isBetween(70, 130);
        assertThat(counts.getOrDefault("v2", 0)).isBetween(70, 130);
        assertThat(get("pick.test", "/meta/none").status()).as("no host has the metadata").isEqualTo(502);
    }

    // ---------------------------------------------------------------- matches

    @ParameterizedTest(name = "{0} {1} {2} -> {4}")
    @CsvSource(delimiter = '|', value = {
            "GET|/q?a=1&env=canary||x|query=canary",
            "GET|/q?env=prod||x|query=none",
            "PUT|/var||x|variables",
            "PUT|/var2||x|404",
            "DELETE|/anything|x-user: admin-7|x|dsl",
            "DELETE|/anything|x-user: guest|x|404",
            "GET|/case/x||x|case",
    })
    void queryVariableDslAndCaseMatches(String method, String path, String header, String unused, String expected) throws Exception {
        RawHttpClient.RawResponse r = header == null || header.isEmpty()
                ? request(port, method, "match.test", path, null) : request(port, method, "match.test", path, null, header);
        if (expected.equals("404")) {
            assertThat(r.status()).isEqualTo(404);
        } else {
            assertThat(r.bodyText()).isEqualTo(expected);
        }
    }

    // ---------------------------------------------------------------- timeouts

    @Test
    void perRequestTimeoutHeaderOverridesTheRoute() throws Exception {
        long t0 = System.nanoTime();
        RawHttpClient.RawResponse r = get("timeouts.test", "/t", "x-mosn-global-timeout: 300");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(504);
        assertThat(ms).as("answered after the header's 300 ms, not the route's 10 s or the backend's 2 s").isLessThan(1800);
        assertThat(get("timeouts.test", "/t").status()).as("without it: the route's 10 s").isEqualTo(200);
    }

    // ---------------------------------------------------------------- retries

    @Test
    void retriedOnAnotherHostAfterA503() throws Exception {
        reset("bad", "good");
        for (int i = 0; i < 5; i++) {
            RawHttpClient.RawResponse r = get("retry.test", "/status/" + i);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-backend")).isEqualTo("good");
        }
        assertThat(count("bad")).as("each request tried the first host once").isEqualTo(5);
        assertThat(count("good")).as("and its retry went to the other").isEqualTo(5);
    }

    @Test
    void aPostBodyIsSentAgainWhole() throws Exception {
        reset("bad", "good");
        String body = "x".repeat(10_000);
        RawHttpClient.RawResponse r = request(port, "POST", "retry.test", "/status/post", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).as("the good backend echoes what it got").isEqualTo(body);
        assertThat(count("bad")).isEqualTo(1);
    }

    @Test
    void aBodyOverTheBufferLimitIsNotRetried() throws Exception {
        reset("bad", "good");
        RawHttpClient.RawResponse r = request(small, "POST", "retry.test", "/status/big", "y".repeat(40_000));
        assertThat(r.status()).as("the 503 passes through").isEqualTo(503);
        assertThat(count("bad")).isEqualTo(1);
        assertThat(count("good")).isZero();
        assertThat(request(small, "POST", "retry.test", "/status/small", "y".repeat(1_000)).status()).isEqualTo(200);
    }

    @Test
    void aFailedConnectIsRetriedOnTheNextHost() throws Exception {
        reset("good");
        for (int i = 0; i < 3; i++) {
            assertThat(get("retry.test", "/connect/" + i).header("x-backend")).isEqualTo("good");
        }
        assertThat(count("good")).isEqualTo(3);
    }

    @Test
    void retriesStopAtNumRetries() throws Exception {
        reset("bad");
        assertThat(get("retry.test", "/exhaust").status()).isEqualTo(503);
        assertThat(count("bad")).as("the first attempt and num_retries 2").isEqualTo(3);
        reset("bad", "good");
        assertThat(get("retry.test", "/none").status()).as("no policy: no retry").isEqualTo(503);
        assertThat(count("bad")).isEqualTo(1);
        assertThat(count("good")).isZero();
    }

    @Test
    void anAttemptOverRetryTimeoutIsRetriedElsewhere() throws Exception {
        reset("slow", "good");
        long t0 = System.nanoTime();
        RawHttpClient.RawResponse r = get("retry.test", "/pertry");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("good");
        assertThat(ms).as("after the 300 ms retry_timeout, not the slow host's 2 s").isLessThan(1800);
        assertThat(backends.get("slow").started).isNotEmpty();
    }

    // ---------------------------------------------------------------- redirects

    @Test
    void redirectFollowedByARealClient() throws Exception {
        reset("main");
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/moved/x?y=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.uri().getPath()).isEqualTo("/landing");
        assertThat(r.body()).isEqualTo("main GET /landing?y=1");
        assertThat(r.previousResponse()).isPresent();
        assertThat(r.previousResponse().get().statusCode()).isEqualTo(302);
        RawHttpClient.RawResponse raw = get("127.0.0.1:" + port, "/secure/p?q=2");
        assertThat(raw.status()).isEqualTo(308);
        assertThat(raw.header("location")).isEqualTo("https://secure.example/secure/p?q=2");
    }

    // ---------------------------------------------------------------- mirrors

    @Test
    void mirrorsSeeCopiesWithBodies() throws Exception {
        reset("main", "mirror");
        RawHttpClient.RawResponse r = request(port, "POST", "mirror.test", "/all/p?x=1", "copy me", "x-trace: t1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("copy me");
        NettyHttpBackend.Request copy = last("mirror");
        assertThat(copy.uri()).isEqualTo("/all/p?x=1");
        assertThat(copy.method()).isEqualTo("POST");
        assertThat(copy.bodyText()).isEqualTo("copy me");
        assertThat(copy.headers().get("x-trace")).isEqualTo("t1");
        assertThat(copy.headers().get("host")).isEqualTo("mirror.test");
    }

    /** MOSN's mirror filter: its amplification is the number of copies of each mirrored request. */
    @Test
    void theMirrorFiltersAmplification() throws Exception {
        reset("main", "mirror");
        assertThat(request(small, "GET", "mirror.test", "/all/amplified", null).status()).isEqualTo(200);
        for (int i = 0; i < 100 && count("mirror") < 3; i++) {
            Thread.sleep(20);
        }
        Thread.sleep(100);
        assertThat(count("mirror")).isEqualTo(3);
        assertThat(count("main")).isEqualTo(1);
    }

    @Test
    void aSlowOrDeadMirrorNeverSlowsOrFailsTheRequest() throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertThat(get("mirror.test", "/slow/" + i).status()).isEqualTo(200);
            assertThat(get("mirror.test", "/dead/" + i).status()).isEqualTo(200);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("10 requests beside a mirror that answers after 3 s and one that refuses connections").isLessThan(2500);
        for (int i = 0; i < 100 && backends.get("mirror_slow").started.size() < 5; i++) {
            Thread.sleep(20);
        }
        assertThat(backends.get("mirror_slow").started).hasSize(5);
    }

    @Test
    void aPercentOfRequestsIsMirrored() throws Exception {
        reset("mirror");
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 200; i++) {
                assertThat(c.get("/half/" + i, "mirror.test").status()).isEqualTo(200);
            }
        }
        Thread.sleep(300);
        // 50 % of 200: 100, the bounds more than 4 standard deviations wide
        assertThat(count("mirror")).isBetween(70, 130);
    }

    // ---------------------------------------------------------------- runtime updates

    @Test
    void aTableReplacedAtRuntimeServesNewRequestsWhileOldOnesFinish() throws Exception {
        try (RawHttpClient inFlight = RawHttpClient.connect(port, 15_000); RawHttpClient keptAlive = RawHttpClient.connect(port, 15_000)) {
            assertThat(keptAlive.get("/x", "any.host").header("x-table")).isEqualTo("v1");
            inFlight.send("GET /slow HTTP/1.1\r\nHost: timeouts.test\r\n\r\n"); // the slow backend holds it 2 s
            for (int i = 0; i < 100 && backends.get("slow").started.stream().noneMatch("/slow"::equals); i++) {
                Thread.sleep(20);
            }
            HttpResponse<String> u = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/debug/update_config"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"router\", \"config\": " + ROUTER.replace("\"v1\"", "\"v2\"") + "}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
            assertThat(keptAlive.get("/x", "any.host").header("x-table")).as("the next request on an open connection").isEqualTo("v2");
            RawHttpClient.RawResponse old = inFlight.readResponse();
            assertThat(old.status()).isEqualTo(200);
            assertThat(old.header("x-table")).as("the request in flight finishes with the table it matched").isEqualTo("v1");
            assertThat(inFlight.get("/x", "any.host").header("x-table")).isEqualTo("v2");
        } finally {
            HttpResponse<String> back = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/debug/update_config"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"router\", \"config\": " + ROUTER + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(back.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBadTableIsRefusedAtRuntimeWithItsPath() throws Exception {
        HttpResponse<String> u = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/debug/update_config"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"router\", \"config\": "
                        + ROUTER.replace("\"cluster_name\": \"slow\"", "\"cluster_name\": \"gone\"") + "}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(u.statusCode()).isEqualTo(400);
        assertThat(u.body()).contains("config.virtual_hosts[4].routers[0].route.cluster_name: unknown cluster \"gone\"");
        assertThat(get("any.host", "/x").header("x-table")).as("nothing changed").isEqualTo("v1");
    }

    // ---------------------------------------------------------------- refused at load

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a regex that does not compile|\"prefix\": \"/old/\"|\"regex\": \"/old/(\"|virtual_hosts[1].routers[0].match.regex: invalid regular expression",
            "a CEL expression that does not parse|request.method == 'DELETE' &&|request.method == 'DELETE' &&&&|virtual_hosts[3].routers[3].match.dsl_expressions[0].expression: invalid CEL expression",
            "a CEL expression that does not type-check|request.method == 'DELETE' &&|request.method == 1 &&|virtual_hosts[3].routers[3].match.dsl_expressions[0].expression: invalid CEL expression",
            "weights that do not add up|\"weight\": 30|\"weight\": 20|virtual_hosts[2].routers[2].route.weighted_clusters: the weights add up to 90",
            "an unknown cluster|\"cluster_name\": \"slow\"|\"cluster_name\": \"gone\"|virtual_hosts[4].routers[0].route.cluster_name: unknown cluster \"gone\"",
    })
    void badRouteConfigIsRefusedAtLoadWithItsPath(String name, String from, String to, String expected) throws Exception {
        Path file = MosnProcess.writeTemp("router.json", config(ROUTER.replace(from, to)));
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(60), "start", "-c", file.toString(),
                "--plugins", io.mosn4j.it.plugin.PluginJar.folder().toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).as(name).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains("servers[0].routers[0]." + expected);
    }
}
