package io.mosn4j.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.network.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code STRICT_DNS} against a tiny DNS server on 127.0.0.1: the first answers before the cluster
 * starts, new answers as they change, a name that no longer exists leaves, and a server that goes
 * quiet leaves the hosts as they were.
 */
class StrictDnsClusterTypeTest {
    private TinyDns dns;
    private EventLoopGroup group;
    private final List<List<String>> changes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dns = new TinyDns();
        group = Transport.best().newGroup(1, "dns-test");
    }

    @AfterEach
    void stop() {
        dns.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private ClusterType.Context context(boolean active) {
        EventLoop loop = group.next();
        return new ClusterType.Context() {
            @Override
            public boolean active() {
                return active;
            }

            @Override
            public EventLoop eventLoop() {
                return active ? loop : null;
            }

            @Override
            public Transport transport() {
                return Transport.best();
            }

            @Override
            public void hostsChanged(List<HostSpec> hosts) {
                changes.add(hosts.stream().map(HostSpec::address).toList());
            }
        };
    }

    private ClusterType.Discovery discover(String hostsJson, boolean active) throws Exception {
        String json = "{\"name\": \"d\", \"type\": \"STRICT_DNS\", \"dns_refresh_rate\": \"100ms\", \"dns_resolvers\": "
                + "{\"servers\": [\"127.0.0.1\"], \"port\": \"" + dns.port() + "\", \"timeout\": 1}, \"hosts\": " + hostsJson + "}";
        JsonNode n = ConfigLoader.mapper().readTree(json);
        ClusterConfig c = ConfigLoader.convert(n, ClusterConfig.class, "cluster_manager.clusters[0]");
        return new StrictDnsClusterType().start(c, new JsonConfigValue(n, "cluster_manager.clusters[0]"), context(active));
    }

    private static List<String> addresses(ClusterType.Discovery d) {
        return d.hosts().stream().map(HostSpec::address).toList();
    }

    private void awaitChange(List<String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!changes.isEmpty() && changes.getLast().equals(expected)) {
                return;
            }
            Thread.sleep(20);
        }
        assertThat(changes).as("host changes reported").isNotEmpty();
        assertThat(changes.getLast()).isEqualTo(expected);
    }

    @Test
    void namesAreResolvedAgainAndHostsFollowTheAnswers() throws Exception {
        dns.set("a.mosn.test", "127.0.0.1");
        ClusterType.Discovery d = discover("[{\"address\": \"a.mosn.test:8001\", \"weight\": 3}, {\"address\": \"b.mosn.test:8002\"}, "
                + "{\"address\": \"127.0.0.1:8003\"}]", true);
        try {
            // the first round is answered before the cluster is built: a resolves, b does not exist yet
            assertThat(addresses(d)).containsExactly("127.0.0.1:8001", "127.0.0.1:8003");
            assertThat(d.hosts().get(0).weight()).isEqualTo(3);
            dns.set("b.mosn.test", "127.0.0.1");
            awaitChange(List.of("127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"));
            dns.set("a.mosn.test"); // NXDOMAIN: the name is gone, and so are its hosts
            awaitChange(List.of("127.0.0.1:8002", "127.0.0.1:8003"));
            dns.mute(true); // no answer at all: what was known stays
            int before = changes.size();
            int queries = dns.queries.get();
            Thread.sleep(1_500);
            assertThat(dns.queries.get()).as("queries went on").isGreaterThan(queries);
            assertThat(changes).hasSize(before);
            assertThat(addresses(d)).containsExactly("127.0.0.1:8002", "127.0.0.1:8003");
        } finally {
            d.close();
        }
        int queries = dns.queries.get();
        Thread.sleep(500);
        assertThat(dns.queries.get()).as("no query after close").isLessThanOrEqualTo(queries + 2);
    }

    @Test
    void aConfigCheckQueriesNothing() throws Exception {
        dns.set("a.mosn.test", "127.0.0.1");
        ClusterType.Discovery d = discover("[{\"address\": \"a.mosn.test:8001\"}, {\"address\": \"127.0.0.1:8003\"}]", false);
        assertThat(addresses(d)).containsExactly("127.0.0.1:8003");
        Thread.sleep(300);
        assertThat(dns.queries.get()).isZero();
    }

    @Test
    void aNameServerMustBeAnAddress() {
        assertThatThrownBy(() -> {
            JsonNode n = ConfigLoader.mapper().readTree("{\"name\": \"d\", \"type\": \"STRICT_DNS\", \"dns_resolvers\": "
                    + "{\"servers\": [\"dns.example.com\"]}, \"hosts\": [{\"address\": \"a.mosn.test:80\"}]}");
            new StrictDnsClusterType().start(ConfigLoader.convert(n, ClusterConfig.class, "c"), new JsonConfigValue(n, "c"), context(false));
        }).isInstanceOf(ConfigException.class).hasMessageContaining("c.dns_resolvers.servers[0]");
    }
}
