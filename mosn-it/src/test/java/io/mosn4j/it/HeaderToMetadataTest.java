package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's {@code header_to_metadata} through the real {@code bin/mosn}: a request header becomes the
 * host metadata subset load balancing picks by ({@code lb_subset_config}), over the route's own
 * {@code metadata_match} for the same key; a missing header gives the configured default; an
 * unknown value takes the cluster's fallback. HTTP/1 and HTTP/2 downstream.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeaderToMetadataTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "main", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/zone-a/"}, "route": {"cluster_name": "s",
                    "metadata_match": {"filter_metadata": {"mosn.lb": {"version": "v1", "zone": "a"}}}}},
                  {"match": {"prefix": "/"}, "route": {"cluster_name": "s"}}
                ]}]}],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}",
                   "stream_filters": [{"type": "header_to_metadata", "config": {"request_rules": [
                     {"header": "x-version", "on_header_missing": {"key": "version", "value": "v1"}},
                     {"header": "x-version", "on_header_present": {"key": "version"}, "remove": true}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                     "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}",
                   "stream_filters": [{"type": "header_to_metadata", "config": {"request_rules": [
                     {"header": "x-version", "on_header_present": {"key": "version"}}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                     "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "s", "lb_type": "LB_ROUNDROBIN",
                 "lb_subset_config": {"fall_back_policy": 2, "default_subset": {"version": "v1"},
                   "subset_selectors": [["version"], ["version", "zone"]]},
                 "hosts": [
                   {"address": "${A}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v1", "zone": "a"}}}},
                   {"address": "${B}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v1", "zone": "b"}}}},
                   {"address": "${C}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v2", "zone": "a"}}}},
                   {"address": "${D}", "metadata": {"filter_metadata": {"mosn.lb": {"version": "v2", "zone": "b"}}}}]}
              ]}
            }
            """;

    private static final NettyHttpBackend[] backends = new NettyHttpBackend[4];
    private static MosnProcess mosn;
    private static int h1;
    private static int h2;

    @BeforeAll
    static void start() throws Exception {
        String[] names = {"a", "b", "c", "d"};
        Map<String, Object> v = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            backends[i] = NettyHttpBackend.start(names[i]);
            v.put(names[i].toUpperCase(), backends[i].address());
        }
        h1 = freePort();
        h2 = freePort();
        v.put("H1", h1);
        v.put("H2", h2);
        mosn = MosnProcess.builder().config(render(CONFIG, v)).waitFor(h1, h2).probe(h1).start();
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
            for (NettyHttpBackend b : backends) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** Which backends {@code n} requests for {@code path} with {@code version} (null: none) reached. */
    private static Map<String, Integer> spread(String path, String version, int n) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            for (int i = 0; i < n; i++) {
                c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (version == null ? "" : "X-Version: " + version + "\r\n") + "\r\n");
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                counts.merge(r.header("x-backend"), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void theHeaderPicksTheSubsetAndItsAbsenceTheDefault() throws Exception {
        assertThat(spread("/x", "v2", 10)).containsOnly(Map.entry("c", 5), Map.entry("d", 5));
        assertThat(spread("/x", null, 10)).containsOnly(Map.entry("a", 5), Map.entry("b", 5));
        // no v3 subset: the cluster's fallback, the default subset (v1)
        assertThat(spread("/x", "v3", 10)).containsOnly(Map.entry("a", 5), Map.entry("b", 5));
        // the header's version over the route's; the route's zone stays: version v2, zone a
        assertThat(spread("/zone-a/x", "v2", 6)).containsOnly(Map.entry("c", 6));
        assertThat(spread("/zone-a/x", null, 6)).containsOnly(Map.entry("a", 6));
        // remove: true took the header off before it went upstream
        assertThat(backends[2].seen).isNotEmpty().allSatisfy(r -> assertThat(r.headers().contains("x-version")).isFalse());
    }

    @Test
    void http2RequestsAreSteeredToo() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (H2Peers.Client c = new H2Peers.Client(h2)) {
            for (int i = 0; i < 6; i++) {
                H2Peers.Response r = c.request(H2Peers.get("/h2", h2).add("x-version", "v2"), null, null).get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                counts.merge(r.headers().get("x-backend").toString(), 1, Integer::sum);
            }
        }
        assertThat(counts).containsOnly(Map.entry("c", 3), Map.entry("d", 3));
    }
}
