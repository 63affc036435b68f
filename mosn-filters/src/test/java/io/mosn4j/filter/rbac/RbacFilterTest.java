package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.filter.FilterHarness;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RbacFilterTest {
    private final RbacFilterFactory factory = new RbacFilterFactory();

    /** Whether {@code json}'s filter lets {@code h} from {@code peer} to {@code local} through; a refusal must be the 403. */
    private boolean allows(String json, Headers h, String peer, String local) {
        FilterHarness harness = new FilterHarness(null).create(factory, config(json));
        harness.remote = new InetSocketAddress(InetAddress.ofLiteral(peer), 40000);
        harness.local = local == null ? null : new InetSocketAddress(InetAddress.ofLiteral(local.split(":")[0]), Integer.parseInt(local.split(":")[1]));
        FilterStatus s = harness.filter().onRequestHeaders(h, true);
        if (s == FilterStatus.STOP) {
            assertThat(harness.reply.status()).isEqualTo(403);
            assertThat(harness.reply.body()).isEqualTo("RBAC: access denied");
            return false;
        }
        assertThat(harness.reply).isNull();
        return true;
    }

    private boolean allows(String json, Headers h) {
        return allows(json, h, "10.0.0.1", "127.0.0.1:8080");
    }

    private static Headers req(String method, String path, String... kv) {
        Headers h = Headers.request(method, path, "example.com");
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    /** MOSN's istio/istio1106/filter/stream/rbac/common/test_conf/permission-headers-value.json. */
    static final String MOSN_HEADERS = """
            {"version": "app1_version_1", "rules": {"action": "DENY", "policies": {"header-regex-match": {
              "permissions": [{"or_rules": {"rules": [
                {"header": {"name": ":path", "hidden_envoy_deprecated_regex_match": "\\/deny.*"}},
                {"header": {"name": ":method", "exact_match": "HEAD"}},
                {"header": {"name": ":path", "prefix_match": "/control-api"}},
                {"header": {"name": ":path", "suffix_match": ".java"}},
                {"header": {"name": "X-Timeout", "range_match": {"start": 100, "end": 999999}}},
                {"header": {"name": ":authority", "exact_match": "example.org"}}]}}],
              "principals": [{"any": true}]}}}, "shadowRules": {}}""";

    @Test
    void mosnsHeaderPermissions() {
        assertThat(allows(MOSN_HEADERS, req("GET", "/ok"))).isTrue();
        assertThat(allows(MOSN_HEADERS, req("GET", "/deny/x"))).isFalse();
        assertThat(allows(MOSN_HEADERS, req("HEAD", "/ok"))).isFalse();
        assertThat(allows(MOSN_HEADERS, req("GET", "/control-api/v1"))).isFalse();
        assertThat(allows(MOSN_HEADERS, req("GET", "/src/A.java"))).isFalse();
        assertThat(allows(MOSN_HEADERS, req("GET", "/ok", "x-timeout", "150"))).isFalse();
        assertThat(allows(MOSN_HEADERS, req("GET", "/ok", "x-timeout", "99"))).isTrue();
        assertThat(allows(MOSN_HEADERS, Headers.request("GET", "/ok", "example.org"))).isFalse();
    }

    @Test
    void allowPoliciesNeedAPermissionAndAPrincipal() {
        String json = """
                {"rules": {"action": "ALLOW", "policies": {
                  "readers": {"permissions": [{"and_rules": {"rules": [{"header": {"name": ":method", "string_match": {"exact": "GET"}}},
                                                                         {"url_path": {"path": {"prefix": "/api/"}}}]}}],
                              "principals": [{"direct_remote_ip": {"address_prefix": "10.0.0.0", "prefix_len": 8}}]},
                  "admins": {"permissions": [{"any": true}],
                             "principals": [{"and_ids": {"ids": [{"header": {"name": "x-role", "exact_match": "admin"}},
                                                                 {"not_id": {"source_ip": {"addressPrefix": "10.9.0.0", "prefixLen": 16}}}]}}]}}}}""";
        assertThat(allows(json, req("GET", "/api/x?q=1"))).isTrue();
        assertThat(allows(json, req("POST", "/api/x"))).isFalse();
        assertThat(allows(json, req("GET", "/apix"))).isFalse();
        assertThat(allows(json, req("GET", "/api/x"), "192.168.1.1", "127.0.0.1:80")).isFalse();
        assertThat(allows(json, req("DELETE", "/any", "x-role", "admin"), "192.168.1.1", "127.0.0.1:80")).isTrue();
        assertThat(allows(json, req("DELETE", "/any", "x-role", "admin"), "10.9.1.1", "127.0.0.1:80")).as("not_id").isFalse();
        assertThat(allows("{\"rules\": {\"action\": \"ALLOW\"}}", req("GET", "/"))).as("ALLOW without policies denies all").isFalse();
        assertThat(allows("{}", req("GET", "/"))).as("no rules: everything passes").isTrue();
    }

    @Test
    void destinationsAndOrNotAndPresence() {
        String json = """
                {"rules": {"action": "DENY", "policies": {
                  "ports": {"permissions": [{"or_rules": {"rules": [{"destination_port": 9090}, {"destination_port_range": {"start": 7000, "end": 7010}}]}}],
                            "principals": [{"any": true}]},
                  "ip": {"permissions": [{"destination_ip": {"address_prefix": "127.0.0.2"}}], "principals": [{"any": true}]},
                  "no-token": {"permissions": [{"not_rule": {"header": {"name": "x-token", "present_match": true}}}],
                               "principals": [{"remote_ip": {"address_prefix": "10.0.0.0", "prefix_len": 8}}]},
                  "bad-agent": {"permissions": [{"header": {"name": "user-agent", "string_match": {"contains": "BOT", "ignore_case": true}, "invert_match": false}}],
                                "principals": [{"any": true}]}}}}""";
        assertThat(allows(json, req("GET", "/", "x-token", "t"), "10.0.0.1", "127.0.0.1:8080")).isTrue();
        assertThat(allows(json, req("GET", "/", "x-token", "t"), "10.0.0.1", "127.0.0.1:9090")).isFalse();
        assertThat(allows(json, req("GET", "/", "x-token", "t"), "10.0.0.1", "127.0.0.1:7009")).isFalse();
        assertThat(allows(json, req("GET", "/", "x-token", "t"), "10.0.0.1", "127.0.0.1:7010")).as("the range's end is out").isTrue();
        assertThat(allows(json, req("GET", "/", "x-token", "t"), "10.0.0.1", "127.0.0.2:8080")).isFalse();
        assertThat(allows(json, req("GET", "/"), "10.0.0.1", "127.0.0.1:8080")).as("no x-token from 10/8").isFalse();
        assertThat(allows(json, req("GET", "/"), "172.16.0.1", "127.0.0.1:8080")).isTrue();
        assertThat(allows(json, req("GET", "/", "x-token", "t", "User-Agent", "evilbot/1"), "10.0.0.1", "127.0.0.1:8080")).isFalse();
    }

    /** Counters that add up into {@code counted}, by name. */
    static Stats counting(Map<String, AtomicLong> counted) {
        return name -> new Counter() {
            @Override
            public void inc() {
                add(1);
            }

            @Override
            public void add(long n) {
                counted.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
            }

            @Override
            public long get() {
                return counted.getOrDefault(name, new AtomicLong()).get();
            }
        };
    }

    @Test
    void shadowRulesOnlyCountAndTheCountersAreEnvoys() {
        Map<String, AtomicLong> counted = new ConcurrentHashMap<>();
        Stats stats = counting(counted);
        String json = """
                {"rules": {"action": "DENY", "policies": {"p": {"permissions": [{"url_path": {"path": {"exact": "/deny"}}}], "principals": [{"any": true}]}}},
                 "shadow_rules": {"action": "ALLOW", "policies": {"p": {"permissions": [{"url_path": {"path": {"exact": "/shadow-ok"}}}], "principals": [{"any": true}]}}},
                 "shadow_rules_stat_prefix": "istio_dry_run_allow_"}""";
        StreamFilterContext ctx = new StreamFilterContext(stats);
        for (String path : new String[] {"/deny", "/shadow-ok", "/other"}) {
            FilterHarness h = new FilterHarness(null);
            h.filters.clear();
            factory.create(config(json), ctx).createFilters(new io.mosn4j.api.filter.StreamFilterChain() {
                @Override
                public void addReceiverFilter(io.mosn4j.api.filter.StreamReceiverFilter filter, ReceiverPhase phase) {
                    assertThat(phase).isEqualTo(ReceiverPhase.BEFORE_ROUTE);
                    filter.setReceiverCallbacks(h);
                    h.remote = new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 1);
                    filter.onRequestHeaders(req("GET", path), true);
                }

                @Override
                public void addSenderFilter(io.mosn4j.api.filter.StreamSenderFilter filter) {
                    throw new AssertionError();
                }
            });
        }
        assertThat(counted.get("http.l.rbac.allowed").get()).isEqualTo(2);
        assertThat(counted.get("http.l.rbac.denied").get()).isEqualTo(1);
        assertThat(counted.get("http.l.rbac.istio_dry_run_allow_shadow_allowed").get()).isEqualTo(1);
        assertThat(counted.get("http.l.rbac.istio_dry_run_allow_shadow_denied").get()).isEqualTo(2);
    }

    record StreamFilterContext(Stats stats) implements io.mosn4j.api.filter.StreamFilterFactory.Context {
        @Override
        public String listenerName() {
            return "l";
        }

        @Override
        public Variables variables() {
            return null;
        }
    }

    @Test
    void rpcHeadersAreMatchedToo() {
        String json = """
                {"rules": {"action": "ALLOW", "policies": {"echo": {"permissions": [{"header": {"name": "service", "exact_match": "svc.echo"}}],
                                                                    "principals": [{"any": true}]}}}}""";
        Headers bolt = new Headers();
        bolt.add("service", "svc.echo");
        assertThat(allows(json, bolt)).isTrue();
        Headers other = new Headers();
        other.add("service", "svc.admin");
        assertThat(allows(json, other)).isFalse();
    }

    private String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> factory.create(config(json))).getMessage();
    }

    @Test
    void whatIsNotDoneIsRefusedNamingTheField() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"rules\": {\"action\": \"ALLOW\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}], "
                + "\"principals\": [{\"authenticated\": {\"principal_name\": {\"exact\": \"spiffe://cluster.local/ns/default/sa/a\"}, \"name\": \"x\"}}]}}}}"))
                .startsWith(at + "rules.policies.p.principals[0].authenticated.name: not a field of authenticated");
        assertThat(error("{\"rules\": {\"action\": \"ALLOW\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}], "
                + "\"principals\": [{\"authenticated\": true}]}}}}"))
                .startsWith(at + "rules.policies.p.principals[0].authenticated: must be an object");
        assertThat(error("{\"rules\": {\"action\": \"ALLOW\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}], "
                + "\"principals\": [{\"authenticated\": {\"principal_name\": {\"exact\": \"a\", \"prefix\": \"b\"}}}]}}}}"))
                .startsWith(at + "rules.policies.p.principals[0].authenticated.principal_name: needs exactly one of");
        assertThat(error("{\"rules\": {\"action\": \"DENY\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}], \"principals\": [{\"metadata\": {}}]}}}}"))
                .startsWith(at + "rules.policies.p.principals[0].metadata: not a principal");
        assertThat(error("{\"rules\": {\"action\": \"DENY\", \"policies\": {\"p\": {\"permissions\": [{\"metadata\": {}}], \"principals\": [{\"any\": true}]}}}}"))
                .startsWith(at + "rules.policies.p.permissions[0].metadata: not a permission");
        assertThat(error("{\"rules\": {\"action\": \"DENY\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}], \"principals\": [{\"any\": true}], \"condition\": {}}}}}"))
                .startsWith(at + "rules.policies.p.condition: not a field of an RBAC policy");
        assertThat(error("{\"rules\": {\"action\": \"BLOCK\"}}")).startsWith(at + "rules.action: must be ALLOW, DENY or LOG");
        assertThat(error("{\"rules\": {\"policies\": {\"p\": {\"permissions\": [], \"principals\": [{\"any\": true}]}}}}"))
                .startsWith(at + "rules.policies.p.permissions: required");
        assertThat(error("{\"rules\": {\"policies\": {\"p\": {\"permissions\": [{\"header\": {\"name\": \"a\", \"safe_regex_match\": {\"regex\": \"(\"}}}], \"principals\": [{\"any\": true}]}}}}"))
                .startsWith(at + "rules.policies.p.permissions[0].header.safe_regex_match.regex: not a regular expression");
        assertThat(error("{\"rules\": {\"policies\": {\"p\": {\"permissions\": [{\"any\": true}], \"principals\": [{\"source_ip\": {\"address_prefix\": \"10.0.0.0\", \"prefix_len\": 40}}]}}}}"))
                .contains("prefix length");
        assertThat(error("{\"matcher\": {}}")).startsWith(at + "matcher: not supported");
    }
}
