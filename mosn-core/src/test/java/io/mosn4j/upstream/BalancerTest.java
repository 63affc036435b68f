package io.mosn4j.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.config.ClusterConfig;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.config.HostConfig;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.protocol.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code LB_ROUNDROBIN} and {@code LB_RANDOM}: one event loop's balancer over a cluster's hosts. */
class BalancerTest {
    static final Balancers BALANCERS = Balancers.load(BalancerTest.class.getClassLoader());
    static final Codecs CODECS = new Codecs(List.of());

    /** A cluster and one event loop's balancer over its hosts. */
    record Picker(Cluster cluster, LoadBalancer balancer) {
        Picker(Cluster cluster) {
            this(cluster, cluster.balancer().create(cluster.hostSet(), cluster.balancerSettings()));
        }

        HostInfo chooseHost() {
            return balancer.choose(null);
        }

        List<Host> hosts() {
            return cluster.hosts();
        }
    }

    static Cluster build(ClusterConfig config) {
        return new Cluster(config, JsonConfigValue.missing("cluster_manager.clusters[0]"), null, BALANCERS, CODECS);
    }

    static ClusterConfig config(String name, String lbType, Duration connectTimeout, Long maxRequests, Long bufferLimit, List<HostConfig> hosts) {
        return new ClusterConfig(name, "SIMPLE", lbType, connectTimeout, maxRequests, bufferLimit, null, null, hosts, null);
    }

