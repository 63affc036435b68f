package io.mosn4j.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.DirectResponseConfig;
import io.mosn4j.config.HeaderMatchConfig;
import io.mosn4j.config.RouteActionConfig;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouteMatchConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.config.VirtualHostConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link RouteTable}: virtual host choice by authority, then the first route of it that matches. */
class RouteTableTest {

    // ---------------------------------------------------------------- builders

    static RouteConfig prefix(String prefix, String cluster) {
        return route(new RouteMatchConfig(prefix, null, null, null), cluster);
    }

    static RouteConfig route(RouteMatchConfig match, String cluster) {
        return new RouteConfig(null, match, new RouteActionConfig(cluster, null), null, null);
    }

    /** A virtual host whose only route sends everything to a cluster named like the host. */
    static VirtualHostConfig vhost(String name, String... domains) {
        return new VirtualHostConfig(name, List.of(domains), List.of(prefix("/", name)), null);
    }

    static RouteTable table(VirtualHostConfig... vhosts) {
        return new RouteTable(new RouterConfig("test_router", List.of(vhosts)));
    }

    static RouteTable routes(RouteConfig... routes) {
        return table(new VirtualHostConfig("vh", List.of("*"), List.of(routes), null));
    }

    static String clusterFor(RouteTable t, String authority, String path) {
        Route r = t.match(Headers.request("GET", path, authority));
        return r == null ? null : r.clusterName();
    }

    static String clusterFor(RouteTable t, String path) {
        return clusterFor(t, "example.com", path);
    }

    static String clusterFor(RouteTable t, Headers request) {
        Route r = t.match(request);
        return r == null ? null : r.clusterName();
    }

    static HeaderMatchConfig header(String name, String value, boolean regex) {
        return new HeaderMatchConfig(name, value, regex);
    }

    // ---------------------------------------------------------------- virtual hosts

    @Nested
    class Domains {

