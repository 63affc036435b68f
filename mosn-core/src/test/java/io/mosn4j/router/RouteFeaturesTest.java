package io.mosn4j.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.variable.BuiltinVariables;
import io.mosn4j.variable.VariableRegistry;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 11's route features on a compiled {@link RouteTable}: what matches, and what the action does to a request. */
class RouteFeaturesTest {
    static final VariableRegistry VARIABLES = new VariableRegistry(new BuiltinVariables().variables());

    static RouteTable table(String json) {
        try {
            RouterConfig rc = ConfigLoader.convert(ConfigLoader.mapper().readTree(json), RouterConfig.class, "r");
            return new RouteTable(rc, "r", new RouteDependencies(null, VARIABLES, Set.of("c1", "c2", "c3", "mirror")::contains));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    /** One virtual host "*" with {@code routes}. */
    static RouteTable routes(String routes) {
        return table("{\"router_config_name\": \"t\", \"virtual_hosts\": [{\"name\": \"vh\", \"domains\": [\"*\"], \"routers\": [" + routes + "]}]}");
    }

    static String routeName(RouteTable t, Headers h) {
        Route r = t.route(h, new Info(h));
        return r == null ? null : r.name();
    }

    static Headers get(String path, String... nameValues) {
        Headers h = Headers.request("GET", path, "example.com");
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    @Test
    void hostAndPortPriority() {
        RouteTable t = table("""
                {"router_config_name": "t", "virtual_hosts": [
                  {"name": "any", "domains": ["*"], "routers": [{"name": "any", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]},
                  {"name": "anyOn8080", "domains": ["*:8080"], "routers": [{"name": "anyOn8080", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]},
                  {"name": "wild", "domains": ["*.foo.com"], "routers": [{"name": "wild", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]},
                  {"name": "wildOn9090", "domains": ["*.foo.com:9090"], "routers": [{"name": "wildOn9090", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]},
                  {"name": "exactAnyPort", "domains": ["www.foo.com:*"], "routers": [{"name": "exactAnyPort", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]},
                  {"name": "exactOn7070", "domains": ["www.foo.com:7070"], "routers": [{"name": "exactOn7070", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}]}
                ]}""");
        Map<String, String> expected = Map.of(
                "www.foo.com:7070", "exactOn7070",
                "WWW.FOO.COM:7070", "exactOn7070",
                "www.foo.com:9090", "exactAnyPort",
                "www.foo.com", "exactAnyPort",
                "api.foo.com:9090", "wildOn9090",
                "api.foo.com:8080", "anyOn8080",
                "api.foo.com", "wild",
                "other.org:8080", "anyOn8080",
                "other.org", "any",
                "foo.com:9090", "any");
        expected.forEach((authority, name) -> assertThat(routeName(t, Headers.request("GET", "/", authority))).as(authority).isEqualTo(name));
    }

    @Test
    void caseSensitiveSetsPrefixAndPath() {
        RouteTable t = routes("""
                {"name": "p-insensitive", "match": {"prefix": "/api", "case_sensitive": false}, "route": {"cluster_name": "c1"}},
                {"name": "e-sensitive", "match": {"path": "/Exact", "case_sensitive": true}, "route": {"cluster_name": "c1"}},
                {"name": "e-default", "match": {"path": "/other"}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, get("/API/x"))).isEqualTo("p-insensitive");
        assertThat(routeName(t, get("/Exact"))).isEqualTo("e-sensitive");
        assertThat(routeName(t, get("/exact"))).isNull();
        assertThat(routeName(t, get("/OTHER"))).as("MOSN: exact paths ignore case by default").isEqualTo("e-default");
    }

    @Test
    void queryParameters() {
        RouteTable t = routes("""
                {"name": "exact", "match": {"prefix": "/", "query_parameters": [{"name": "v", "value": "2"}]}, "route": {"cluster_name": "c1"}},
                {"name": "regex", "match": {"prefix": "/", "query_parameters": [{"name": "v", "value": "^[3-9]$", "regex": true}]}, "route": {"cluster_name": "c1"}},
                {"name": "present", "match": {"prefix": "/", "query_parameters": [{"name": "debug"}]}, "route": {"cluster_name": "c1"}},
                {"name": "rest", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, get("/x?v=2"))).isEqualTo("exact");
        assertThat(routeName(t, get("/x?a=1&v=2&b"))).isEqualTo("exact");
        assertThat(routeName(t, get("/x?v=22"))).isEqualTo("rest");
        assertThat(routeName(t, get("/x?vv=2"))).isEqualTo("rest");
        assertThat(routeName(t, get("/x?v=7"))).isEqualTo("regex");
        assertThat(routeName(t, get("/x?debug"))).isEqualTo("present");
        assertThat(routeName(t, get("/x?debug=0"))).isEqualTo("present");
        assertThat(routeName(t, get("/x"))).isEqualTo("rest");
    }

    @Test
    void variablesWithAndOrAsMosnEvaluatesThem() {
        // (method == POST && path == /a) || host == v.example
        RouteTable t = routes("""
                {"name": "vars", "match": {"variables": [
                   {"name": "x-mosn-method", "value": "POST"},
                   {"name": "x-mosn-path", "value": "/a", "model": "or"},
                   {"name": "x-mosn-host", "regex": "^v\\\\."}]}, "route": {"cluster_name": "c1"}},
                {"name": "rest", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, Headers.request("POST", "/a", "example.com"))).isEqualTo("vars");
        assertThat(routeName(t, Headers.request("GET", "/a", "example.com"))).isEqualTo("rest");
        assertThat(routeName(t, Headers.request("POST", "/b", "example.com"))).isEqualTo("rest");
        assertThat(routeName(t, Headers.request("GET", "/b", "v.example"))).isEqualTo("vars");
    }

    @Test
    void dslExpressionsAreCel() {
        RouteTable t = routes("""
                {"name": "dsl", "match": {"dsl_expressions": [
                   {"expression": "conditional((request.method == \\"method1\\") && (request.host == \\"test1\\"), true, false)"},
                   {"expression": "request.headers[\\"a1\\"] == \\"b1\\""}]}, "route": {"cluster_name": "c1"}},
                {"name": "svc", "match": {"dsl_expressions": [{"expression": "'service' in request.headers && request.headers['service'].startsWith('com.foo.')"}]}, "route": {"cluster_name": "c1"}},
                {"name": "var", "match": {"dsl_expressions": [{"expression": "variables['x-mosn-querystring'] == 'q=1'"}]}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, Headers.request("method1", "/", "test1").add("A1", "b1"))).isEqualTo("dsl");
        assertThat(routeName(t, Headers.request("method1", "/", "test2").add("a1", "b1"))).isNull();
        assertThat(routeName(t, Headers.request("method1", "/", "test1").add("a2", "b2"))).as("a missing key does not match").isNull();
        Headers rpc = new Headers().add("service", "com.foo.Echo").add("method", "echo");
        assertThat(routeName(t, rpc)).as("the same table serves RPC headers").isEqualTo("svc");
        assertThat(routeName(t, get("/p?q=1"))).isEqualTo("var");
    }

    @Test
    void pathConditionsNeverMatchARequestWithoutPath() {
        RouteTable t = routes("""
                {"name": "prefix", "match": {"prefix": "/"}, "route": {"cluster_name": "c1"}},
                {"name": "regex", "match": {"regex": ".*"}, "route": {"cluster_name": "c1"}},
                {"name": "query", "match": {"query_parameters": [{"name": "x"}]}, "route": {"cluster_name": "c1"}},
                {"name": "rpc", "match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, new Headers().add("service", "com.foo.Echo"))).isEqualTo("rpc");
    }

    @Test
    void methodHeaderIsTheRequestMethodOnPathRoutesOnly() {
        RouteTable t = routes("""
                {"name": "http-post", "match": {"prefix": "/", "headers": [{"name": "method", "value": "POST"}]}, "route": {"cluster_name": "c1"}},
                {"name": "rpc-method", "match": {"headers": [{"name": "method", "value": "sayHello"}]}, "route": {"cluster_name": "c1"}}""");
        assertThat(routeName(t, Headers.request("POST", "/x", "h"))).isEqualTo("http-post");
        assertThat(routeName(t, new Headers().add("service", "s").add("method", "sayHello"))).isEqualTo("rpc-method");
    }

    @Test
    void weightedClustersFollowTheirWeightsAndCarryMetadata() {
        RouteTable t = routes("""
                {"match": {"prefix": "/"}, "route": {"metadata_match": {"filter_metadata": {"mosn.lb": {"zone": "a"}}},
                  "weighted_clusters": [
                    {"cluster": {"name": "c1", "weight": 90, "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v1"}}}}},
                    {"cluster": {"name": "c2", "weight": 10}}]}}""");
        Route r = t.match(get("/"));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            int pick = r.pickWeighted();
            counts.merge(r.clusterFor(pick, get("/"), null), 1, Integer::sum);
        }
        assertThat(counts.get("c1")).isBetween(8_700, 9_300);
        assertThat(counts.get("c2")).isBetween(700, 1_300);
        assertThat(r.metadataMatch(0)).isEqualTo(Map.of("zone", "a", "version", "v1"));
        assertThat(r.metadataMatch(1)).isEqualTo(Map.of("zone", "a"));
        io.mosn4j.api.router.RouteInfo info = r;
        assertThat(info.metadataMatch()).as("RouteInfo: the route's own pairs").isEqualTo(Map.of("zone", "a"));
    }

    @Test
    void clusterFromHeaderOrVariable() {
        RouteTable t = routes("""
                {"name": "h", "match": {"prefix": "/h"}, "route": {"cluster_header": "x-cluster"}},
                {"name": "v", "match": {"prefix": "/v"}, "route": {"cluster_variable": "request_header_x-to"}},
                {"name": "both", "match": {"prefix": "/b"}, "route": {"cluster_name": "c3", "cluster_variable": "request_header_x-to"}}""");
        Headers h = get("/h", "x-cluster", "c2");
        assertThat(t.match(h).clusterFor(-1, h, new Info(h))).isEqualTo("c2");
        Headers none = get("/h");
        assertThat(t.match(none).clusterFor(-1, none, new Info(none))).isNull();
        Headers v = get("/v", "x-to", "c1");
        assertThat(t.route(v, new Info(v)).clusterFor(-1, v, new Info(v))).isEqualTo("c1");
        Headers b = get("/b", "x-to", "c1");
        assertThat(t.match(b).clusterFor(-1, b, new Info(b))).as("MOSN: cluster_name wins").isEqualTo("c3");
    }

    @Test
    void requestHeadersRouteThenVirtualHostThenTable() {
        RouteTable t = table("""
                {"router_config_name": "t",
                 "request_headers_to_add": [{"header": {"key": "x-level", "value": "table"}}],
                 "response_headers_to_add": [{"header": {"key": "x-resp", "value": "table"}, "append": false}],
                 "virtual_hosts": [{"name": "vh", "domains": ["*"],
                   "request_headers_to_add": [{"header": {"key": "x-level", "value": "vhost"}}],
                   "request_headers_to_remove": ["x-secret"],
                   "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c1",
                     "request_headers_to_add": [{"header": {"key": "X-Level", "value": "route"}},
                                                {"header": {"key": "x-replaced", "value": "new"}, "append": false},
                                                {"header": {"key": "x-method", "value": "%x-mosn-method%"}}],
                     "response_headers_to_add": [{"header": {"key": "x-resp", "value": "route"}}],
                     "response_headers_to_remove": ["server"]}}]}]}""");
        Headers h = get("/", "x-level", "client", "x-replaced", "old", "x-secret", "s");
        Route r = t.match(h);
        r.finalizeRequest(h, new Info(h));
        assertThat(h.get("x-level")).isEqualTo("client,route,vhost,table");
        assertThat(h.get("x-replaced")).isEqualTo("new");
        assertThat(h.get("x-method")).isEqualTo("GET");
        assertThat(h.contains("x-secret")).isFalse();
        Headers resp = Headers.response(200).add("server", "backend");
        r.finalizeResponse(resp, new Info(h));
        assertThat(resp.get("x-resp")).as("the table's append: false replaces the route's").isEqualTo("table");
        assertThat(resp.contains("server")).isFalse();
    }

    @Test
    void pathAndHostRewrites() {
        RouteTable t = routes("""
                {"match": {"prefix": "/old/"}, "route": {"cluster_name": "c1", "prefix_rewrite": "/new/", "host_rewrite": "backend.internal"}},
                {"match": {"path": "/exact"}, "route": {"cluster_name": "c1", "prefix_rewrite": "/other"}},
                {"match": {"prefix": "/re/"}, "route": {"cluster_name": "c1", "regex_rewrite": {"pattern": {"regex": "^/re/([a-z]+)/(\\\\d+)$"}, "substitution": "/v2/$2/$1"}, "auto_host_rewrite_header": "x-host"}}""");
        Headers a = get("/old/x/y?q=1");
        t.match(a).finalizeRequest(a, null);
        assertThat(a.path()).isEqualTo("/new/x/y?q=1");
        assertThat(a.get("x-mosn-original-path")).isEqualTo("/old/x/y");
        assertThat(a.authority()).isEqualTo("backend.internal");
        Headers b = get("/exact?z");
        t.match(b).finalizeRequest(b, null);
        assertThat(b.path()).isEqualTo("/other?z");
        Headers c = get("/re/users/42", "x-host", "from.header");
        t.match(c).finalizeRequest(c, null);
        assertThat(c.path()).isEqualTo("/v2/42/users");
        assertThat(c.authority()).isEqualTo("from.header");
    }

    @Test
    void redirects() {
        RouteTable t = routes("""
                {"match": {"prefix": "/a"}, "redirect": {"path_redirect": "/b"}},
                {"match": {"prefix": "/s"}, "redirect": {"scheme_redirect": "HTTPS", "host_redirect": "secure.example.com:80", "response_code": 308}},
                {"match": {"prefix": "/t"}, "redirect": {"scheme_redirect": "https", "response_code": 302}}""");
        LocalReply a = t.match(get("/a/x?q=1")).redirectFor(get("/a/x?q=1"));
        assertThat(a.status()).isEqualTo(301);
        assertThat(a.headers().get("location")).isEqualTo("http://example.com/b?q=1");
        LocalReply s = t.match(get("/s")).redirectFor(get("/s"));
        assertThat(s.status()).isEqualTo(308);
        assertThat(s.headers().get("location")).as("port 80 dropped going to https").isEqualTo("https://secure.example.com/s");
        Headers tls = Headers.request("GET", "/t", "example.com:8080");
        assertThat(t.match(tls).redirectFor(tls).headers().get("location")).isEqualTo("https://example.com:8080/t");
    }

    @Test
    void retryPolicyDecisions() {
        RouteTable t = routes("""
                {"name": "default", "match": {"prefix": "/d"}, "route": {"cluster_name": "c1", "retry_policy": {"retry_on": true, "retry_timeout": "1s"}}},
                {"name": "codes", "match": {"prefix": "/c"}, "route": {"cluster_name": "c1", "retry_policy": {"retry_on": true, "num_retries": 1, "status_codes": [503, 429]}}},
                {"name": "off", "match": {"prefix": "/o"}, "route": {"cluster_name": "c1", "retry_policy": {"retry_on": false, "num_retries": 5}}}""");
        RetryPolicy d = t.match(get("/d")).retryPolicy();
        assertThat(d.retries()).as("MOSN's default").isEqualTo(3);
        assertThat(d.perTryTimeout()).hasSeconds(1);
        assertThat(d.retriable(500)).isTrue();
        assertThat(d.retriable(404)).isFalse();
        assertThat(d.retriable(ResetReason.CONNECT_FAILURE)).isTrue();
        assertThat(d.retriable(ResetReason.OVERFLOW)).isFalse();
        RetryPolicy c = t.match(get("/c")).retryPolicy();
        assertThat(c.retries()).isEqualTo(1);
        assertThat(c.retriable(503)).isTrue();
        assertThat(c.retriable(500)).isFalse();
        assertThat(t.match(get("/o")).retryPolicy()).isNull();
    }

    @Test
    void matchingAllocatesNothingForPrefixPathAndHeaderRoutes() {
        StringBuilder routes = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            routes.append("{\"match\": {\"prefix\": \"/p").append(i).append("/\"}, \"route\": {\"cluster_name\": \"c1\"}},");
            routes.append("{\"match\": {\"path\": \"/e").append(i).append("\", \"headers\": [{\"name\": \"x-v\", \"value\": \"").append(i)
                    .append("\"}]}, \"route\": {\"cluster_name\": \"c1\"}},");
        }
        routes.append("{\"name\": \"last\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster_name\": \"c2\"}}");
        RouteTable t = table("{\"router_config_name\": \"t\", \"virtual_hosts\": [{\"domains\": [\"www.foo.com\", \"*.bar.com\"], \"routers\": ["
                + routes + "]}]}");
        Headers h = Headers.request("GET", "/e49?q=1", "API.bar.com:8080").add("x-v", "49");
        Headers miss = Headers.request("GET", "/zzz", "www.foo.com:80");
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) { // warm up: let the JIT settle
            t.match(h);
            t.match(miss);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            t.match(h);
            t.match(miss);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(t.match(h)).isNotNull();
        assertThat(t.match(miss).name()).isEqualTo("last");
        assertThat(allocated).as("bytes allocated by 20,000 matches").isLessThan(20_000);
    }

    /** A request record with headers only. */
    record Info(Headers requestHeaders) implements RequestInfo {
        @Override public long startTimeMillis() { return 0; }
        @Override public long startNanos() { return 0; }
        @Override public long requestReceivedNanos() { return -1; }
        @Override public long responseReceivedNanos() { return -1; }
        @Override public long requestFinishedNanos() { return -1; }
        @Override public String protocol() { return "Http1"; }
        @Override public String upstreamProtocol() { return null; }
        @Override public long bytesReceived() { return 0; }
        @Override public long bytesSent() { return 0; }
        @Override public String listenerName() { return "l"; }
        @Override public String routerName() { return null; }
        @Override public String virtualHostName() { return null; }
        @Override public String routeName() { return null; }
        @Override public String clusterName() { return null; }
        @Override public HostInfo upstreamHost() { return null; }
        @Override public SocketAddress upstreamLocalAddress() { return null; }
        @Override public SocketAddress downstreamLocalAddress() { return null; }
        @Override public SocketAddress downstreamRemoteAddress() { return null; }
        @Override public long connectionId() { return 1; }
        @Override public int responseCode() { return 0; }
        @Override public int responseFlags() { return 0; }
        @Override public void setResponseFlag(ResponseFlag flag) { }
        @Override public Headers responseHeaders() { return null; }
        @Override public Object attribute(String key) { return null; }
        @Override public void setAttribute(String key, Object value) { }
    }
}
