package io.mosn4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.router.Route;
import io.mosn4j.router.RouteDependencies;
import io.mosn4j.router.RouteTable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching on a table of 1,000 routes across 100 virtual hosts (issue 11): each virtual host
 * has domains {@code vhN.example.com} and {@code *.vhN.example.org} and ten routes, in order:
 * three prefixes, three exact paths, two prefixes with an exact header, a regex, and a catch-all
 * prefix. The requests hit the exact domain, the wildcard, with and without a port, and routes
 * early, in the middle and last in their virtual host.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class RouteMatchBench {
    static final int VHOSTS = 100;
    static final int ROUTES_PER_VHOST = 10;

    RouteTable table;
    /** First route of its host (a prefix), by exact domain. */
    Headers firstPrefix;
    /** An exact path in the middle, by wildcard domain with a port, with a query string. */
    Headers exactPathWildcardHost;
    /** A prefix that needs a header (the 8th route). */
    Headers prefixWithHeader;
    /** The catch-all, after a regex that does not match (the 10th route). */
    Headers lastRouteAfterRegex;
    /** A host no domain has, and no catch-all host: no route. */
    Headers noVirtualHost;

    @Setup
    public void setUp() throws Exception {
        table = new RouteTable(config(), "bench", RouteDependencies.NONE);
        firstPrefix = Headers.request("GET", "/api0/users/42", "vh57.example.com");
        exactPathWildcardHost = Headers.request("GET", "/exact4?x=1", "api.vh23.example.org:8080");
        prefixWithHeader = Headers.request("GET", "/canary/items", "vh88.example.com").add("user-agent", "bench").add("x-env", "canary");
        lastRouteAfterRegex = Headers.request("GET", "/static/app.js", "vh99.example.com:80").add("accept", "*/*");
        noVirtualHost = Headers.request("GET", "/", "unknown.example.net");
        for (Headers h : new Headers[] {firstPrefix, exactPathWildcardHost, prefixWithHeader, lastRouteAfterRegex}) {
            if (table.match(h) == null) {
                throw new IllegalStateException("no route for " + h);
            }
        }
    }

    static RouterConfig config() throws Exception {
        var m = ConfigLoader.mapper();
        ObjectNode root = m.createObjectNode().put("router_config_name", "bench");
        ArrayNode hosts = root.putArray("virtual_hosts");
        for (int v = 0; v < VHOSTS; v++) {
            ObjectNode vh = hosts.addObject().put("name", "vh" + v);
            vh.putArray("domains").add("vh" + v + ".example.com").add("*.vh" + v + ".example.org");
            ArrayNode routes = vh.putArray("routers");
            for (int i = 0; i < 3; i++) {
                route(routes, "prefix", "/api" + i + "/", null);
            }
            for (int i = 3; i < 6; i++) {
                route(routes, "path", "/exact" + i, null);
            }
            route(routes, "prefix", "/canary/", "canary");
            route(routes, "prefix", "/beta/", "beta");
            route(routes, "regex", "^/users/[0-9]+$", null);
            route(routes, "prefix", "/", null);
        }
        return ConfigLoader.convert(root, RouterConfig.class, "bench");
    }

    private static void route(ArrayNode routes, String kind, String value, String env) {
        ObjectNode r = routes.addObject();
        ObjectNode match = r.putObject("match").put(kind, value);
        if (env != null) {
            match.putArray("headers").addObject().put("name", "x-env").put("value", env);
        }
        r.putObject("route").put("cluster_name", "c");
    }

    @Benchmark
    public Route firstPrefix() {
        return table.match(firstPrefix);
    }

    @Benchmark
    public Route exactPathWildcardHost() {
        return table.match(exactPathWildcardHost);
    }

    @Benchmark
    public Route prefixWithHeader() {
        return table.match(prefixWithHeader);
    }

    @Benchmark
    public Route lastRouteAfterRegex() {
        return table.match(lastRouteAfterRegex);
    }

    @Benchmark
    public Route noVirtualHost() {
        return table.match(noVirtualHost);
    }
}
