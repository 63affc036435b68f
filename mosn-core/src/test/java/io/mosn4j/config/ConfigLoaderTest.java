package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import io.mosn4j.protocol.http2.Http2Options;
import io.mosn4j.server.ConfigCheck;
import io.mosn4j.server.Extensions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ConfigLoader}: MOSN's own files load unchanged; a wrong file is refused with one clear line. */
class ConfigLoaderTest {

    // ---------------------------------------------------------------- helpers

    private static Path sample(String name) {
        try {
            var url = ConfigLoaderTest.class.getResource("/mosn-samples/" + name);
            assertThat(url).as("test resource %s", name).isNotNull();
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** A small valid config; each error test changes exactly one piece of it. */
    static final String BASE = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 2,
                "routers": [{
                  "router_config_name": "r1",
                  "virtual_hosts": [{
                    "name": "vh",
                    "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c1", "timeout": "2s"}}]
                  }]
                }],
                "listeners": [{
                  "name": "l1",
                  "address": "127.0.0.1:2045",
                  "bind_port": true,
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r1"}}]}]
                }]
              }],
              "cluster_manager": {"clusters": [{
                "name": "c1",
                "type": "SIMPLE",
                "lb_type": "LB_RANDOM",
                "connect_timeout": "3s",
                "hosts": [{"address": "127.0.0.1:8080"}]
              }]},
              "admin": {"address": {"socket_address": {"address": "0.0.0.0", "port_value": 34901}}}
            }
            """;

    /** {@code text} with the one occurrence of {@code from} replaced (fails loudly if BASE drifts). */
    static String with(String text, String from, String to) {
        int i = text.indexOf(from);
        assertThat(i).as("\"%s\" occurs in the template", from).isGreaterThanOrEqualTo(0);
        assertThat(text.indexOf(from, i + 1)).as("\"%s\" occurs once in the template", from).isLessThan(0);
        return text.substring(0, i) + to + text.substring(i + from.length());
    }

    static String with(String from, String to) {
        return with(BASE, from, to);
    }

    static final Extensions EXTENSIONS = Extensions.load(ConfigLoaderTest.class.getClassLoader());

    static LoadedConfig parse(String json) {
        LoadedConfig loaded = ConfigLoader.parse(json, false);
        ConfigCheck.check(loaded, EXTENSIONS);
        return loaded;
    }

    /** What each listener's chains do, as the start-up log says it. */
    static Map<String, String> chains(LoadedConfig loaded) {
        return ConfigCheck.check(loaded, EXTENSIONS);
    }

    /** Parses {@code json}, expecting a refusal; checks the message is one clean line, and returns it. */
    static String error(String json) {
        return error(json, false);
    }

    static String error(String text, boolean yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigCheck.check(ConfigLoader.parse(text, yaml), EXTENSIONS));
        assertCleanMessage(e.getMessage());
        return e.getMessage();
    }

    static void assertCleanMessage(String m) {
        assertThat(m).as("error message").isNotBlank()
                .doesNotContain("\n").doesNotContain("\r")
                .doesNotContain("java.").doesNotContain("com.fasterxml").doesNotContain("io.mosn4j")
                .doesNotContain("`")                       // Jackson quotes type names in backticks
                .doesNotContain("Exception")
                .doesNotContainPattern("\\b[A-Z][A-Za-z]*Config\\b")  // record names (ClusterConfig, ...)
                .doesNotContain("Source:").doesNotContain("[Source");
    }

    // ---------------------------------------------------------------- MOSN's own sample files

    @Nested
    class MosnSamples {

        @Test
        void httpSampleLoadsUnchanged() {
            LoadedConfig loaded = ConfigLoader.load(sample("http-sample.json"));
            assertHttpSample(loaded);
        }

        @Test
        void yamlCopyOfHttpSampleLoadsToTheSameConfig() {
            LoadedConfig json = ConfigLoader.load(sample("http-sample.json"));
            LoadedConfig yaml = ConfigLoader.load(sample("http-sample.yaml"));
            assertHttpSample(yaml);
            assertThat(yaml.config()).isEqualTo(json.config());
            assertThat(chains(yaml)).isEqualTo(chains(json));
        }

        private void assertHttpSample(LoadedConfig loaded) {
            MosnConfig c = loaded.config();
            ServerConfig server = c.server();
            assertThat(c.servers()).hasSize(1);
            assertThat(server.defaultLogPath()).isEqualTo("stdout");
            assertThat(server.defaultLogLevel()).isEqualTo("INFO");
            assertThat(server.gracefulTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(server.routers()).extracting(RouterConfig::routerConfigName).containsExactly("server_router", "client_router");

            RouterConfig serverRouter = server.routers().get(0);
            assertThat(serverRouter.virtualHosts()).hasSize(1);
            VirtualHostConfig vh = serverRouter.virtualHosts().get(0);
            assertThat(vh.name()).isEqualTo("serverHost");
            assertThat(vh.domains()).containsExactly("*");
            assertThat(vh.routers()).hasSize(1);
            assertThat(vh.routers().get(0).match().prefix()).isEqualTo("/");
            assertThat(vh.routers().get(0).route().clusterName()).isEqualTo("serverCluster");
            assertThat(vh.routers().get(0).route().timeout()).isNull();
            assertThat(server.routers().get(1).virtualHosts().get(0).name()).isEqualTo("clientHost");
            assertThat(server.routers().get(1).virtualHosts().get(0).routers().get(0).route().clusterName()).isEqualTo("clientCluster");

            assertThat(server.listeners()).extracting(ListenerConfig::name).containsExactly("serverListener", "clientListener");
            assertThat(server.listeners()).extracting(ListenerConfig::address).containsExactly("127.0.0.1:2046", "127.0.0.1:2045");
            assertThat(server.listeners()).extracting(ListenerConfig::bindPort).containsExactly(true, true);

            ListenerConfig serverListener = server.listeners().get(0);
            ListenerConfig clientListener = server.listeners().get(1);
            assertThat(chains(loaded)).containsEntry(serverListener.name(), "proxy Http1 -> Http1 (router server_router)")
                    .containsEntry(clientListener.name(), "proxy Http1 -> Http1 (router client_router)");

            List<ClusterConfig> clusters = c.clusterManager().clusters();
            assertThat(clusters).extracting(ClusterConfig::name).containsExactly("serverCluster", "clientCluster");
            for (ClusterConfig cl : clusters) {
                assertThat(cl.type()).isEqualTo("SIMPLE");
                assertThat(cl.lbType()).isEqualTo("LB_RANDOM");
                assertThat(cl.maxRequestPerConn()).isEqualTo(1024L);
                assertThat(cl.connBufferLimitBytes()).isEqualTo(32768L);
                assertThat(cl.connectTimeout()).as("default connect_timeout").isEqualTo(Duration.ofSeconds(3));
                assertThat(cl.hosts()).hasSize(1);
                assertThat(cl.hosts().get(0).weight()).as("default weight").isEqualTo(1);
            }
            assertThat(clusters.get(0).hosts().get(0).address()).isEqualTo("127.0.0.1:8080");
            assertThat(clusters.get(1).hosts().get(0).address()).isEqualTo("127.0.0.1:2046");

            assertThat(c.admin()).isNotNull();
            assertThat(c.admin().address().socketAddress().address()).isEqualTo("0.0.0.0");
            assertThat(c.admin().address().socketAddress().portValue()).isEqualTo(34901);
        }

        @Test
        void tcpProxySampleLoadsUnchanged() {
            LoadedConfig loaded = ConfigLoader.load(sample("tcpproxy-sample.json"));
            MosnConfig c = loaded.config();
            ListenerConfig listener = c.server().listeners().get(0);
            assertThat(listener.name()).isEqualTo("proxyListener");
            assertThat(listener.address()).isEqualTo("127.0.0.1:2045");
            assertThat(listener.bindPort()).isTrue();
            assertThat(listener.filterChains()).hasSize(1);
            assertThat(listener.filterChains().get(0).filters()).extracting(FilterConfig::type).containsExactly("tcp_proxy");

            assertThat(chains(loaded)).containsEntry("proxyListener", "tcp_proxy (cluster serverCluster)");
            TcpProxyConfig t = ConfigLoader.convert(loaded.root().get("servers").at(0).get("listeners").at(0).get("filter_chains").at(0)
                    .get("filters").at(0).get("config").node(), TcpProxyConfig.class, "");
            assertThat(t.cluster()).isEqualTo("serverCluster");
            assertThat(t.routes()).extracting(TcpRouteConfig::cluster).containsExactly("serverCluster");
            assertThat(t.idleTimeout()).as("default idle_timeout").isEqualTo(Duration.ofHours(1));
            assertThat(t.maxConnectAttempts()).isEqualTo(1);

            // the sample spells the cluster key "Name"
            ClusterConfig cluster = c.clusterManager().clusters().get(0);
            assertThat(cluster.name()).isEqualTo("serverCluster");
            assertThat(cluster.lbType()).isEqualTo("LB_RANDOM");
            assertThat(cluster.hosts()).extracting(HostConfig::address).containsExactly("127.0.0.1:8080");
            assertThat(c.admin()).isNull();
        }

        @Test
        void staticExampleFromMosnDocsSpeaksBoltThroughItsModule() {
            LoadedConfig loaded = ConfigLoader.load(sample("static-example-sofarpc.json"));
            // SofaRpc is bolt's old name; the router comes from the connection_manager filter of the same chain
            assertThat(chains(loaded)).containsEntry("0.0.0.0:12220", "proxy bolt -> bolt (router test_router) + connection_manager");
        }

        @Test
        void withoutItsModuleARpcProtocolIsRefusedSayingSo() {
            Extensions noRpc = new Extensions(new io.mosn4j.protocol.Codecs(EXTENSIONS.codecs().all().stream()
                    .filter(c -> c.family().equals("http")).toList()), EXTENSIONS.streamFilters(), EXTENSIONS.networkFilters(),
                    EXTENSIONS.listenerFilters(), EXTENSIONS.balancers(), EXTENSIONS.variables(), EXTENSIONS.features(),
                    EXTENSIONS.certificateProviders());
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigCheck.check(ConfigLoader.load(sample("static-example-sofarpc.json")), noRpc));
            assertCleanMessage(e.getMessage());
            assertThat(e.getMessage()).isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.downstream_protocol: "
                    + "protocol \"SofaRpc\" is not available: its module (mosn-protocol-*) is not on the class path");
            assertThat(e.field()).isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.downstream_protocol");
        }

        @Test
        void staticExampleFromMosnDocsLoadsOnceItSpeaksHttp1() throws Exception {
            String text = java.nio.file.Files.readString(sample("static-example-sofarpc.json")).replace("SofaRpc", "Http1");
            LoadedConfig loaded = parse(text);
            ServerConfig server = loaded.config().server();
            assertThat(server.defaultLogLevel()).isEqualTo("DEBUG");
            assertThat(server.processor()).isEqualTo(4);
            assertThat(server.eventLoops()).isEqualTo(4);
            ListenerConfig listener = server.listeners().get(0);
            assertThat(listener.name()).as("a listener without a name is named by its address").isEqualTo("0.0.0.0:12220");
            // the router comes from the connection_manager filter of the same chain
            assertThat(chains(loaded)).containsEntry(listener.name(), "proxy Http1 -> Http1 (router test_router) + connection_manager");
            ClusterConfig cluster = loaded.config().clusterManager().clusters().get(0);
            assertThat(cluster.type()).as("default cluster type").isEqualTo("SIMPLE");
            assertThat(cluster.lbType()).isEqualTo("LB_ROUNDROBIN");
        }
    }

    // ---------------------------------------------------------------- keys, unknown sections

    @Nested
    class Keys {

        @ParameterizedTest(name = "processor {0}")
        @CsvSource(delimiter = '|', value = {
                "4          | 4",
                "\"4\"      | 4",
                "\" 3 \"    | 3",
                "2.7        | 2",
                "\"auto\"   | 0",
                "\"AUTO\"   | 0",
                "0          | 0",
                "-1         | -1",
        })
        void processorTakesMosnsValues(String literal, int expected) {
            ConfigWarnings warnings = new ConfigWarnings();
            LoadedConfig loaded = warnings.collect(() -> parse(with("\"processor\": 2", "\"processor\": " + literal.trim())));
            ServerConfig server = loaded.config().server();
            assertThat(server.processor()).isEqualTo(expected);
            assertThat(server.eventLoops()).isEqualTo(expected >= 1 ? expected : Runtime.getRuntime().availableProcessors());
            assertThat(warnings.all()).isEmpty();
        }

        @Test
        void processorThatIsNeitherANumberNorAutoMeansAutoWithAWarning() {
            ConfigWarnings warnings = new ConfigWarnings();
            LoadedConfig loaded = warnings.collect(() -> parse(with("\"processor\": 2", "\"processor\": \"two\"")));
            assertThat(loaded.config().server().eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(warnings.all()).containsExactly("servers[0].processor: \"two\" is neither a number nor \"auto\"; using auto ("
                    + Runtime.getRuntime().availableProcessors() + " CPUs)");
            assertThat(error(with("\"processor\": 2", "\"processor\": true"))).startsWith("servers[0].processor: ");
        }

        @Test
        void baseTemplateIsValid() {
            LoadedConfig loaded = parse(BASE);
            assertThat(loaded.config().server().processor()).isEqualTo(2);
            assertThat(loaded.config().server().routers().get(0).virtualHosts().get(0).routers().get(0).route().timeout())
                    .isEqualTo(Duration.ofSeconds(2));
        }

        @Test
        void keysMatchIgnoringCase() {
            String json = """
                    {
                      "Servers": [{
                        "Default_Log_Path": "stdout",
                        "DEFAULT_LOG_LEVEL": "warn",
                        "Routers": [{
                          "Router_Config_Name": "r1",
                          "Virtual_Hosts": [{"Name": "vh", "Domains": ["*"],
                            "Routers": [{"Match": {"Prefix": "/api"}, "Route": {"Cluster_Name": "c1", "Timeout": "5s"}}]}]
                        }],
                        "Listeners": [{
                          "Name": "l1", "Address": "127.0.0.1:2045", "Bind_Port": false,
                          "Filter_Chains": [{"Filters": [{"Type": "proxy", "Config": {"Downstream_Protocol": "Http1", "ROUTER_CONFIG_NAME": "r1"}}]}]
                        }]
                      }],
                      "Cluster_Manager": {"Clusters": [{
                        "Name": "c1", "Type": "SIMPLE", "LB_Type": "LB_ROUNDROBIN", "Connect_Timeout": "250ms",
                        "Max_Request_Per_Conn": 7, "Hosts": [{"Address": "127.0.0.1:8080", "Weight": 5}]
                      }]},
                      "Admin": {"Address": {"Socket_Address": {"Address": "127.0.0.1", "Port_Value": 34902}}}
                    }
                    """;
            LoadedConfig loaded = parse(json);
            ServerConfig server = loaded.config().server();
            assertThat(server.defaultLogPath()).isEqualTo("stdout");
            assertThat(server.defaultLogLevel()).isEqualTo("WARN");
            ListenerConfig l = server.listeners().get(0);
            assertThat(l.name()).isEqualTo("l1");
            assertThat(l.bindPort()).isFalse();
            var route = server.routers().get(0).virtualHosts().get(0).routers().get(0);
            assertThat(route.match().prefix()).isEqualTo("/api");
            assertThat(route.route().timeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(chains(loaded)).containsEntry("l1", "proxy Http1 -> Http1 (router r1)");
            ClusterConfig c = loaded.config().clusterManager().clusters().get(0);
            assertThat(c.name()).isEqualTo("c1");
            assertThat(c.lbType()).isEqualTo("LB_ROUNDROBIN");
            assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(250));
            assertThat(c.maxRequestPerConn()).isEqualTo(7L);
            assertThat(c.hosts().get(0).weight()).isEqualTo(5);
            assertThat(loaded.config().admin().address().socketAddress().portValue()).isEqualTo(34902);
        }

        @Test
        void enumValuesAreExactNotCaseInsensitive() {
            assertThat(error(with("\"lb_type\": \"LB_RANDOM\"", "\"lb_type\": \"lb_random\"")))
                    .isEqualTo("cluster_manager.clusters[0].lb_type: unknown value \"lb_random\" (expected "
                            + "LB_RANDOM, LB_ROUNDROBIN, LB_WEIGHTED_ROUNDROBIN, LB_LEAST_REQUEST, LB_LEAST_CONNECTION, LB_MAGLEV, LB_RINGHASH, LB_PEAK_EWMA or LB_REQUEST_ROUNDROBIN)");
            assertThat(error(with("\"type\": \"SIMPLE\"", "\"type\": \"simple\"")))
                    .isEqualTo("cluster_manager.clusters[0].type: unknown value \"simple\" (expected SIMPLE or STRICT_DNS)");
        }

        @Test
        void mosnSectionsThatOnlyObserveAreWarnedAboutOnceEachByPath() {
            String json = with(BASE, "\"servers\": [{", """
                    "tracing": {"enable": true, "driver": "SOFATracer", "config": {"generator": "mosn"}},
                    "pprof": {"debug": true, "port_value": 34902},
                    "disable_upgrade": true,
                    "metrics": {"sinks": [{"type": "prometheus", "config": {"port": 34903}}], "stats_matcher": {"reject_all": false},
                      "shm_zone": "mosn"},
                    "close_graceful": true,
                    "servers": [{
                      "mosn_server_name": "mosn_server_1",
                      "global_log_roller": "time=24",
                    """);
            json = with(json, "\"bind_port\": true,", """
                    "bind_port": true,
                    "type": "ingress",
                    "log_path": "stdout",
                    "log_level": "DEBUG",
                    "inspector": true,
                    "stream_filters": [
                      {"type": "healthcheck", "config": {"passthrough": false, "cache_time": "1m"}}
                    ],
                    "access_logs": [{"log_path": "stdout", "log_format": "%start_time% %request_received_duration%"}],
                    """);
            json = with(json, "\"connect_timeout\": \"3s\",", """
                    "connect_timeout": "3s",
                    "circuit_breakers": [{"priority": "HIGH", "max_connections": 100}],
                    "health_check": {},
                    "lb_subset_config": {},
                    "keepalive": {"interval": "15s"},
                    "cluster_unknown_field": "x",
                    """);
            ConfigWarnings warnings = new ConfigWarnings();
            String config = json;
            LoadedConfig loaded = warnings.collect(() -> parse(config));
            warnings.collect(() -> chains(loaded)); // checked again, as the start builds it again: no second line
            assertThat(loaded.config().server().listeners().get(0).streamFilters()).hasSize(1);
            assertThat(warnings.all()).containsExactlyInAnyOrder(
                    "tracing: tracing is not supported yet; ignored",
                    "pprof: pprof is Go's profiler; use JFR with mosn4j; ignored",
                    "metrics.shm_zone: shared-memory metrics (for MOSN's hot upgrade) are not used; ignored",
                    "servers[0].listeners[0].log_path: per-listener logs are not supported; everything goes to default_log_path; ignored",
                    "servers[0].listeners[0].log_level: per-listener log levels are not supported; default_log_level applies; ignored",
                    "servers[0].listeners[0].inspector: no filter chain of this listener has TLS: every client is plaintext already",
                    "servers[0].listeners[0].stream_filters[0]: MOSN no longer has a healthcheck stream filter (it skips it too); "
                            + "the RPC protocols answer heartbeats themselves; ignored",
                    "cluster_manager.clusters[0].circuit_breakers[0].priority: circuit breakers are not grouped by priority "
                            + "(as in MOSN): this entry's limits apply to every request; ignored",
                    "cluster_manager.clusters[0].cluster_unknown_field: unknown field; ignored");
        }

        @Test
        void warningsNameTheFieldWhereverItSitsAmongKnownKeys() {
            // Jackson builds a record as soon as its last component is read and handles the unknown
            // keys it met so far then, the rest as they come: each must still get its own path
            String json = with(BASE, "\"admin\":", "\"metrics\": {\"shm_zone\": \"m\"}, \"admin\":");
            json = with(json, "\"port_value\": 34901}}}", "\"port_value\": 34901}}}, \"pprof\": {\"debug\": true}");
            json = with(json, "\"name\": \"l1\",", "\"default_read_buffer_size\": 4096, \"name\": \"l1\",");
            json = with(json, "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}], \"sub_cluster\": \"x\"");
            ConfigWarnings warnings = new ConfigWarnings();
            String config = json;
            warnings.collect(() -> parse(config));
            assertThat(warnings.all()).extracting(w -> w.substring(0, w.indexOf(':'))).containsExactlyInAnyOrder(
                    "metrics.shm_zone", "pprof", "servers[0].listeners[0].default_read_buffer_size", "cluster_manager.clusters[0].sub_cluster");
        }

        @Test
        void extendConfigIsEveryProtocolsBagSoOtherProtocolsKeysAreNotUnknown() {
            ConfigWarnings warnings = new ConfigWarnings();
            warnings.collect(() -> parse(with("\"downstream_protocol\": \"Http1\",", """
                    "downstream_protocol": "Auto", "extend_config": {"sub_protocol": "bolt", "http2_use_stream": true, "max_concurrent_streams": 100},""")));
            assertThat(warnings.all()).isEmpty();
        }

        @Test
        void fieldsSetToOffAreNotWarnedAbout() {
            String json = with(BASE, "\"servers\": [{", """
                    "tracing": {"enable": false, "driver": "SOFATracer"},
                    "pprof": {"debug": false, "port_value": 34902},
                    "metrics": {"sinks": []},
                    "servers": [{
                      "use_netpoll_mode": false,
                    """);
            json = with(json, "\"bind_port\": true,", """
                    "bind_port": true, "inspector": false, "use_original_dst": "", "network": "tcp", "log_path": "",
                    """);
            json = with(json, "\"route\": {\"cluster_name\": \"c1\", \"timeout\": \"2s\"}",
                    "\"route\": {\"cluster_name\": \"c1\", \"timeout\": \"2s\", \"retry_policy\": {\"retry_on\": false, \"num_retries\": 3}}");
            ConfigWarnings warnings = new ConfigWarnings();
            String config = json;
            warnings.collect(() -> parse(config));
            assertThat(warnings.all()).isEmpty();
        }

        /** Each: text of BASE, its replacement, the path refused and why. */
        @ParameterizedTest(name = "{2}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
                "`\"servers\": [{`|`\"dynamic_resources\": {\"ads_config\": {\"api_type\": \"GRPC\"}}, \"servers\": [{`"
                        + "|dynamic_resources|an Envoy bootstrap section, read only when the file is given to mosn start",
                "`\"servers\": [{`|`\"static_resources\": {\"clusters\": [{\"name\": \"xds\"}]}, \"servers\": [{`"
                        + "|static_resources|an Envoy bootstrap section, read only when the file is given to mosn start",
                "`\"servers\": [{`|`\"extends\": [{\"type\": \"dubbo_registry\", \"config\": {}}], \"servers\": [{`"
                        + "|extends[0].type|extension config \"dubbo_registry\" is not supported yet (supported: holmes)",
                "`\"clusters\": [{`|`\"tls_context\": {\"status\": true}, \"clusters\": [{`"
                        + "|cluster_manager.tls_context|a TLS context shared by the clusters (with cluster_manager_tls) is not supported yet",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefx\": \"/admin\"}`"
                        + "|servers[0].routers[0].virtual_hosts[0].routers[0].match.prefx|unknown match field; refused rather than matching more",
                "`\"domains\": [\"*\"],`|`\"domains\": [\"*\"], \"require_tls\": \"ALL\",`"
                        + "|servers[0].routers[0].virtual_hosts[0].require_tls|require_tls is not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"use_original_dst\": \"tproxy\",`"
                        + "|servers[0].listeners[0].use_original_dst|transparent interception (\"tproxy\") is not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"use_original_dst\": \"redirect\",`"
                        + "|servers[0].listeners[0].use_original_dst|transparent interception (\"redirect\") is not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"use_original_dst\": true,`"
                        + "|servers[0].listeners[0].use_original_dst|transparent interception (\"true\") is not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"use_original_dst\": \"dnat\",`"
                        + "|servers[0].listeners[0].use_original_dst|unknown value \"dnat\" (expected \"tproxy\" or \"redirect\"",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"network\": \"udp\",`"
                        + "|servers[0].listeners[0].network|listeners other than tcp are not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"stream_filters\": [{\"type\": \"mixer\", \"config\": {}}],`"
                        + "|servers[0].listeners[0].stream_filters[0].type|MOSN's stream filter \"mixer\" is not supported yet",
                "`\"bind_port\": true,`|`\"bind_port\": true, \"stream_filters\": [{\"type\": \"seata\", \"config\": {}}],`"
                        + "|servers[0].listeners[0].stream_filters[0].type|MOSN's stream filter \"seata\" is not supported yet",
                "`\"router_config_name\": \"r1\"}`|`\"router_config_name\": \"r1\", \"fallback_for_unknown_protocol\": true}`"
                        + "|servers[0].listeners[0].filter_chains[0].filters[0].config.fallback_for_unknown_protocol|falling back to tcp_proxy",
        })
        void mosnFieldsThatWouldChangeSecurityOrRoutingAreRefusedByPath(String from, String to, String path, String why) {
            String message = error(with(from, to));
            assertThat(message).startsWith(path + ": " + why);
            assertThat(message).doesNotContain("unknown value \"LB").doesNotContain("ignored");
        }

        @Test
        void listenerUseOriginalDstTakesMosnsStringAndEmptyOrFalseIsOff() {
            for (String off : new String[] {"\"\"", "false", "\"false\"", "null"}) {
                LoadedConfig loaded = parse(with("\"bind_port\": true,", "\"bind_port\": true, \"use_original_dst\": " + off + ","));
                assertThat(loaded.config().server().listeners().get(0).useOriginalDst()).as(off).isNull();
            }
        }

        @Test
        void requestRoundRobinIsMosnsNameAndLoads() {
            LoadedConfig loaded = parse(with("\"lb_type\": \"LB_RANDOM\"", "\"lb_type\": \"LB_REQUEST_ROUNDROBIN\""));
            assertThat(loaded.config().clusterManager().clusters().get(0).lbType()).isEqualTo("LB_REQUEST_ROUNDROBIN");
        }

        @Test
        void aConfigWithNoListenersIsRefusedUnlessTheDebugApiCanAddThem() {
            String noListeners = """
                    {"servers": [{"default_log_path": "stdout"}],
                     "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 34901}}}}
                    """;
            assertThat(error(noListeners)).startsWith("servers[0].listeners: no listeners, so nothing would be served");
            assertThat(error("{\"grafana\": {\"panels\": []}}")).startsWith("servers[0].listeners: no listeners");
            Extensions debugApi = EXTENSIONS.withFeatures(EXTENSIONS.features().with("debug_api=true"));
            ConfigCheck.check(ConfigLoader.parse(noListeners, false), debugApi);
        }

        @Test
        void adminWithoutAnAddressListensOnLoopbackOnly() {
            LoadedConfig loaded = parse(with("\"address\": \"0.0.0.0\", \"port_value\": 34901", "\"port_value\": 34901"));
            assertThat(loaded.config().admin().address().socketAddress().address()).isEqualTo("127.0.0.1");
        }

        @Test
        void aDumpLoadsBackWithItsWarningsKey() {
            ConfigWarnings warnings = new ConfigWarnings();
            warnings.collect(() -> parse(with("\"servers\": [{", "\"warnings\": [\"tracing: ...\"], \"servers\": [{")));
            assertThat(warnings.all()).isEmpty();
        }

        @Test
        void tlsContextWithStatusFalseIsPlaintextAndStatusTrueNeedsACertificate() {
            parse(with("\"filter_chains\": [{\"filters\"", "\"filter_chains\": [{\"tls_context\": {\"status\": false}, \"filters\""));
            assertThat(error(with("\"filter_chains\": [{\"filters\"", "\"filter_chains\": [{\"tls_context\": {\"status\": true}, \"filters\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].tls_context.cert_chain: required: a listener's TLS needs cert_chain and "
                            + "private_key");
        }

        /** A tls_context key mosn4j does not know (a pin, a CRL, a TLCP switch) would run weaker TLS than asked: refused by path. */
        @ParameterizedTest(name = "{2}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
                "`\"filter_chains\": [{\"filters\"`|`\"filter_chains\": [{\"tls_context\": {\"status\": true, \"crl\": \"/etc/crl.pem\"}, \"filters\"`"
                        + "|servers[0].listeners[0].filter_chains[0].tls_context.crl",
                "`\"filter_chains\": [{\"filters\"`|`\"filter_chains\": [{\"tls_context_set\": [{\"status\": true, \"tlcp\": true}], \"filters\"`"
                        + "|servers[0].listeners[0].filter_chains[0].tls_context_set[0].tlcp",
                "`\"connect_timeout\": \"3s\",`|`\"tls_context\": {\"status\": true, \"pin_sha256\": [\"abc\"]},`"
                        + "|cluster_manager.clusters[0].tls_context.pin_sha256"})
        void tlsContextKeysMosn4jDoesNotKnowAreRefusedByPath(String from, String to, String path) {
            assertThat(error(with(from, to))).startsWith(path + ": not a tls_context field mosn4j supports (status, type, server_name,");
        }

        @Test
        void tlsContextKeysSetToNothingAreNotRefused() {
            parse(with("\"filter_chains\": [{\"filters\"", "\"filter_chains\": [{\"tls_context\": {\"status\": false, \"crl\": \"\"}, \"filters\""));
        }

        @Test
        void outlierDetectionHasEnvoysNamesAndDefaults() {
            ConfigWarnings warnings = new ConfigWarnings();
            LoadedConfig loaded = warnings.collect(() -> parse(with("\"connect_timeout\": \"3s\",", """
                    "connect_timeout": "3s",
                    "outlier_detection": {"consecutive_5xx": 3, "interval": "1s", "base_ejection_time": "2s", "max_ejection_percent": 50,
                                          "enforcing_consecutive_5xx": 100},
                    """)));
            OutlierDetectionConfig od = loaded.config().clusterManager().clusters().get(0).outlierDetection();
            assertThat(warnings.all()).isEmpty();
            assertThat(od.consecutive5xx()).isEqualTo(3);
            assertThat(od.enforcingConsecutive5xx()).isEqualTo(100);
            assertThat(od.interval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(od.baseEjectionTime()).isEqualTo(Duration.ofSeconds(2));
            assertThat(od.maxEjectionPercent()).isEqualTo(50);
            assertThat(od.consecutiveGatewayFailure()).isEqualTo(5);
            assertThat(od.enforcingConsecutiveGatewayFailure()).isZero();
            assertThat(od.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
            assertThatThrownBy(() -> parse(with("\"connect_timeout\": \"3s\",",
                    "\"connect_timeout\": \"3s\", \"outlier_detection\": {\"max_ejection_percent\": 101},")))
                    .hasMessageContaining("cluster_manager.clusters[0].outlier_detection.max_ejection_percent: must be 0..100, got 101");
        }
    }

    // ---------------------------------------------------------------- durations

    @Nested
    class Durations {

        @ParameterizedTest(name = "timeout {0} -> {1}")
        @CsvSource(delimiter = '|', value = {
                "\"1s\"        | PT1S",
                "\"500ms\"     | PT0.5S",
                "\"1m30s\"     | PT1M30S",
                "\"1h\"        | PT1H",
                "\"1.5s\"      | PT1.5S",
                "\"1h2m3.5s\"  | PT1H2M3.5S",
                "\"250us\"     | PT0.00025S",
                "\"0\"         | PT0S",
                "1000000000    | PT1S",          // a bare number is nanoseconds, like Go's time.Duration
                "1500000       | PT0.0015S",
                "0             | PT0S",
        })
        void routeTimeoutTakesGoDurationsAndNanosecondNumbers(String literal, Duration expected) {
            LoadedConfig loaded = parse(with("\"timeout\": \"2s\"", "\"timeout\": " + literal.trim()));
            assertThat(loaded.config().server().routers().get(0).virtualHosts().get(0).routers().get(0).route().timeout())
                    .isEqualTo(expected);
        }

        @Test
        void durationsWorkInYamlToo() {
            String yaml = """
                    cluster_manager:
                      clusters:
                        - name: c1
                          connect_timeout: 1m30s
                          hosts: [{address: "127.0.0.1:8080"}]
                        - name: c2
                          connect_timeout: 500000000
                    """;
            var clusters = ConfigLoader.parse(yaml, true).config().clusterManager().clusters();
            assertThat(clusters.get(0).connectTimeout()).isEqualTo(Duration.ofSeconds(90));
            assertThat(clusters.get(1).connectTimeout()).isEqualTo(Duration.ofMillis(500));
        }

        @ParameterizedTest
        @ValueSource(strings = {"10x", "abc", "1", "s", "1..5s", "-", "1 s", "5S", "1e3s"})
        void badDurationNamesTheField(String bad) {
            String m = error(with("\"connect_timeout\": \"3s\"", "\"connect_timeout\": \"" + bad + "\""));
            assertThat(m).startsWith("cluster_manager.clusters[0].connect_timeout: ").contains("\"" + bad + "\"");
        }

        @Test
        void badDurationMessageSaysWhatADurationLooksLike() {
            assertThat(error(with("\"timeout\": \"2s\"", "\"timeout\": \"10x\"")))
                    .startsWith("servers[0].routers[0].virtual_hosts[0].routers[0].route.timeout: ")
                    .contains("\"10x\"")
                    .containsAnyOf("\"1s\"", "\"500ms\"", "unit");
        }

        @Test
        void durationOfTheWrongJsonTypeNamesTheField() {
            assertThat(error(with("\"connect_timeout\": \"3s\"", "\"connect_timeout\": true")))
                    .isEqualTo("cluster_manager.clusters[0].connect_timeout: expected a duration such as \"1s\"");
            assertThat(error(with("\"connect_timeout\": \"3s\"", "\"connect_timeout\": {\"seconds\": 3}")))
                    .isEqualTo("cluster_manager.clusters[0].connect_timeout: expected a duration such as \"1s\"");
        }

        @Test
        void requestHeadersTimeoutAndMaxConnectionsHaveDefaultsAndAreRead() {
            ListenerConfig dflt = parse(BASE).config().server().listeners().get(0);
            assertThat(dflt.requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(dflt.maxConnections()).isZero();
            assertThat(parse(BASE).config().server().maxConnections()).isNull(); // resolved from the fd limit at start
            LoadedConfig set = parse(with(with("\"bind_port\": true,", "\"bind_port\": true, \"request_headers_timeout\": \"10s\", \"max_connections\": 500,"),
                    "\"processor\": 2,", "\"processor\": 2, \"max_connections\": 20000,"));
            ListenerConfig l = set.config().server().listeners().get(0);
            assertThat(l.requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(l.maxConnections()).isEqualTo(500);
            assertThat(set.config().server().maxConnections()).isEqualTo(20000);
            assertThat(parse(with("\"bind_port\": true,", "\"bind_port\": true, \"request_headers_timeout\": \"0s\","))
                    .config().server().listeners().get(0).requestHeadersTimeout()).as("0s: no limit").isZero();
        }

        @Test
        void badRequestHeadersTimeoutAndMaxConnectionsNameTheField() {
            assertThat(error(with("\"bind_port\": true,", "\"bind_port\": true, \"request_headers_timeout\": \"-1s\",")))
                    .isEqualTo("servers[0].listeners[0].request_headers_timeout: must not be negative");
            assertThat(error(with("\"bind_port\": true,", "\"bind_port\": true, \"max_connections\": -3,")))
                    .isEqualTo("servers[0].listeners[0].max_connections: must not be negative, got -3");
            assertThat(error(with("\"processor\": 2,", "\"processor\": 2, \"max_connections\": -1,")))
                    .isEqualTo("servers[0].max_connections: must not be negative, got -1");
            assertThat(error(with("\"bind_port\": true,", "\"bind_port\": true, \"max_connections\": \"many\",")))
                    .startsWith("servers[0].listeners[0].max_connections: ");
        }

        @Test
        void negativeDurationsAreRefused() {
            assertThat(error(with("\"connect_timeout\": \"3s\"", "\"connect_timeout\": \"-1s\"")))
                    .isEqualTo("cluster_manager.clusters[0].connect_timeout: must not be negative");
            assertThat(error(with("\"timeout\": \"2s\"", "\"timeout\": \"-5ms\"")))
                    .isEqualTo("servers[0].routers[0].virtual_hosts[0].routers[0].route.timeout: must not be negative");
        }
    }

    // ---------------------------------------------------------------- errors

    @Nested
    class Errors {

        @Test
        void unknownLbType() {
            assertThat(error(with("\"lb_type\": \"LB_RANDOM\"", "\"lb_type\": \"LB_FOO\"")))
                    .isEqualTo("cluster_manager.clusters[0].lb_type: unknown value \"LB_FOO\" (expected "
                            + "LB_RANDOM, LB_ROUNDROBIN, LB_WEIGHTED_ROUNDROBIN, LB_LEAST_REQUEST, LB_LEAST_CONNECTION, LB_MAGLEV, LB_RINGHASH, LB_PEAK_EWMA or LB_REQUEST_ROUNDROBIN)");
        }

        @Test
        void knownButUnbuiltLbTypeAndClusterTypeSayNotSupportedYet() {
            assertThat(error(with("\"lb_type\": \"LB_RANDOM\"", "\"lb_type\": \"LB_ORIGINAL_DST\"")))
                    .isEqualTo("cluster_manager.clusters[0].lb_type: \"LB_ORIGINAL_DST\" is not supported yet (supported: LB_RANDOM, "
                            + "LB_ROUNDROBIN, LB_WEIGHTED_ROUNDROBIN, LB_LEAST_REQUEST, LB_LEAST_CONNECTION, LB_MAGLEV, LB_RINGHASH, "
                            + "LB_PEAK_EWMA, LB_REQUEST_ROUNDROBIN)");
            assertThat(error(with("\"type\": \"SIMPLE\"", "\"type\": \"EDS\"")))
                    .isEqualTo("cluster_manager.clusters[0].type: cluster type \"EDS\" is not supported yet (supported: SIMPLE or STRICT_DNS)");
            assertThat(error(with("\"type\": \"SIMPLE\"", "\"type\": \"ORIGINAL_DST\"")))
                    .isEqualTo("cluster_manager.clusters[0].type: cluster type \"ORIGINAL_DST\" is not supported yet (supported: SIMPLE or STRICT_DNS)");
        }

        @Test
        void hostsAsAStringInsteadOfAnArray() {
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", "\"hosts\": \"127.0.0.1:8080\"")))
                    .isEqualTo("cluster_manager.clusters[0].hosts: expected an array");
        }

        @Test
        void serversAsAnObjectInsteadOfAnArray() {
            String json = """
                    {"servers": {"default_log_path": "stdout"}}
                    """;
            assertThat(error(json)).isEqualTo("servers: expected an array");
        }

        @Test
        void clusterManagerAsAnArrayInsteadOfAnObject() {
            assertThat(error("{\"cluster_manager\": [1, 2]}")).isEqualTo("cluster_manager: expected an object");
        }

        @Test
        void portValueNotANumber() {
            assertThat(error(with("\"port_value\": 34901", "\"port_value\": \"abc\"")))
                    .isEqualTo("admin.address.socket_address.port_value: invalid value \"abc\" (expected an integer)");
        }

        @Test
        void portValueOutOfRange() {
            assertThat(error(with("\"port_value\": 34901", "\"port_value\": 70000")))
                    .isEqualTo("admin.address.socket_address.port_value: required, 0..65535");
        }

        @Test
        void partialFramesBufferLimitNegative() {
            assertThat(error(with("\"processor\": 2", "\"processor\": 2, \"partial_frames_buffer_limit_bytes\": -1")))
                    .isEqualTo("servers[0].partial_frames_buffer_limit_bytes: must not be negative, got -1");
        }

        @Test
        void partialFramesBufferLimitIsItsValueOrAQuarterOfDirectMemory() {
            ServerConfig unset = parse(BASE).config().server();
            assertThat(unset.partialFramesLimit(256L << 20)).isEqualTo(64L << 20);
            assertThat(unset.partialFramesLimit(0)).as("never less than 1 MiB").isEqualTo(1L << 20);
            ServerConfig set = parse(with("\"processor\": 2", "\"processor\": 2, \"partial_frames_buffer_limit_bytes\": 5000000")).config().server();
            assertThat(set.partialFramesLimit(256L << 20)).isEqualTo(5_000_000L);
        }

        @Test
        void routerNamedByProxyDoesNotExist() {
            assertThat(error(with("\"downstream_protocol\": \"Http1\", \"router_config_name\": \"r1\"",
                    "\"downstream_protocol\": \"Http1\", \"router_config_name\": \"nope\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.router_config_name: no router named \"nope\" in servers[0].routers");
        }

        @Test
        void proxyWithoutRouterName() {
            assertThat(error(with("\"downstream_protocol\": \"Http1\", \"router_config_name\": \"r1\"",
                    "\"downstream_protocol\": \"Http1\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.router_config_name: required");
        }

        @Test
        void unknownNetworkFilterType() {
            assertThat(error(with("\"type\": \"proxy\"", "\"type\": \"redis_proxy\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].type: unknown network filter \"redis_proxy\" (supported: proxy, tcp_proxy, connection_manager, tcpproxy)");
        }

        @Test
        void unknownProtocol() {
            assertThat(error(with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"Gopher\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.downstream_protocol: "
                            + "unknown value \"Gopher\" (expected Http1, Http2, Auto, X, bolt, boltv2)");
        }

        @Test
        void http2BothWaysWithMosnExtendConfig() {
            LoadedConfig c = parse(with(with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"Http2\", \"upstream_protocol\": \"http2\""),
                    "\"bind_port\": true,", "\"bind_port\": true, \"extend_config\": {\"Http2\": {\"http2_use_stream\": true}},"));
            assertThat(chains(c)).containsEntry("l1", "proxy Http2 -> Http2 (router r1)");
        }

        @Test
        void knownButUnbuiltProtocol() {
            assertThat(error(with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"dubbo_thrift\"")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.downstream_protocol: "
                            + "protocol \"dubbo_thrift\" is not supported yet (supported: Http1, Http2, Auto, X, bolt, boltv2)");
        }

        @Test
        void autoDownstreamMeansSameProtocolUpstream() {
            LoadedConfig c = parse(with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"auto\""));
            assertThat(chains(c)).containsEntry("l1", "proxy Auto -> Auto (router r1)");
        }

        @Test
        void http2LimitsFromExtendConfigFlatOrUnderHttp2Key() {
            String flat = with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"Http2\", \"extend_config\": "
                    + "{\"http2_use_stream\": true, \"Max_Concurrent_Streams\": 16, \"initial_stream_window_size\": 1048576, "
                    + "\"max_header_list_size\": 8192, \"max_resets_per_window\": 50, \"reset_window\": \"10s\"}");
            Http2Options o = http2Options(parse(flat));
            assertThat(o.maxConcurrentStreams()).isEqualTo(16);
            assertThat(o.initialStreamWindowSize()).isEqualTo(1048576);
            assertThat(o.initialConnectionWindowSize()).isEqualTo(16 * 1024 * 1024);
            assertThat(o.maxHeaderListSize()).isEqualTo(8192);
            assertThat(o.maxResetsPerWindow()).isEqualTo(50);
            assertThat(o.resetWindow()).isEqualTo(java.time.Duration.ofSeconds(10));

            String nested = with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"Auto\", \"extend_config\": "
                    + "{\"Http2\": {\"max_concurrent_streams\": 7}}");
            o = http2Options(parse(nested));
            assertThat(o.maxConcurrentStreams()).isEqualTo(7);
            assertThat(o.maxHeaderListSize()).isEqualTo(64 * 1024);
        }

        /** What the HTTP/2 codec reads from the first listener's proxy extend_config, as it does when the listener is built. */
        private Http2Options http2Options(LoadedConfig c) {
            JsonConfigValue ext = c.root().get("servers").at(0).get("listeners").at(0).get("filter_chains").at(0).get("filters").at(0)
                    .get("config").get("extend_config");
            return (Http2Options) EXTENSIONS.codecs().get("Http2").serverOptions(ext);
        }

        @Test
        void http2WindowBelowTheSpecMinimumIsRefusedNamingTheField() {
            assertThat(error(with("\"downstream_protocol\": \"Http1\"", "\"downstream_protocol\": \"Http2\", \"extend_config\": "
                    + "{\"Http2\": {\"initial_stream_window_size\": 1000}}")))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.extend_config.Http2.initial_stream_window_size: "
                            + "must be 65535..2147483647, got 1000");
        }

        @Test
        void clusterHttp2ProtocolOptionsWithKeepalive() {
            LoadedConfig c = parse(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]",
                    "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}], \"http2_protocol_options\": "
                            + "{\"max_header_list_size\": 4096, \"connection_keepalive\": {\"interval\": \"15s\", \"timeout\": \"3s\"}}"));
            Http2Options o = (Http2Options) EXTENSIONS.codecs().get("Http2").clientOptions(
                    c.root().get("cluster_manager").get("clusters").at(0));
            assertThat(o.maxHeaderListSize()).isEqualTo(4096);
            assertThat(o.connectionKeepalive().interval()).isEqualTo(java.time.Duration.ofSeconds(15));
            assertThat(o.connectionKeepalive().timeout()).isEqualTo(java.time.Duration.ofSeconds(3));
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]",
                    "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}], \"http2_protocol_options\": {\"connection_keepalive\": {\"interval\": \"-1s\"}}")))
                    .isEqualTo("cluster_manager.clusters[0].http2_protocol_options.connection_keepalive.interval: must not be negative");
        }

        /** Each circuit breaker refuses a negative limit naming its entry and field; 0 (unlimited) loads. */
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"max_connections", "max_pending_requests", "max_requests", "max_retries"})
        void negativeCircuitBreakerIsRefusedNamingTheField(String field) {
            String ok = "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}], \"circuit_breakers\": [{\"" + field + "\": 0}]";
            parse(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", ok));
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", ok.replace(": 0}", ": -1}"))))
                    .isEqualTo("cluster_manager.clusters[0].circuit_breakers[0]." + field + ": must not be negative, got -1");
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", ok.replace(": 0}", ": \"many\"}"))))
                    .isEqualTo("cluster_manager.clusters[0].circuit_breakers[0]." + field + ": invalid value \"many\" (expected an integer)");
        }

        @Test
        void circuitBreakersAsAnObjectInsteadOfAnArray() {
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]",
                    "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}], \"circuit_breakers\": {\"max_requests\": 1}")))
                    .isEqualTo("cluster_manager.clusters[0].circuit_breakers: expected an array");
        }

        @Test
        void duplicateClusterNames() {
            String json = with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]",
                    "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]}, {\"name\": \"c1\", \"hosts\": [{\"address\": \"127.0.0.1:8081\"}]");
            assertThat(error(json)).isEqualTo("cluster_manager.clusters[1].name: duplicate cluster name \"c1\"");
        }

        @Test
        void duplicateListenerNames() {
            String json = with("\"listeners\": [{", """
                    "listeners": [{
                      "name": "l1", "address": "127.0.0.1:2046",
                      "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "c1"}}]}]
                    }, {
                    """);
            assertThat(error(json)).isEqualTo("servers[0].listeners[1].name: duplicate listener name \"l1\"");
        }

        /** Clusters and listeners refuse duplicate names; a second router of the same name silently replaces the first. */
        @Test
        void duplicateRouterNames() {
            String json = with("\"routers\": [{\n      \"router_config_name\": \"r1\",",
                    "\"routers\": [{\"router_config_name\": \"r1\", \"virtual_hosts\": []}, {\n      \"router_config_name\": \"r1\",");
            assertThat(error(json)).isEqualTo("servers[0].routers[1].router_config_name: duplicate router name \"r1\"");
        }

        @Test
        void clusterWithoutName() {
            assertThat(error(with("\"name\": \"c1\",", "")))
                    .isEqualTo("cluster_manager.clusters[0].name: required");
        }

        @Test
        void malformedJsonReportsLineAndColumn() {
            // line 3 lacks the comma after "stdout"
            String json = "{\n  \"servers\": [{\n    \"default_log_path\": \"stdout\"\n    \"processor\": 2\n  }]\n}\n";
            String m = error(json);
            assertThat(m).startsWith("malformed JSON at line 4, column 5: ");
        }

        @Test
        void truncatedJsonIsOneCleanLine() {
            assertThat(error("{\"servers\": [")).startsWith("malformed JSON at line 1, column ");
        }

        /** A stray "}" left after editing, or two configs pasted into one file: Go's decoder refuses both. */
        @Test
        void trailingContentAfterTheConfigIsRefused() {
            assertThat(error(BASE + "}")).startsWith("malformed JSON at line ");
            assertThat(error(BASE + BASE)).startsWith("malformed JSON at line ");
        }

        @Test
        void malformedYamlReportsLineAndColumn() {
            String yaml = "servers:\n  - default_log_path: stdout\n   processor: [1\n";
            assertThat(error(yaml, true)).startsWith("malformed YAML at line ");
        }

        @Test
        void configThatIsNotAnObject() {
            assertThat(error("[1, 2, 3]")).isEqualTo("the config must be a JSON object");
            assertThat(error("", false)).isEqualTo("the config must be a JSON object");
        }

        @Test
        void listenerWithoutAddress() {
            assertThat(error(with("\"address\": \"127.0.0.1:2045\",", "")))
                    .isEqualTo("servers[0].listeners[0].address: required (e.g. \"127.0.0.1:2045\")");
        }

        @Test
        void listenerWithBadAddress() {
            assertThat(error(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \"foo\"")))
                    .isEqualTo("servers[0].listeners[0].address: invalid address \"foo\" (expected host:port)");
        }

        @Test
        void listenerWithBadPort() {
            assertThat(error(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \"127.0.0.1:http\"")))
                    .isEqualTo("servers[0].listeners[0].address: invalid port in \"127.0.0.1:http\"");
            assertThat(error(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \"127.0.0.1:65536\"")))
                    .isEqualTo("servers[0].listeners[0].address: port out of range in \"127.0.0.1:65536\"");
        }

        @Test
        void ipv6AddressesMustBeBracketed() {
            parse(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \"[::1]:2045\""));
            assertThat(error(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \"::1:2045\"")))
                    .isEqualTo("servers[0].listeners[0].address: invalid address \"::1:2045\" (write IPv6 as [::1]:port)");
        }

        @Test
        void hostWithBadAddressNamesTheHostIndex() {
            String json = with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]",
                    "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}, {\"address\": \"localhost\"}]");
            assertThat(error(json)).isEqualTo("cluster_manager.clusters[0].hosts[1].address: invalid address \"localhost\" (expected host:port)");
        }

        @Test
        void hostWeightOutOfRange() {
            assertThat(error(with("{\"address\": \"127.0.0.1:8080\"}", "{\"address\": \"127.0.0.1:8080\", \"weight\": 129}")))
                    .isEqualTo("cluster_manager.clusters[0].hosts[0].weight: must be 1..128, got 129");
        }

        /** Issue 11: bad route config is refused at load, with the path of the bad field. */
        @ParameterizedTest(name = "{1}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefix\": \"/\", \"headers\": [{\"name\": \"x\", \"value\": \"(\", \"regex\": true}]}`"
                        + "|match.headers[0].value: invalid regular expression \"(\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefix\": \"/\", \"query_parameters\": [{\"name\": \"q\", \"value\": \"[\", \"regex\": true}]}`"
                        + "|match.query_parameters[0].value: invalid regular expression \"[\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"variables\": [{\"name\": \"x-mosn-method\", \"regex\": \"a(\"}]}`"
                        + "|match.variables[0].regex: invalid regular expression \"a(\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"variables\": [{\"name\": \"no_such_variable\", \"value\": \"1\"}]}`"
                        + "|match.variables[0].name: unknown variable \"no_such_variable\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"variables\": [{\"name\": \"x-mosn-method\", \"value\": \"GET\", \"model\": \"xor\"}]}`"
                        + "|match.variables[0].model: invalid value \"xor\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"dsl_expressions\": [{\"expression\": \"request.host ==\"}]}`"
                        + "|match.dsl_expressions[0].expression: invalid CEL expression: at 1:16: mismatched input",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"dsl_expressions\": [{\"expression\": \"request.nope == 1\"}]}`"
                        + "|match.dsl_expressions[0].expression: invalid CEL expression: at 1:1: undeclared reference to 'request'",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"dsl_expressions\": [{\"expression\": \"request.host\"}]}`"
                        + "|match.dsl_expressions[0].expression: invalid CEL expression: at 1:8: expected type 'bool' but found 'string'",
                "`\"cluster_name\": \"c1\"`|`\"cluster_name\": \"c2\"`"
                        + "|route.cluster_name: unknown cluster \"c2\"",
                "`\"cluster_name\": \"c1\"`|`\"weighted_clusters\": [{\"cluster\": {\"name\": \"c1\", \"weight\": 60}}, {\"cluster\": {\"name\": \"c1\", \"weight\": 30}}]`"
                        + "|route.weighted_clusters: the weights add up to 90; they must add up to 100",
                "`\"cluster_name\": \"c1\"`|`\"weighted_clusters\": [{\"cluster\": {\"name\": \"c1\", \"weight\": 60}}, {\"cluster\": {\"name\": \"nope\", \"weight\": 40}}]`"
                        + "|route.weighted_clusters[1].cluster.name: unknown cluster \"nope\"",
                "`\"cluster_name\": \"c1\"`|`\"cluster_variable\": \"no_such_variable\"`"
                        + "|route.cluster_variable: unknown variable \"no_such_variable\"",
                "`\"timeout\": \"2s\"`|`\"timeout\": \"2s\", \"regex_rewrite\": {\"pattern\": {\"regex\": \"(\"}, \"substitution\": \"x\"}`"
                        + "|route.regex_rewrite.pattern.regex: invalid regular expression \"(\"",
                "`\"timeout\": \"2s\"`|`\"timeout\": \"2s\", \"request_headers_to_add\": [{\"header\": {\"key\": \"x\", \"value\": \"%nope%\"}}]`"
                        + "|route.request_headers_to_add[0].header.value: unknown variable \"nope\"",
                "`\"timeout\": \"2s\"`|`\"timeout\": \"2s\", \"request_headers_to_remove\": [\":path\"]`"
                        + "|route.request_headers_to_remove[0]: \":path\" cannot be added or removed",
                "`\"timeout\": \"2s\"`|`\"timeout\": \"2s\", \"retry_policy\": {\"retry_on\": true, \"status_codes\": [700]}`"
                        + "|route.retry_policy.status_codes[0]: must be an HTTP status 100..599, got 700",
                "`\"timeout\": \"2s\"`|`\"timeout\": \"2s\", \"metadata_match\": {\"filter_metadata\": {\"mosn.lb\": {\"v\": {}}}}`"
                        + "|route.metadata_match.filter_metadata.mosn.lb.v: expected a string",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefix\": \"/\"}, \"redirect\": {\"response_code\": 200}`"
                        + "|redirect.response_code: must be 301, 302, 303, 307 or 308, got 200",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefix\": \"/\"}, \"request_mirror_policies\": {\"cluster\": \"nope\", \"percent\": 100}`"
                        + "|request_mirror_policies[0].cluster: unknown cluster \"nope\"",
                "`\"match\": {\"prefix\": \"/\"}`|`\"match\": {\"prefix\": \"/\"}, \"request_mirror_policies\": {\"cluster\": \"c1\", \"percent\": 101}`"
                        + "|request_mirror_policies[0].percent: must be 0..100, got 101",
                "`\"domains\": [\"*\"]`|`\"domains\": [\"a.com:http\"]`"
                        + "|domains[0]: \"a.com:http\": the port must be a number or *",
        })
        void badRouteConfigIsRefusedByPath(String from, String to, String expected) {
            String at = expected.startsWith("domains") ? "servers[0].routers[0].virtual_hosts[0]." : "servers[0].routers[0].virtual_hosts[0].routers[0].";
            assertThat(error(with(from, to))).startsWith(at + expected);
        }

        @Test
        void routeWithoutClusterOrDirectResponse() {
            assertThat(error(with("\"route\": {\"cluster_name\": \"c1\", \"timeout\": \"2s\"}", "\"route\": {\"timeout\": \"2s\"}")))
                    .isEqualTo("servers[0].routers[0].virtual_hosts[0].routers[0].route.cluster_name: required "
                            + "(or weighted_clusters, cluster_header or cluster_variable)");
        }

        @Test
        void invalidRouteRegex() {
            assertThat(error(with("\"match\": {\"prefix\": \"/\"}", "\"match\": {\"regex\": \"/a(b\"}")))
                    .startsWith("servers[0].routers[0].virtual_hosts[0].routers[0].match.regex: invalid regular expression \"/a(b\": ");
        }

        @Test
        void wildcardInTheMiddleOfADomain() {
            assertThat(error(with("\"domains\": [\"*\"]", "\"domains\": [\"www.foo.com\", \"foo.*.com\"]")))
                    .isEqualTo("servers[0].routers[0].virtual_hosts[0].domains[1]: \"foo.*.com\": a wildcard may only lead the domain (\"*.example.com\", \"*\")");
        }

        @Test
        void tcpProxyToAnUnknownCluster() {
            String json = with("{\"type\": \"proxy\", \"config\": {\"downstream_protocol\": \"Http1\", \"router_config_name\": \"r1\"}}",
                    "{\"type\": \"tcp_proxy\", \"config\": {\"cluster\": \"nope\"}}");
            assertThat(error(json))
                    .isEqualTo("servers[0].listeners[0].filter_chains[0].filters[0].config.cluster: no cluster named \"nope\" in cluster_manager.clusters");
        }

        @Test
        void moreThanOneServer() {
            assertThat(error("{\"servers\": [{}, {}]}")).isEqualTo("servers: only one server is supported (MOSN runs one), got 2");
        }

        @Test
        void missingFileNamesTheFile(@TempDir Path dir) {
            Path missing = dir.resolve("nope.json");
            assertThatThrownBy(() -> ConfigLoader.load(missing))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("config file " + missing + " does not exist");
        }

        /** An empty YAML list item ("-" alone) or a stray JSON null is a null element. */
        @Test
        void nullListElementsAreRefusedWithAPath() {
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", "\"hosts\": [{\"address\": \"127.0.0.1:8080\"}, null]")))
                    .startsWith("cluster_manager.clusters[0].hosts[1]: ");
            assertThat(error(with("\"domains\": [\"*\"]", "\"domains\": [\"*\", null]")))
                    .startsWith("servers[0].routers[0].virtual_hosts[0].domains[1]: ");
            assertThat(error("{\"cluster_manager\": {\"clusters\": [null]}}"))
                    .startsWith("cluster_manager.clusters[0]: ");
            assertThat(error("{\"servers\": [null]}"))
                    .startsWith("servers[0]: ");
        }

        @Test
        void nullListElementFromAnEmptyYamlItem() {
            String yaml = """
                    cluster_manager:
                      clusters:
                        - name: c1
                          hosts:
                            - address: 127.0.0.1:8080
                            -
                    """;
            assertThat(error(yaml, true)).startsWith("cluster_manager.clusters[0].hosts[1]: ");
        }

        @Test
        void integerOutOfRangeNamesTheField() {
            assertThat(error(with("\"processor\": 2", "\"processor\": 99999999999")))
                    .startsWith("servers[0].processor: ");
            assertThat(error(with("\"port_value\": 34901", "\"port_value\": 99999999999")))
                    .startsWith("admin.address.socket_address.port_value: ");
            assertThat(error(with("\"connect_timeout\": \"3s\",", "\"connect_timeout\": \"3s\", \"max_request_per_conn\": 99999999999999999999,")))
                    .startsWith("cluster_manager.clusters[0].max_request_per_conn: ");
        }

        /** Go's net.ResolveTCPAddr (which MOSN uses) reads ":2045" as port 2045 on every interface. */
        @Test
        void listenerAddressWithoutHostMeansAllInterfaces() {
            LoadedConfig loaded = parse(with("\"address\": \"127.0.0.1:2045\"", "\"address\": \":2045\""));
            assertThat(loaded.config().server().listeners().get(0).address()).isEqualTo(":2045");
        }

        /**
         * Keys match ignoring case, so an error under a key the user capitalised (as MOSN's own
         * samples do with "Name") must still name the field the documented way.
         */
        @Test
        void errorUnderACapitalisedKeyNamesTheFieldInSnakeCase() {
            assertThat(error(with("\"hosts\": [{\"address\": \"127.0.0.1:8080\"}]", "\"Hosts\": \"127.0.0.1:8080\"")))
                    .isEqualTo("cluster_manager.clusters[0].hosts: expected an array");
            assertThat(error(with("\"connect_timeout\": \"3s\"", "\"Connect_Timeout\": true")))
                    .isEqualTo("cluster_manager.clusters[0].connect_timeout: expected a duration such as \"1s\"");
            assertThat(error(with("\"port_value\": 34901", "\"Port_Value\": \"abc\"")))
                    .isEqualTo("admin.address.socket_address.port_value: invalid value \"abc\" (expected an integer)");
        }
    }
}