        /** The four kinds of domain from MOSN's router docs, declared in an unhelpful order. */
        final List<VirtualHostConfig> docsExample = List.of(
                vhost("any", "*"),
                vhost("wildcard", "*.foo.com"),
                vhost("dash-wildcard", "*-bar.foo.com"),
                vhost("exact", "www.foo.com"));

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
                "www.foo.com,       exact",          // exact first
                "foo-bar.foo.com,   dash-wildcard",  // then the wildcard with the longest suffix
                "a.b-bar.foo.com,   dash-wildcard",
                "api.foo.com,       wildcard",
                "x.www.foo.com,     wildcard",
                "foo.com,           any",            // "*.foo.com" needs at least one character before ".foo.com"
                "-bar.foo.com,      wildcard",
                "example.org,       any",            // then "*"
                "localhost,         any",
        })
        void priorityIsExactThenLongestSuffixWildcardThenAny(String authority, String expected) {
            assertThat(clusterFor(table(docsExample.toArray(VirtualHostConfig[]::new)), authority, "/")).isEqualTo(expected);
        }

        @Test
        void declarationOrderDoesNotChangePriority() {
            List<VirtualHostConfig> shuffled = new ArrayList<>(docsExample);
            for (int i = 0; i < 4; i++) {
                Collections.rotate(shuffled, 1);
                RouteTable t = table(shuffled.toArray(VirtualHostConfig[]::new));
                assertThat(clusterFor(t, "www.foo.com", "/")).isEqualTo("exact");
                assertThat(clusterFor(t, "foo-bar.foo.com", "/")).isEqualTo("dash-wildcard");
                assertThat(clusterFor(t, "x.foo.com", "/")).isEqualTo("wildcard");
                assertThat(clusterFor(t, "other.org", "/")).isEqualTo("any");
            }
            Collections.reverse(shuffled);
            RouteTable t = table(shuffled.toArray(VirtualHostConfig[]::new));
            assertThat(clusterFor(t, "foo-bar.foo.com", "/")).isEqualTo("dash-wildcard");
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
                "www.foo.com:8080,      exact",
                "www.foo.com:80,        exact",
                "foo-bar.foo.com:2045,  dash-wildcard",
                "api.foo.com:443,       wildcard",
                "example.org:8080,      any",
        })
        void authorityMayCarryAPort(String authority, String expected) {
            assertThat(clusterFor(table(docsExample.toArray(VirtualHostConfig[]::new)), authority, "/")).isEqualTo(expected);
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
                "WWW.FOO.COM,          exact",
                "Www.Foo.Com:8080,     exact",
                "FOO-BAR.FOO.COM,      dash-wildcard",
                "API.Foo.COM,          wildcard",
        })
        void requestHostsMatchIgnoringCase(String authority, String expected) {
            assertThat(clusterFor(table(docsExample.toArray(VirtualHostConfig[]::new)), authority, "/")).isEqualTo(expected);
        }

        @Test
        void configuredDomainsMatchIgnoringCase() {
            RouteTable t = table(vhost("exact", "WWW.Foo.COM"), vhost("wildcard", "*.Bar.COM"));
            assertThat(clusterFor(t, "www.foo.com", "/")).isEqualTo("exact");
            assertThat(clusterFor(t, "api.bar.com", "/")).isEqualTo("wildcard");
        }

        @Test
        void exactDomainWithPortInConfigMatchesThatAuthorityExactly() {
            RouteTable t = table(vhost("with-port", "www.foo.com:8080"), vhost("any", "*"));
            assertThat(clusterFor(t, "www.foo.com:8080", "/")).isEqualTo("with-port");
            assertThat(clusterFor(t, "www.foo.com:9090", "/")).isEqualTo("any");
        }

        @Test
        void oneVirtualHostMayServeSeveralDomains() {
            RouteTable t = table(vhost("multi", "a.com", "*.b.com"), vhost("any", "*"));
            assertThat(clusterFor(t, "a.com", "/")).isEqualTo("multi");
            assertThat(clusterFor(t, "x.b.com", "/")).isEqualTo("multi");
            assertThat(clusterFor(t, "c.com", "/")).isEqualTo("any");
        }

        @Test
        void firstVirtualHostWinsForTheSameDomain() {
            RouteTable t = table(vhost("first", "www.foo.com"), vhost("second", "www.foo.com"),
                    vhost("any1", "*"), vhost("any2", "*"));
            assertThat(clusterFor(t, "www.foo.com", "/")).isEqualTo("first");
            assertThat(clusterFor(t, "x.org", "/")).isEqualTo("any1");
        }

        @Test
        void withoutACatchAllAnUnknownHostMatchesNothing() {
            RouteTable t = table(vhost("exact", "www.foo.com"), vhost("wildcard", "*.foo.com"));
            assertThat(t.match(Headers.request("GET", "/", "example.org"))).isNull();
            assertThat(t.match(Headers.request("GET", "/", "foo.com"))).isNull();
        }

        @Test
        void requestWithoutAuthorityUsesTheCatchAll() {
            RouteTable t = table(docsExample.toArray(VirtualHostConfig[]::new));
            assertThat(clusterFor(t, null, "/")).isEqualTo("any");
            assertThat(clusterFor(t, "", "/")).isEqualTo("any");
        }

        @Test
        void ipv6Authorities() {
            RouteTable t = table(vhost("v6", "[::1]"), vhost("v4", "127.0.0.1"), vhost("any", "*"));
            assertThat(clusterFor(t, "[::1]:2045", "/")).isEqualTo("v6");
            assertThat(clusterFor(t, "[::1]", "/")).isEqualTo("v6");
            assertThat(clusterFor(t, "127.0.0.1:2045", "/")).isEqualTo("v4");
            assertThat(clusterFor(t, "[::2]:2045", "/")).isEqualTo("any");
        }

        @Test
        void tableKeepsItsRouterName() {
            assertThat(table(vhost("any", "*")).name()).isEqualTo("test_router");
        }
    }

    // ---------------------------------------------------------------- routes

    @Nested
    class Routes {

        @Test
        void prefixMatches() {
            RouteTable t = routes(prefix("/api/", "api"));
            assertThat(clusterFor(t, "/api/")).isEqualTo("api");
            assertThat(clusterFor(t, "/api/users/1")).isEqualTo("api");
            assertThat(clusterFor(t, "/api/users?x=1")).isEqualTo("api");
            assertThat(clusterFor(t, "/api")).isNull();
            assertThat(clusterFor(t, "/apix/")).isNull();
            assertThat(clusterFor(t, "/API/")).as("paths are case-sensitive").isNull();
        }

        @Test
        void exactPathMatchesIgnoringTheQueryString() {
            RouteTable t = routes(route(new RouteMatchConfig(null, "/foo", null, null), "foo"));
            assertThat(clusterFor(t, "/foo")).isEqualTo("foo");
            assertThat(clusterFor(t, "/foo?x=1")).isEqualTo("foo");
            assertThat(clusterFor(t, "/foo?")).isEqualTo("foo");
            assertThat(clusterFor(t, "/foo/")).isNull();
            assertThat(clusterFor(t, "/foobar")).isNull();
            assertThat(clusterFor(t, "/fo")).isNull();
        }

        /**
         * MOSN compares exact paths with {@code strings.EqualFold} (pkg/router/http_rule.go,
         * PathRouteRuleImpl.Match; its own test expects "/test" to match "/Test").
         */
        @Test
        void exactPathIgnoresCaseLikeMosn() {
            RouteTable t = routes(route(new RouteMatchConfig(null, "/foo", null, null), "foo"));
            assertThat(clusterFor(t, "/Foo")).isEqualTo("foo");
            assertThat(clusterFor(t, "/FOO?x=1")).isEqualTo("foo");
        }

        @Test
        void regexMatchesThePathWithoutQuery() {
            RouteTable t = routes(route(new RouteMatchConfig(null, null, "^/users/[0-9]+$", null), "users"));
            assertThat(clusterFor(t, "/users/42")).isEqualTo("users");
            assertThat(clusterFor(t, "/users/42?expand=true")).isEqualTo("users");
            assertThat(clusterFor(t, "/users/42/posts")).isNull();
            assertThat(clusterFor(t, "/v1/users/42")).isNull();
            assertThat(clusterFor(t, "/users/abc")).isNull();
            assertThat(clusterFor(t, "/users/")).isNull();
        }

        /**
         * MOSN tests a path regex with Go's {@code Regexp.MatchString}, which finds the pattern
         * anywhere in the path (pkg/router/http_rule.go, RegexRouteRuleImpl.Match); anchors are
         * written explicitly when wanted.
         */
        @Test
        void regexIsUnanchoredLikeMosn() {
            RouteTable t = routes(route(new RouteMatchConfig(null, null, "/users/[0-9]+", null), "users"));
            assertThat(clusterFor(t, "/users/42")).isEqualTo("users");
            assertThat(clusterFor(t, "/users/42/posts")).isEqualTo("users");
            assertThat(clusterFor(t, "/v1/users/42")).isEqualTo("users");
            assertThat(clusterFor(t, "/users/abc")).isNull();
        }

        @Test
        void prefixBeatsPathAndRegexInTheSameRoute() {
            RouteTable t = routes(route(new RouteMatchConfig("/p", "/exact", "/re.*", null), "r"));
            assertThat(clusterFor(t, "/p/anything")).isEqualTo("r");
            assertThat(clusterFor(t, "/exact")).as("path is ignored when prefix is set").isNull();
            assertThat(clusterFor(t, "/regex")).as("regex is ignored when prefix is set").isNull();
        }

        @Test
        void pathBeatsRegexInTheSameRoute() {
            RouteTable t = routes(route(new RouteMatchConfig(null, "/exact", "/re.*", null), "r"));
            assertThat(clusterFor(t, "/exact")).isEqualTo("r");
            assertThat(clusterFor(t, "/regex")).as("regex is ignored when path is set").isNull();
        }

        @Test
        void emptyStringsCountAsUnset() {
            RouteTable t = routes(route(new RouteMatchConfig("", "", "/re.*", null), "r"));
            assertThat(clusterFor(t, "/regex")).isEqualTo("r");
            assertThat(clusterFor(t, "/other")).isNull();
        }

        @Test
        void firstMatchingRouteWins() {
            RouteTable t = routes(
                    prefix("/api", "broad"),
                    prefix("/api/v2", "narrow"),
                    prefix("/", "rest"));
            assertThat(clusterFor(t, "/api/v2/users")).as("declared order, not longest prefix").isEqualTo("broad");
            assertThat(clusterFor(t, "/static/x.css")).isEqualTo("rest");

            RouteTable narrowFirst = routes(
                    prefix("/api/v2", "narrow"),
                    prefix("/api", "broad"));
            assertThat(clusterFor(narrowFirst, "/api/v2/users")).isEqualTo("narrow");
            assertThat(clusterFor(narrowFirst, "/api/v1/users")).isEqualTo("broad");
        }

        @Test
        void noMatchingRouteGivesNull() {
            RouteTable t = routes(prefix("/api", "api"));
            assertThat(t.match(Headers.request("GET", "/other", "example.com"))).isNull();
        }

        @Test
        void requestWithoutPathMatchesOnlyHeaderOnlyRoutes() {
            RouteTable t = routes(
                    prefix("/", "root"),
                    route(new RouteMatchConfig(null, null, null, List.of(header("service", "echo", false))), "by-header"));
            Headers noPath = new Headers().add(Headers.AUTHORITY, "example.com").add("service", "echo");
            assertThat(clusterFor(t, noPath)).isEqualTo("by-header");
        }

        @Test
        void routeCarriesItsActionAndTimeout() {
            RouteTable t = routes(new RouteConfig("api", new RouteMatchConfig("/", null, null, null),
                    new RouteActionConfig("c1", Duration.ofMillis(1500)), null, null));
            Route r = t.match(Headers.request("GET", "/", "example.com"));
            assertThat(r.clusterName()).isEqualTo("c1");
            assertThat(r.timeout()).isEqualTo(Duration.ofMillis(1500));
            assertThat(r.directResponse()).isNull();
            assertThat(r.name()).isEqualTo("api");
            assertThat(r.virtualHostName()).isEqualTo("vh");
        }

        @Test
        void directResponseRoute() {
            RouteTable t = routes(
                    new RouteConfig(null, new RouteMatchConfig(null, "/health", null, null), null, new DirectResponseConfig(200, "ok"), null),
                    prefix("/", "c1"));
            Route health = t.match(Headers.request("GET", "/health", "example.com"));
            assertThat(health.directResponse()).isNotNull();
            assertThat(health.directResponse().status()).isEqualTo(200);
            assertThat(health.directResponse().body()).isEqualTo("ok");
            assertThat(health.clusterName()).isNull();
            assertThat(t.match(Headers.request("GET", "/x", "example.com")).clusterName()).isEqualTo("c1");
        }
    }

    // ---------------------------------------------------------------- headers

    @Nested
    class HeaderMatches {

        final RouteTable t = routes(
                route(new RouteMatchConfig("/", null, null, List.of(header("x-version", "v2", false))), "exact"),
                route(new RouteMatchConfig("/", null, null, List.of(header("x-version", "v[0-9]+", true))), "regex"),
                prefix("/", "default"));

        Headers req(String... nameValues) {
            Headers h = Headers.request("GET", "/", "example.com");
            for (int i = 0; i < nameValues.length; i += 2) {
                h.add(nameValues[i], nameValues[i + 1]);
            }
            return h;
        }

        @Test
        void exactValue() {
            assertThat(clusterFor(t, req("x-version", "v2"))).isEqualTo("exact");
        }

        /** Envoy's invert_match and present_match (routes converted from xDS), with Envoy's rule for absent headers. */
        @Test
        void invertedAndPresenceMatches() {
            RouteTable inv = routes(
                    route(new RouteMatchConfig("/", null, null, List.of(new HeaderMatchConfig("x-version", "v2", false, true, null))), "not-v2"),
                    route(new RouteMatchConfig("/", null, null, List.of(new HeaderMatchConfig("x-debug", null, null, null, false))), "no-debug"),
                    route(new RouteMatchConfig("/", null, null, List.of(new HeaderMatchConfig("x-debug", null, null, true, true))), "absent-too"),
                    prefix("/", "default"));
            assertThat(clusterFor(inv, req("x-version", "v1", "x-debug", "1"))).isEqualTo("not-v2");
            // an absent header fails a value matcher even inverted (Envoy): the next route decides
            assertThat(clusterFor(inv, req())).isEqualTo("no-debug");
            assertThat(clusterFor(inv, req("x-version", "v2"))).isEqualTo("no-debug");
            assertThat(clusterFor(inv, req("x-version", "v2", "x-debug", "1"))).isEqualTo("default");
            RouteTable present = routes(
                    route(new RouteMatchConfig("/", null, null, List.of(new HeaderMatchConfig("x-debug", null, null, null, true))), "debug"),
                    route(new RouteMatchConfig("/", null, null, List.of(new HeaderMatchConfig("x-debug", null, null, true, false))), "absent-too"),
                    prefix("/", "default"));
            assertThat(clusterFor(present, req("x-debug", ""))).isEqualTo("debug");
            assertThat(clusterFor(present, req())).isEqualTo("default");
        }

        @Test
        void headerNamesMatchIgnoringCase() {
            assertThat(clusterFor(t, req("X-Version", "v2"))).isEqualTo("exact");
            assertThat(clusterFor(t, req("X-VERSION", "v7"))).isEqualTo("regex");
        }

        @Test
        void exactValueIsCaseSensitive() {
            assertThat(clusterFor(t, req("x-version", "V2"))).isEqualTo("default");
        }

        @Test
        void regexValue() {
            assertThat(clusterFor(t, req("x-version", "v10"))).isEqualTo("regex");
            assertThat(clusterFor(t, req("x-version", "beta"))).isEqualTo("default");
            RouteTable anchored = routes(
                    route(new RouteMatchConfig("/", null, null, List.of(header("x-version", "^v[0-9]+$", true))), "regex"),
                    prefix("/", "default"));
            assertThat(clusterFor(anchored, req("x-version", "v10"))).isEqualTo("regex");
            assertThat(clusterFor(anchored, req("x-version", "v10-beta"))).isEqualTo("default");
            assertThat(clusterFor(anchored, req("x-version", "beta-v1"))).isEqualTo("default");
        }

        /** MOSN matches a regex header with Go's unanchored {@code MatchString} (pkg/router/configutility.go, MatchHeaders). */
        @Test
        void headerRegexIsUnanchoredLikeMosn() {
            assertThat(clusterFor(t, req("x-version", "v10-beta"))).isEqualTo("regex");
            assertThat(clusterFor(t, req("x-version", "beta-v1"))).isEqualTo("regex");
        }

        @Test
        void missingHeaderDoesNotMatch() {
            assertThat(clusterFor(t, req())).isEqualTo("default");
            assertThat(clusterFor(t, req("x-other", "v2"))).isEqualTo("default");
        }

        @Test
        void everyHeaderOfARouteMustMatch() {
            RouteTable both = routes(
                    route(new RouteMatchConfig("/", null, null, List.of(header("a", "1", false), header("b", "[xy]", true))), "both"),
                    prefix("/", "default"));
            assertThat(clusterFor(both, req("a", "1", "b", "x"))).isEqualTo("both");
            assertThat(clusterFor(both, req("b", "y", "a", "1"))).isEqualTo("both");
            assertThat(clusterFor(both, req("a", "1"))).isEqualTo("default");
            assertThat(clusterFor(both, req("a", "1", "b", "z"))).isEqualTo("default");
            assertThat(clusterFor(both, req("a", "2", "b", "x"))).isEqualTo("default");
        }

        @Test
        void headersAndPathMustBothMatch() {
            RouteTable api = routes(
                    route(new RouteMatchConfig("/api", null, null, List.of(header("x-canary", "true", false))), "canary"),
                    prefix("/api", "stable"));
            Headers canary = Headers.request("GET", "/api/x", "example.com").add("x-canary", "true");
            Headers other = Headers.request("GET", "/web", "example.com").add("x-canary", "true");
            assertThat(clusterFor(api, canary)).isEqualTo("canary");
            assertThat(clusterFor(api, Headers.request("GET", "/api/x", "example.com"))).isEqualTo("stable");
            assertThat(clusterFor(api, other)).isNull();
        }

        @Test
        void emptyExactValueMatchesAnEmptyHeaderOnly() {
            RouteTable empty = routes(
                    route(new RouteMatchConfig("/", null, null, List.of(header("x-empty", null, false))), "empty"),
                    prefix("/", "default"));
            assertThat(clusterFor(empty, req("x-empty", ""))).isEqualTo("empty");
            assertThat(clusterFor(empty, req("x-empty", "x"))).isEqualTo("default");
            assertThat(clusterFor(empty, req())).isEqualTo("default");
        }
    }

    // ---------------------------------------------------------------- from a MOSN config

    @Test
    void routerFromMosnJsonMatchesAsConfigured() throws Exception {
        JsonNode node = ConfigLoader.mapper().readTree("""
                {
                  "router_config_name": "server_router",
                  "virtual_hosts": [
                    {"name": "api", "domains": ["api.foo.com", "*.api.foo.com"],
                     "routers": [
                       {"match": {"headers": [{"name": "service", "value": "com.alipay.test.TestService:1.0", "regex": false}]},
                        "route": {"cluster_name": "rpc", "timeout": "3s"}},
                       {"match": {"prefix": "/v1"}, "route": {"cluster_name": "v1"}},
                       {"match": {"regex": "/v[2-9]/.*"}, "route": {"cluster_name": "vN"}}
                     ]},
                    {"name": "default", "domains": ["*"],
                     "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "serverCluster"}}]}
                  ]
                }
                """);
        RouteTable t = new RouteTable(ConfigLoader.convert(node, RouterConfig.class, "servers[0].routers[0]"));
        assertThat(t.name()).isEqualTo("server_router");
        assertThat(clusterFor(t, "api.foo.com", "/v1/users")).isEqualTo("v1");
        assertThat(clusterFor(t, "eu.api.foo.com:8080", "/v3/users")).isEqualTo("vN");
        assertThat(clusterFor(t, "api.foo.com", "/v0/users")).isNull();
        assertThat(clusterFor(t, "www.foo.com", "/v1/users")).isEqualTo("serverCluster");
        Headers rpc = Headers.request("POST", "/anything", "api.foo.com").add("Service", "com.alipay.test.TestService:1.0");
        assertThat(t.match(rpc).clusterName()).isEqualTo("rpc");
        assertThat(t.match(rpc).timeout()).isEqualTo(Duration.ofSeconds(3));
    }
}
