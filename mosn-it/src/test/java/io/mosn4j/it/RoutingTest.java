package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Virtual host selection (exact, longest wildcard suffix, "*"), route matching (path, prefix,
 * regex, headers), direct responses, 404/502, and how clusters spread requests over hosts
 * (round robin, weighted round robin, weighted random).
 */
class RoutingTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [
                  {
                    "router_config_name": "main",
                    "virtual_hosts": [
                      {"name": "exact", "domains": ["www.foo.com"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "vh=exact"}}]},
                      {"name": "wild", "domains": ["*.foo.com"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "vh=wild"}}]},
                      {"name": "wildbar", "domains": ["*-bar.foo.com"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "vh=wildbar"}}]},
                      {"name": "multi", "domains": ["api.example.com", "*.example.org"], "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "vh=multi"}}]},
                      {
                        "name": "default",
                        "domains": ["*"],
                        "routers": [
                          {"match": {"path": "/exact"}, "direct_response": {"status": 200, "body": "route=path"}},
                          {"match": {"prefix": "/exact"}, "direct_response": {"status": 200, "body": "route=prefix"}},
                          {"match": {"regex": "^/re/[0-9]+$"}, "direct_response": {"status": 200, "body": "route=regex"}},
                          {"match": {"regex": "/loose/[0-9]+"}, "direct_response": {"status": 200, "body": "route=loose-regex"}},
                          {"match": {"prefix": "/h", "headers": [{"name": "x-env", "value": "canary"}]}, "direct_response": {"status": 200, "body": "route=header"}},
                          {"match": {"prefix": "/h", "headers": [{"name": "x-ver", "value": "^v[0-9]+$", "regex": true}]}, "direct_response": {"status": 200, "body": "route=header-regex"}},
                          {"match": {"prefix": "/h", "headers": [{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "2"}]}, "direct_response": {"status": 200, "body": "route=two-headers"}},
                          {"match": {"prefix": "/h", "headers": [{"name": "x-loose", "value": "b[0-9]", "regex": true}]}, "direct_response": {"status": 200, "body": "route=loose-header"}},
                          {"match": {"prefix": "/h"}, "direct_response": {"status": 200, "body": "route=h"}},
                          {"match": {"prefix": "/maintenance"}, "direct_response": {"status": 503, "body": "down for maintenance"}},
                          {"match": {"prefix": "/nobody"}, "direct_response": {"status": 200}},
                          {"match": {"prefix": "/rr/"}, "route": {"cluster_name": "rr"}},
                          {"match": {"prefix": "/wrr/"}, "route": {"cluster_name": "wrr"}},
                          {"match": {"prefix": "/rnd/"}, "route": {"cluster_name": "rnd"}},
                          {"match": {"prefix": "/nohosts"}, "route": {"cluster_name": "empty"}},
                          {"match": {"prefix": "/limited/"}, "route": {"cluster_name": "limited"}},
                          {"match": {"prefix": "/api/"}, "route": {"cluster_name": "main", "timeout": "10s"}}
                        ]
                      }
                    ]
                  },
                  {
                    "router_config_name": "strict",
                    "virtual_hosts": [{"name": "only", "domains": ["only.example.com"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "main"}}]}]
                  }
                ],
                "listeners": [
                  {"name": "routes", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "strict", "address": "127.0.0.1:${STRICT_PORT}", "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "strict"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "main", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${MAIN}"}]},
                {"name": "rr", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${RR1}"}, {"address": "${RR2}"}]},
                {"name": "wrr", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${W1}", "weight": 3}, {"address": "${W2}", "weight": 1}]},
                {"name": "rnd", "type": "SIMPLE", "lb_type": "LB_RANDOM", "hosts": [{"address": "${R1}", "weight": 9}, {"address": "${R2}", "weight": 1}]},
                {"name": "empty", "type": "SIMPLE", "lb_type": "LB_RANDOM", "hosts": []},
                {"name": "limited", "type": "SIMPLE", "max_request_per_conn": 3, "hosts": [{"address": "${LIMITED}"}]}
              ]}
            }
            """;

    private static final Map<String, NettyHttpBackend> backends = new HashMap<>();
    private static MosnProcess mosn;
    private static int port;
    private static int strictPort;

    @BeforeAll
    static void start() throws Exception {
        for (String name : new String[] {"main", "rr1", "rr2", "w1", "w2", "r1", "r2", "limited"}) {
            backends.put(name, NettyHttpBackend.start(name));
        }
        port = freePort();
        strictPort = freePort();
        Map<String, Object> v = vars("PORT", port, "STRICT_PORT", strictPort, "MAIN", backends.get("main").address(),
                "RR1", backends.get("rr1").address(), "RR2", backends.get("rr2").address(),
                "W1", backends.get("w1").address(), "W2", backends.get("w2").address(),
                "R1", backends.get("r1").address(), "R2", backends.get("r2").address(), "LIMITED", backends.get("limited").address());
        mosn = MosnProcess.startHttp(render(CONFIG, v), port, strictPort);
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
            backends.values().forEach(NettyHttpBackend::close);
        }
    }

    private static RawHttpClient.RawResponse get(int listener, String host, String path, String... headerLines) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(listener)) {
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headerLines) {
                req.append(h).append("\r\n");
            }
            c.send(req.append("\r\n").toString());
            return c.readResponse();
        }
    }

    private static String body(String host, String path, String... headers) throws Exception {
        RawHttpClient.RawResponse r = get(port, host, path, headers);
        assertThat(r.status()).as("%s%s -> %s", host, path, r).isEqualTo(200);
        return r.bodyText();
    }

    @Test
    void domainPriorityExactThenLongestWildcardThenStar() throws Exception {
        assertThat(body("www.foo.com", "/")).isEqualTo("vh=exact");
        assertThat(body("WWW.Foo.COM", "/")).as("domains compare ignoring case").isEqualTo("vh=exact");
        assertThat(body("www.foo.com:8080", "/")).as("port ignored").isEqualTo("vh=exact");
        assertThat(body("a.foo.com", "/")).isEqualTo("vh=wild");
        assertThat(body("a.b.foo.com", "/")).isEqualTo("vh=wild");
        assertThat(body("x-bar.foo.com", "/")).as("*-bar.foo.com is longer than *.foo.com").isEqualTo("vh=wildbar");
        assertThat(body("x-bar.foo.com:99", "/")).isEqualTo("vh=wildbar");
        assertThat(body("bar.foo.com", "/")).isEqualTo("vh=wild");
        assertThat(body("foo.com", "/h")).as("*.foo.com needs something before the dot").isEqualTo("route=h");
        assertThat(body("api.example.com", "/")).isEqualTo("vh=multi");
        assertThat(body("x.example.org", "/")).isEqualTo("vh=multi");
        assertThat(body("other.net", "/h")).isEqualTo("route=h");
    }

    @Test
    void pathPrefixRegexMatches() throws Exception {
        assertThat(body("h", "/exact")).isEqualTo("route=path");
        assertThat(body("h", "/exact?q=1")).as("path match ignores the query").isEqualTo("route=path");
        assertThat(body("h", "/exact/more")).isEqualTo("route=prefix");
        assertThat(body("h", "/exactly")).isEqualTo("route=prefix");
        assertThat(body("h", "/EXACT")).as("MOSN compares exact paths ignoring case").isEqualTo("route=path");
        assertThat(get(port, "h", "/Exactly").status()).as("prefixes are case-sensitive").isEqualTo(404);
        assertThat(body("h", "/re/123")).isEqualTo("route=regex");
        assertThat(get(port, "h", "/re/12a").status()).as("an anchored regex must match the whole path").isEqualTo(404);
        assertThat(get(port, "h", "/re/").status()).isEqualTo(404);
        // MOSN (Go's MatchString) matches regexes unanchored
        assertThat(body("h", "/x/loose/7/y")).isEqualTo("route=loose-regex");
        assertThat(get(port, "h", "/loose/x").status()).isEqualTo(404);
    }

    @Test
    void headerMatches() throws Exception {
        assertThat(body("h", "/h", "x-env: canary")).isEqualTo("route=header");
        assertThat(body("h", "/h", "X-Env: canary")).as("header names ignore case").isEqualTo("route=header");
        assertThat(body("h", "/h", "x-env: prod")).isEqualTo("route=h");
        assertThat(body("h", "/h", "x-ver: v12")).isEqualTo("route=header-regex");
        assertThat(body("h", "/h", "x-ver: v12-beta")).as("an anchored header regex matches the whole value").isEqualTo("route=h");
        assertThat(body("h", "/h", "x-loose: ab1c")).as("header regexes match unanchored, as in MOSN").isEqualTo("route=loose-header");
        assertThat(body("h", "/h", "x-loose: abc")).isEqualTo("route=h");
        assertThat(body("h", "/h", "x-a: 1", "x-b: 2")).isEqualTo("route=two-headers");
        assertThat(body("h", "/h", "x-a: 1")).as("all headers must match").isEqualTo("route=h");
        assertThat(body("h", "/h")).isEqualTo("route=h");
    }

    @Test
    void noRouteIs404AndKeepsTheConnection() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            RawHttpClient.RawResponse r = c.get("/nothing/here", "h");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.connectionClose()).isFalse();
            assertThat(c.get("/h", "h").bodyText()).isEqualTo("route=h");
        }
        assertThat(get(strictPort, "unknown.example.com", "/").status()).as("no virtual host matches").isEqualTo(404);
        RawHttpClient.RawResponse ok = get(strictPort, "only.example.com", "/x");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("x-backend")).isEqualTo("main");
    }

    @Test
    void directResponses() throws Exception {
        RawHttpClient.RawResponse r = get(port, "h", "/maintenance");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.bodyText()).isEqualTo("down for maintenance");
        assertThat(r.header("content-length")).isEqualTo("20");
        RawHttpClient.RawResponse empty = get(port, "h", "/nobody");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.body()).isEmpty();
        assertThat(empty.header("content-length")).isEqualTo("0");
    }

    @Test
    void clusterWithoutHostsIs502() throws Exception {
        // a route to a cluster that is not defined is refused at load (RouterTest)
        assertThat(get(port, "h", "/nohosts").status()).isEqualTo(502);
        assertThat(mosn.isAlive()).isTrue();
    }

    @Test
    void forwardsToTheCluster() throws Exception {
        RawHttpClient.RawResponse r = get(port, "h", "/api/x?y=1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("main");
        assertThat(r.bodyText()).isEqualTo("main GET /api/x?y=1");
    }

    private static Map<String, Integer> spread(String prefix, int n) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < n; i++) {
                RawHttpClient.RawResponse r = c.get(prefix + i, "h");
                assertThat(r.status()).isEqualTo(200);
                counts.merge(r.header("x-backend"), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void roundRobinSpreadsEvenly() throws Exception {
        assertThat(spread("/rr/", 20)).isEqualTo(Map.of("rr1", 10, "rr2", 10));
        // across connections: each event loop takes the hosts in turn on its own (no shared cursor),
        // so over many connections the split is even within one pick per event loop
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            counts.merge(get(port, "h", "/rr/c" + i).header("x-backend"), 1, Integer::sum);
        }
        assertThat(counts.getOrDefault("rr1", 0)).isBetween(18, 22);
        assertThat(counts.getOrDefault("rr2", 0)).isBetween(18, 22);
    }

    @Test
    void weightedRoundRobinFollowsWeights() throws Exception {
        assertThat(spread("/wrr/", 40)).isEqualTo(Map.of("w1", 30, "w2", 10));
    }

    @Test
    void weightedRandomFollowsWeights() throws Exception {
        Map<String, Integer> counts = spread("/rnd/", 200);
        // 9:1 -> about 180:20; the bounds are > 4 standard deviations wide
        assertThat(counts.getOrDefault("r1", 0)).isBetween(155, 199);
        assertThat(counts.getOrDefault("r2", 0)).isBetween(1, 45);
    }

    @Test
    void maxRequestPerConnRotatesUpstreamConnections() throws Exception {
        NettyHttpBackend limited = backends.get("limited");
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            for (int i = 0; i < 9; i++) {
                assertThat(c.get("/limited/" + i, "h").status()).isEqualTo(200);
            }
        }
        assertThat(limited.requests.get()).isEqualTo(9);
        assertThat(limited.connections.get()).as("max_request_per_conn 3: 9 requests need 3 connections").isEqualTo(3);
    }

    @Test
    void headOnADirectResponse() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("HEAD /maintenance HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse(true);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("content-length")).isEqualTo("20");
            assertThat(c.get("/h", "h").bodyText()).isEqualTo("route=h");
        }
    }

    @Test
    void longPipelineOfLocalReplies() throws Exception {
        // the proxy answers all of these itself (direct_response and 404), back to back
        int n = 2000;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i % 2 == 0 ? "GET /h/" : "GET /nothing/").append(i).append(" HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        try (RawHttpClient c = RawHttpClient.connect(port, 20_000)) {
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    c.send(sb.toString());
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < n; i++) {
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).as("response %d", i).isEqualTo(i % 2 == 0 ? 200 : 404);
            }
            writer.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.get("/h", "h").bodyText()).isEqualTo("route=h");
        }
    }
}
