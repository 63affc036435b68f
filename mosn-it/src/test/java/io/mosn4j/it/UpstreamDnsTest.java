package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static io.mosn4j.it.UpstreamTest.eventually;
import static io.mosn4j.it.UpstreamTest.quietly;
import static io.mosn4j.it.UpstreamTest.spread;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.mosn4j.upstream.TinyDns;

/**
 * A {@code STRICT_DNS} cluster through the real {@code bin/mosn}, its names answered by a tiny DNS
 * server the test runs on 127.0.0.1 ({@code dns_resolvers}: MOSN's {@code servers} and {@code port}).
 * Names are asked again every {@code dns_refresh_rate}; a name that starts resolving adds its host,
 * one the server says is gone (NXDOMAIN) takes its host away, and a server that stops answering
 * leaves the hosts as they were. Every address is 127.0.0.1: the hosts differ by their ports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamDnsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "main", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/"}, "route": {"cluster_name": "dns"}}]}]}],
                "listeners": [{"name": "main", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "main"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "dns", "type": "STRICT_DNS", "lb_type": "LB_ROUNDROBIN", "dns_refresh_rate": "200ms",
                 "dns_resolvers": {"servers": ["127.0.0.1"], "port": "${DNS}", "timeout": 1},
                 "hosts": [{"address": "one.mosn.test:${P1}"}, {"address": "two.mosn.test:${P2}"}]}
              ]}
            }
            """;

    private static TinyDns dns;
    private static NettyHttpBackend one;
    private static NettyHttpBackend two;
    private static MosnProcess mosn;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        dns = new TinyDns();
        dns.set("one.mosn.test", "127.0.0.1"); // "two" does not exist yet
        one = NettyHttpBackend.start("one");
        two = NettyHttpBackend.start("two");
        port = freePort();
        mosn = MosnProcess.startHttp(render(CONFIG, vars("PORT", port, "DNS", dns.port(), "P1", one.port(), "P2", two.port())), port);
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
            one.close();
            two.close();
            dns.close();
        }
    }

    @Test
    void hostsFollowTheDnsAnswers() throws Exception {
        // the first answers came before the listener opened: "one" only
        assertThat(spread(port, "/a/", 50)).containsOnly(Map.entry("one", 50));
        int asked = dns.queries.get();
        // "two" starts to exist: the next round (200 ms) adds its host, and round robin shares
        dns.set("two.mosn.test", "127.0.0.1");
        assertThat(eventually(10, quietly(() -> spread(port, "/b/", 20).equals(Map.of("one", 10, "two", 10))))).isTrue();
        assertThat(dns.queries.get()).as("names asked again").isGreaterThan(asked);
        // "one" is gone (NXDOMAIN): its host leaves, the connections of "two" stay
        int twoConnections = two.requestConnections.get();
        dns.set("one.mosn.test");
        assertThat(eventually(10, quietly(() -> spread(port, "/c/", 20).equals(Map.of("two", 20))))).isTrue();
        assertThat(spread(port, "/d/", 200)).containsOnly(Map.entry("two", 200));
        assertThat(two.requestConnections.get()).as("two's pooled connection kept across the change").isEqualTo(twoConnections);
        // the server goes quiet: queries time out, and the hosts stay as the last answers left them
        dns.mute(true);
        int before = dns.queries.get();
        assertThat(eventually(10, () -> dns.queries.get() >= before + 3)).as("still asking").isTrue();
        assertThat(spread(port, "/e/", 100)).containsOnly(Map.entry("two", 100));
        // answers again, "one" back: both share again
        dns.set("one.mosn.test", "127.0.0.1");
        dns.mute(false);
        assertThat(eventually(10, quietly(() -> spread(port, "/f/", 20).equals(Map.of("one", 10, "two", 10))))).isTrue();
    }
}