    /** A cluster of 127.0.0.1 hosts on ports 9001, 9002, ... with the given weights. */
    static Picker cluster(String lbType, int... weights) {
        List<HostConfig> hosts = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            hosts.add(new HostConfig("127.0.0.1:" + (9001 + i), null, weights[i], null));
        }
        return new Picker(build(config("c", lbType, null, null, null, hosts)));
    }

    static List<String> picks(Picker c, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            HostInfo h = c.chooseHost();
            out.add(h == null ? null : h.address());
        }
        return out;
    }

    static Map<String, Integer> counts(List<String> picks) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String p : picks) {
            m.merge(p, 1, Integer::sum);
        }
        return m;
    }

    static int[] weights(String csv) {
        String[] parts = csv.split(",");
        int[] w = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            w[i] = Integer.parseInt(parts[i].trim());
        }
        return w;
    }

    // ---------------------------------------------------------------- the cluster itself

    @Test
    void clusterBuiltFromConfigKeepsHostsAndSettings() {
        Cluster c = build(config("serverCluster", "LB_RANDOM", Duration.ofMillis(250), 1024L, 32768L,
                List.of(new HostConfig("127.0.0.1:8080", null, null, null), new HostConfig("127.0.0.1:8081", "backend-2", 7, null))));
        assertThat(c.name()).isEqualTo("serverCluster");
        assertThat(c.hosts()).extracting(Host::address).containsExactly("127.0.0.1:8080", "127.0.0.1:8081");
        assertThat(c.hosts()).extracting(Host::weight).containsExactly(1, 7);
        assertThat(c.hosts().get(0).socketAddress().isUnresolved()).isFalse();
        assertThat(c.hosts().get(0).socketAddress().getPort()).isEqualTo(8080);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.maxRequestsPerConnection()).isEqualTo(1024);
        assertThat(c.connectionBufferLimit()).isEqualTo(32768);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LB_ROUNDROBIN", "LB_RANDOM"})
    void emptyClusterGivesNoHost(String lb) {
        Picker c = cluster(lb);
        assertThat(c.hosts()).isEmpty();
        assertThat(c.chooseHost()).isNull();
        assertThat(c.chooseHost()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"LB_ROUNDROBIN", "LB_RANDOM"})
    void singleHostIsAlwaysChosen(String lb) {
        Picker c = cluster(lb, 5);
        assertThat(counts(picks(c, 100))).containsExactly(Map.entry("127.0.0.1:9001", 100));
    }

    // ---------------------------------------------------------------- round robin

    @Nested
    class RoundRobin {

        @Test
        void equalWeightsCycleThroughAllHostsInOrder() {
            Picker c = cluster("LB_ROUNDROBIN", 1, 1, 1);
            List<String> p = picks(c, 30);
            assertThat(p.subList(0, 3)).containsExactlyInAnyOrder("127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003");
            for (int i = 3; i < p.size(); i++) {
                assertThat(p.get(i)).as("pick %d repeats pick %d", i, i - 3).isEqualTo(p.get(i - 3));
            }
            assertThat(counts(p)).containsOnly(
                    Map.entry("127.0.0.1:9001", 10), Map.entry("127.0.0.1:9002", 10), Map.entry("127.0.0.1:9003", 10));
        }

        @Test
        void defaultWeightsAreEqual() {
            List<HostConfig> hosts = List.of(new HostConfig("127.0.0.1:9001", null, null, null), new HostConfig("127.0.0.1:9002", null, 0, null));
            Picker c = new Picker(build(config("c", null, null, null, null, hosts)));
            List<String> p = picks(c, 10);
            assertThat(counts(p)).containsOnly(Map.entry("127.0.0.1:9001", 5), Map.entry("127.0.0.1:9002", 5));
            for (int i = 1; i < p.size(); i++) {
                assertThat(p.get(i)).isNotEqualTo(p.get(i - 1));
            }
        }

        @Test
        void weightsOneTwoThreeGiveExactProportionsOverEveryFullCycle() {
            Picker c = cluster("LB_ROUNDROBIN", 1, 2, 3);
            for (int cycle = 0; cycle < 5; cycle++) {
                assertThat(counts(picks(c, 6))).as("cycle %d", cycle).containsOnly(
                        Map.entry("127.0.0.1:9001", 1), Map.entry("127.0.0.1:9002", 2), Map.entry("127.0.0.1:9003", 3));
            }
            assertThat(counts(picks(c, 6000))).containsOnly(
                    Map.entry("127.0.0.1:9001", 1000), Map.entry("127.0.0.1:9002", 2000), Map.entry("127.0.0.1:9003", 3000));
        }

        @Test
        void weightsWithACommonFactorBehaveLikeTheReducedWeights() {
            Picker c = cluster("LB_ROUNDROBIN", 20, 40, 60);
            assertThat(counts(picks(c, 6))).containsOnly(
                    Map.entry("127.0.0.1:9001", 1), Map.entry("127.0.0.1:9002", 2), Map.entry("127.0.0.1:9003", 3));
        }

        @Test
        void heavyHostsAreInterleavedWithinACycle() {
            Picker c = cluster("LB_ROUNDROBIN", 1, 2, 3);
            List<String> cycle = picks(c, 6);
            for (int i = 1; i < cycle.size(); i++) {
                assertThat(cycle.get(i)).as("picks %d and %d of %s", i - 1, i, cycle).isNotEqualTo(cycle.get(i - 1));
            }
        }

        /**
         * When no host has more than half the total weight, a schedule exists in which no host is
         * chosen twice in a row, even across cycles (e.g. 1:1:2 -> c a c b c a c b ...). Requests
         * arrive in a stream, so the cycle boundary is invisible to the upstreams.
         */
        @ParameterizedTest(name = "weights {0}")
        @ValueSource(strings = {"1,1", "1,1,1", "1,1,2", "1,2,3", "2,3,4", "1,1,1,3", "3,3,2"})
        void noHostTwiceInARowWhenAvoidableEvenAcrossCycles(String csv) {
            int[] w = weights(csv);
            Picker c = cluster("LB_ROUNDROBIN", w);
            int total = java.util.Arrays.stream(w).sum();
            List<String> p = picks(c, total * 4);
            for (int i = 1; i < p.size(); i++) {
                assertThat(p.get(i)).as("picks %d and %d of %s", i - 1, i, p).isNotEqualTo(p.get(i - 1));
            }
        }

        @Test
        void eachEventLoopsBalancerKeepsTheProportionsOnItsOwn() {
            Cluster c = cluster("LB_ROUNDROBIN", 1, 2, 3).cluster();
            for (int loop = 0; loop < 4; loop++) {
                Picker p = new Picker(c); // what each event loop builds from the same host set
                assertThat(counts(picks(p, 6_000))).containsOnly(
                        Map.entry("127.0.0.1:9001", 1_000), Map.entry("127.0.0.1:9002", 2_000), Map.entry("127.0.0.1:9003", 3_000));
            }
        }
    }

    // ---------------------------------------------------------------- random

    @Nested
    class Random {

        @Test
        void equalWeightsSpreadEvenly() {
            Map<String, Integer> m = counts(picks(cluster("LB_RANDOM", 1, 1, 1), 30_000));
            assertThat(m).hasSize(3);
            // expectation 10000, sd ~82: +-1000 is > 12 sd, so this cannot flake
            m.values().forEach(n -> assertThat(n).isBetween(9_000, 11_000));
        }

        @Test
        void weightsAreRoughlyProportional() {
            Map<String, Integer> m = counts(picks(cluster("LB_RANDOM", 1, 2, 3), 60_000));
            // expectations 10000 / 20000 / 30000, sd <= 123: +-1500 is > 12 sd
            assertThat(m.get("127.0.0.1:9001")).isBetween(8_500, 11_500);
            assertThat(m.get("127.0.0.1:9002")).isBetween(18_500, 21_500);
            assertThat(m.get("127.0.0.1:9003")).isBetween(28_500, 31_500);
        }

        @Test
        void aLightHostStillGetsPicked() {
            Map<String, Integer> m = counts(picks(cluster("LB_RANDOM", 1, 128), 60_000));
            // expectation ~465, sd ~21
            assertThat(m.get("127.0.0.1:9001")).isBetween(250, 700);
            assertThat(m.get("127.0.0.1:9002")).isBetween(59_300, 59_750);
        }

        @Test
        void randomIsNotRoundRobin() {
            List<String> p = picks(cluster("LB_RANDOM", 1, 1), 200);
            boolean sawRepeat = false;
            for (int i = 1; i < p.size(); i++) {
                sawRepeat |= p.get(i).equals(p.get(i - 1));
            }
            // P(no repeat in 199 fair coin flips) = 2^-199
            assertThat(sawRepeat).isTrue();
        }
    }

    /** MOSN's {@code LB_REQUEST_ROUNDROBIN}: each request starts at the first host; a retry moves on. */
    @Nested
    class RequestRoundRobin {

        @Test
        void everyRequestGoesToTheFirstHostAsInMosn() {
            assertThat(counts(picks(cluster("LB_REQUEST_ROUNDROBIN", 1, 5, 1), 100))).containsExactly(Map.entry("127.0.0.1:9001", 100));
        }

        @Test
        void aRetryTakesTheNextHostInOrder() {
            Picker c = cluster("LB_REQUEST_ROUNDROBIN", 1, 1, 1);
            HostInfo first = c.chooseHost();
            HostInfo retry = c.balancer().choose(avoiding(first));
            assertThat(retry.address()).isEqualTo("127.0.0.1:9002");
            assertThat(c.balancer().choose(avoiding(first, retry)).address()).isEqualTo("127.0.0.1:9003");
        }
    }

    static io.mosn4j.api.upstream.LoadBalancerContext avoiding(HostInfo... tried) {
        List<HostInfo> avoid = List.of(tried);
        return new io.mosn4j.api.upstream.LoadBalancerContext() {
            @Override
            public long hashKey() {
                return -1;
            }

            @Override
            public Map<String, String> metadataMatch() {
                return Map.of();
            }

            @Override
            public boolean shouldAvoid(HostInfo host) {
                return avoid.contains(host);
            }

            @Override
            public io.mosn4j.api.stream.Headers requestHeaders() {
                return null;
            }

            @Override
            public io.mosn4j.api.stream.RequestInfo requestInfo() {
                return null;
            }
        };
    }
}
