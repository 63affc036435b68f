package io.mosn4j.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.server.ConfigCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error of a config, not only the first: {@link ConfigLoader#problems} and {@link ConfigCheck#problems}. */
class ConfigProblemsTest {
    private static final String TWO_BAD_LISTENERS_ONE_BAD_CLUSTER = """
            {"servers": [{"listeners": [
               {"name": "a", "filter_chains": [{"filters": [{"type": "proxy", "config": {}}]}]},
               {"name": "b", "address": "127.0.0.1:1", "max_connections": -1, "filter_chains": [{"filters": [{"type": "proxy"}]}]},
               {"name": "c", "address": "127.0.0.1:2", "filter_chains": [{"filters": [{"type": "proxy"}]}]}]}],
             "cluster_manager": {"clusters": [{"name": "x", "connect_timeout": "-1s"}]}}
            """;

    @Test
    void eachPartIsReadOnItsOwnSoOneBadPartHidesNoOther(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.json"), TWO_BAD_LISTENERS_ONE_BAD_CLUSTER);
        assertThat(ConfigLoader.problems(file)).extracting(ConfigException::getMessage).containsExactly(
                "servers[0].listeners[0].address: required (e.g. \"127.0.0.1:2045\")",
                "servers[0].listeners[1].max_connections: must not be negative, got -1",
                "cluster_manager.clusters[0].connect_timeout: must not be negative");
    }

    @Test
    void anErrorOutsideThePartsIsReportedAsLoadSaysIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), "servers:\n  - default_log_level: LOUD\n");
        assertThat(ConfigLoader.problems(file)).extracting(ConfigException::getMessage)
                .containsExactly("servers[0].default_log_level: unknown value \"LOUD\" (expected DEBUG, INFO, WARN, ERROR or FATAL)");
    }

    @Test
    void aFileThatLoadsHasNoLoadProblems(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.json"), ConfigLoaderTest.BASE);
        assertThat(ConfigLoader.problems(file)).isEmpty();
        assertThat(ConfigCheck.problems(ConfigLoader.load(file), ConfigLoaderTest.EXTENSIONS)).isEmpty();
    }

    @Test
    void everyPartTheBuildRefusesIsListedWhereCheckStopsAtTheFirst() {
        LoadedConfig loaded = ConfigLoader.parse("""
                {"servers": [{"listeners": [
                   {"name": "a", "address": "127.0.0.1:1", "filter_chains": [{"filters": [{"type": "proxy", "config": {"router_config_name": "nowhere"}}]}]},
                   {"name": "b", "address": "127.0.0.1:2", "filter_chains": [{"filters": [{"type": "no_such_filter"}]}]}]}],
                 "cluster_manager": {"clusters": [{"name": "x", "lb_type": "LB_FOO"}]}}
                """, false);
        assertThat(ConfigCheck.problems(loaded, ConfigLoaderTest.EXTENSIONS)).extracting(ConfigException::field).containsExactly(
                "cluster_manager.clusters[0].lb_type",
                "servers[0].listeners[0].filter_chains[0].filters[0].config.router_config_name",
                "servers[0].listeners[1].filter_chains[0].filters[0].type");
    }
}
