package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17's commands through {@code bin/mosn}: {@code validate} over every example config in the
 * repository and over broken ones (every error by its field path, exit 1; warnings one line each),
 * {@code schema}, and the help of each command.
 */
class CommandsTest {
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final Pattern CONFIG_KEY = Pattern.compile("\"servers\"|^servers:", Pattern.MULTILINE);

    /** Every MOSN config the repository keeps (samples, the built-in demo, the archive's conf/), found by content. */
    static List<Path> exampleConfigs() throws IOException {
        Path root = MosnProcess.root();
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (rel.startsWith(".git") || rel.contains("/target/") || !rel.matches(".*\\.(json|ya?ml)$")) {
                    continue;
                }
                if (CONFIG_KEY.matcher(Files.readString(p)).find()) {
                    found.add(p);
                }
            }
        }
        assertThat(found).extracting(p -> p.getFileName().toString())
                .contains("default-config.json", "mosn.yaml", "http-sample.json", "http-sample.yaml", "tcpproxy-sample.json");
        return found;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleConfigs")
    void everyExampleConfigInTheRepositoryIsValid(Path config) throws Exception {
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", config.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains(config + ": valid, ").doesNotContain("error:");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void validateListsEveryLoadErrorByItsFieldPath() throws Exception {
        Path file = MosnProcess.writeTemp("load.json", """
                {
                  "servers": [{
                    "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                      "routers": [{"match": {"prefx": "/"}, "route": {"cluster_name": "c"}}]}]}],
                    "listeners": [
                      {"name": "a", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "r"}}]}]},
                      {"name": "b", "address": "127.0.0.1:1", "connection_idle_timeout": "5 minutes",
                       "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "r"}}]}]}
                    ]
                  }],
                  "cluster_manager": {"clusters": [
                    {"name": "c", "hosts": [{"address": "127.0.0.1:2"}]},
                    {"name": "d", "connect_timeout": "-1s"}
                  ]}
                }
                """);
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout().lines().toList()).containsExactly(
                "error: servers[0].routers[0].virtual_hosts[0].routers[0].match.prefx: unknown match field; refused rather than "
                        + "matching more than the file asks",
                "error: servers[0].listeners[0].address: required (e.g. \"127.0.0.1:2045\")",
                "error: servers[0].listeners[1].connection_idle_timeout: invalid value \"5 minutes\" (expected a duration such as \"1s\")",
                "error: cluster_manager.clusters[1].connect_timeout: must not be negative",
                file + ": 4 errors, 0 warnings");
        assertThat(r.all()).doesNotContain("Exception");
    }

    @Test
    void validateListsEveryErrorABuildWouldMeetAndTheWarnings() throws Exception {
        Path file = MosnProcess.writeTemp("build.yaml", """
                servers:
                  - routers:
                      - router_config_name: r
                        virtual_hosts: [{name: v, domains: ['*'], routers: [{match: {prefix: /}, route: {cluster_name: c}}]}]
                    listeners:
                      - name: a
                        address: 127.0.0.1:1
                        filter_chains: [{filters: [{type: proxy, config: {router_config_name: nowhere}}]}]
                      - name: b
                        address: 127.0.0.1:2
                        stream_filters: [{type: no_such_filter}]
                        filter_chains: [{filters: [{type: proxy, config: {router_config_name: r}}]}]
                cluster_manager:
                  clusters:
                    - {name: c, lb_type: LB_FOO, conect_timeout: 1s, hosts: [{address: '127.0.0.1:3'}]}
                """);
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout().lines().toList()).containsExactly(
                "error: cluster_manager.clusters[0].lb_type: unknown value \"LB_FOO\" (expected LB_RANDOM, LB_ROUNDROBIN, "
                        + "LB_WEIGHTED_ROUNDROBIN, LB_LEAST_REQUEST, LB_LEAST_CONNECTION, LB_MAGLEV, LB_RINGHASH, LB_PEAK_EWMA or "
                        + "LB_REQUEST_ROUNDROBIN)",
                "error: servers[0].listeners[0].filter_chains[0].filters[0].config.router_config_name: no router named \"nowhere\" "
                        + "in servers[0].routers",
                "error: servers[0].listeners[1].stream_filters[0].type: unknown stream filter \"no_such_filter\" (available: fault, "
                        + "ip_access, payload_limit, mirror, dsl, transcoder, flowControlFilter, gzip, header_to_metadata, grpc_metric, "
                        + "jwt_authn, rbac, fault_tolerance)",
                "warning: cluster_manager.clusters[0].conect_timeout: unknown field; ignored",
                file + ": 3 errors, 1 warning");
    }

    @Test
    void aConfigThatWouldStartIsValidWithItsWarningsOneLineEach() throws Exception {
        Path file = MosnProcess.writeTemp("warn.json", """
                {
                  "$schema": "./mosn.schema.json",
                  "servers": [{
                    "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                      "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "c"}}]}]}],
                    "listeners": [{"name": "a", "address": "127.0.0.1:1",
                      "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]
                  }],
                  "cluster_manager": {"clusters": [{"name": "c", "conect_timeout": "1s", "hosts": [{"address": "127.0.0.1:3"}]}]},
                  "tracing": {"enable": true}
                }
                """);
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout().lines().toList()).containsExactly(
                "warning: cluster_manager.clusters[0].conect_timeout: unknown field; ignored",
                "warning: tracing: tracing is not supported yet; ignored",
                file + ": valid, 1 listener, 2 warnings",
                "  listener a: proxy Http1 -> Http1 (router r)");
        // binds nothing: the listener's port was never opened (127.0.0.1:1 needs root to bind anyway)
    }

    @Test
    void theRpcLimitsAreTakenAndTheirBadValuesRefusedByPath() throws Exception {
        String config = """
                servers:
                  - partial_frames_buffer_limit_bytes: %s
                    routers:
                      - router_config_name: r
                        virtual_hosts: [{name: v, domains: ['*'], routers: [{match: {prefix: /}, route: {cluster_name: c}}]}]
                    listeners:
                      - name: a
                        address: 127.0.0.1:1
                        filter_chains: [{filters: [{type: proxy, config: {downstream_protocol: Auto, router_config_name: r,
                          extend_config: {max_concurrent_requests: %s, bolt: {max_concurrent_requests: 10}}}}]}]
                cluster_manager:
                  clusters: [{name: c, hosts: [{address: '127.0.0.1:3'}]}]
                """;
        Path good = MosnProcess.writeTemp("limits.yaml", config.formatted("1048576", "100"));
        MosnProcess.Result ok = MosnProcess.run(RUN, "validate", "-c", good.toString());
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(ok.stdout()).doesNotContain("warning:").contains(good + ": valid, 1 listener\n");

        Path bad = MosnProcess.writeTemp("limits-bad.yaml", config.formatted("-5", "-1"));
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", bad.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout()).contains("error: servers[0].partial_frames_buffer_limit_bytes: must not be negative, got -5");
        assertThat(r.stdout()).doesNotContain("Exception");
        Path bad2 = MosnProcess.writeTemp("limits-bad2.yaml", config.formatted("0", "-1"));
        MosnProcess.Result r2 = MosnProcess.run(RUN, "validate", "-c", bad2.toString());
        assertThat(r2.exitCode()).as(r2.all()).isEqualTo(1);
        assertThat(r2.stdout()).contains("error: servers[0].listeners[0].filter_chains[0].filters[0].config.extend_config"
                + ".max_concurrent_requests: must be 1..2147483647, got -1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"servers\": [\n  {\"listeners\": [}\n]}", ""})
    void malformedOrMissingFilesAreOneError(String text) throws Exception {
        Path file = text.isEmpty() ? Path.of("/nonexistent-dir-mosn-it/nope.json") : MosnProcess.writeTemp("bad.json", text);
        MosnProcess.Result r = MosnProcess.run(RUN, "validate", "-c", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).startsWith("error: ").contains(text.isEmpty() ? "does not exist" : "malformed JSON at line 2, column 18");
        assertThat(lines.getLast()).isEqualTo(file + ": 1 error, 0 warnings");
    }

    @Test
    void schemaNamesTheCanonicalKeysOfTheConfigRecords() throws Exception {
        MosnProcess.Result r = MosnProcess.run(RUN, "schema");
        assertThat(r.exitCode()).as(r.all()).isZero();
        JsonNode schema = new ObjectMapper().readTree(r.stdout());
        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        JsonNode server = schema.at("/properties/servers/items/properties");
        assertThat(server.path("default_log_path").path("type").asText()).isEqualTo("string");
        assertThat(server.at("/listeners/items/properties/filter_chains/items/properties/filters")).isNotEmpty();
        assertThat(server.at("/processor/type").toString()).isEqualTo("[\"integer\",\"string\"]");
        JsonNode cluster = schema.at("/properties/cluster_manager/properties/clusters/items/properties");
        assertThat(cluster.path("lb_type").path("type").asText()).isEqualTo("string");
        assertThat(cluster.at("/connect_timeout/type").toString()).isEqualTo("[\"string\",\"integer\"]");
        assertThat(cluster.at("/circuit_breakers/items/properties/max_pending_requests/type").asText()).isEqualTo("integer");
        assertThat(server.at("/partial_frames_buffer_limit_bytes/type").asText()).isEqualTo("integer");
        // a network filter's config, by its type: the record its factory reads, extend_config with every protocol's settings
        JsonNode branches = server.at("/listeners/items/properties/filter_chains/items/properties/filters/items/allOf");
        JsonNode proxy = null;
        JsonNode tcpProxy = null;
        for (JsonNode b : branches) {
            String type = b.at("/if/properties/type/const").asText();
            if (type.equals("proxy")) {
                proxy = b.at("/then/properties/config/properties");
            } else if (type.equals("tcp_proxy")) {
                tcpProxy = b.at("/then/properties/config/properties");
            }
        }
        assertThat(proxy).as("the proxy filter's config in %s", branches).isNotNull();
        assertThat(proxy.at("/router_config_name/type").asText()).isEqualTo("string");
        assertThat(proxy.at("/extend_config/properties/max_concurrent_requests/type").asText()).isEqualTo("integer");
        assertThat(proxy.at("/extend_config/properties/bolt/properties/max_concurrent_requests/type").asText()).isEqualTo("integer");
        assertThat(proxy.at("/extend_config/properties/http2/properties")).isNotEmpty();
        assertThat(tcpProxy).as("the tcp_proxy filter's config in %s", branches).isNotNull();
        assertThat(tcpProxy.at("/cluster/type").asText()).isEqualTo("string");
        List<String> keys = new ArrayList<>();
        collectPropertyNames(schema, keys);
        assertThat(keys).hasSizeGreaterThan(60).allMatch(k -> k.matches("[a-z][a-z0-9_]*"), "snake_case");
    }

    private static void collectPropertyNames(JsonNode node, List<String> keys) {
        node.properties().forEach(e -> {
            if (e.getKey().equals("properties")) {
                e.getValue().fieldNames().forEachRemaining(keys::add);
            }
            collectPropertyNames(e.getValue(), keys);
        });
        if (node.isArray()) {
            node.forEach(n -> collectPropertyNames(n, keys));
        }
    }

    @Test
    void helpListsEveryCommandWithExamples() throws Exception {
        MosnProcess.Result top = MosnProcess.run(RUN, "--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.stdout()).contains("Usage: mosn", "start ", "validate ", "schema ", "version ", "Examples:",
                "mosn validate -c conf/mosn.yaml");
        for (String command : List.of("start", "validate", "schema", "version")) {
            for (List<String> args : List.of(List.of(command, "--help"), List.of("help", command))) {
                MosnProcess.Result r = MosnProcess.run(RUN, args.toArray(String[]::new));
                assertThat(r.exitCode()).as("mosn %s", args).isZero();
                assertThat(r.stdout()).as("mosn %s", args).contains("Usage: mosn " + command).containsPattern("Examples?:")
                        .contains("  mosn " + command);
            }
        }
        MosnProcess.Result none = MosnProcess.run(RUN);
        assertThat(none.stdout()).contains("Usage: mosn");
    }

    @Test
    void unknownCommandsAndOptionsAreRefusedWithTheUsage() throws Exception {
        MosnProcess.Result help = MosnProcess.run(RUN, "help", "nope");
        assertThat(help.exitCode()).isEqualTo(2);
        assertThat(help.stderr()).contains("Unknown subcommand 'nope'.", "Usage: mosn [-hV] [COMMAND]");
        MosnProcess.Result command = MosnProcess.run(RUN, "nope");
        assertThat(command.exitCode()).isEqualTo(2);
        assertThat(command.stderr()).contains("Unmatched argument at index 0: 'nope'", "Usage: mosn");
        // mosn builds the named command alone; a typo still gets every command to choose from
        MosnProcess.Result typo = MosnProcess.run(RUN, "strat");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.stderr()).contains("Did you mean: mosn start");
        MosnProcess.Result option = MosnProcess.run(RUN, "start", "--nope");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.stderr()).contains("Unknown option: '--nope'", "Usage: mosn start");
        MosnProcess.Result missing = MosnProcess.run(RUN, "validate");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("Missing required option: '--config=FILE'");
    }

    @Test
    void everyCommandPrintsTheVersionAndOnlyIt() throws Exception {
        MosnProcess.Result version = MosnProcess.run(RUN, "version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.stdout()).startsWith("mosn4j version ").contains("(Java ");
        // SLF4J's and logback's own start-up notes stay out of a command's output
        assertThat(version.stderr()).isEmpty();
        for (List<String> args : List.of(List.of("-V"), List.of("--version"), List.of("start", "-V"), List.of("validate", "-V"),
                List.of("schema", "--version"))) {
            MosnProcess.Result r = MosnProcess.run(RUN, args.toArray(String[]::new));
            assertThat(r.exitCode()).as("mosn %s", args).isZero();
            assertThat(r.stdout()).as("mosn %s", args).isEqualTo(version.stdout());
        }
    }
}
