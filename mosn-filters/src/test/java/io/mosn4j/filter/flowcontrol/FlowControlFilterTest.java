package io.mosn4j.filter.flowcontrol;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.filter.FilterHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowControlFilterTest {
    /** Sentinel is one per process: every test here logs under target/, never the user's home. */
    static final String LOG = Path.of("target", "sentinel-unit").toAbsolutePath().toString();
    private final FlowControlFilterFactory factory = new FlowControlFilterFactory();

    private static String cfg(String rest) {
        return "{\"global_switch\": true, \"log_path\": \"" + LOG + "\", \"app_name\": \"unit\"" + (rest.isEmpty() ? "" : ", " + rest) + "}";
    }

    private FilterHarness stream(String json) {
        return new FilterHarness(null).create(factory, config(json, "servers[0].listeners[0].stream_filters[0].config"));
    }

    private static String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> FlowControlConfig.parse(config(json))).getMessage();
    }

    @Test
    void mosnDefaultsAndTheSampleConfig() {
        FlowControlConfig d = FlowControlConfig.parse(config("{}"));
        assertThat(d.globalSwitch()).as("Go's zero value: off").isFalse();
        assertThat(d.status()).isEqualTo(509);
        assertThat(d.body()).isEqualTo("current request is limited");
        assertThat(d.keyType()).isEqualTo(FlowControlConfig.KeyType.PATH);
        assertThat(d.logPath()).isEqualTo("/tmp/sentinel");

        FlowControlConfig sample = FlowControlConfig.parse(config("""
                {"app_name": "sample", "log_path": "/tmp/sentinel", "global_switch": true, "monitor": false,
                 "limit_key_type": "PATH", "action": {"status": 500, "body": "blocked"},
                 "rules": [{"resource": "/test", "limitApp": "", "grade": 1, "threshold": 1, "strategy": 0}]}"""));
        assertThat(sample.rules()).containsExactly(new FlowControlConfig.Rule("/test", 1, 1.0, null, 0));
        assertThat(sample.status()).isEqualTo(500);
        assertThat(sample.body()).isEqualTo("blocked");
    }

    @Test
    void badFieldsAreRefusedWithTheirPath() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"grade\": 7, \"count\": 1}]}"))
                .startsWith(at + "rules[0].grade: must be 0 (requests in flight) or 1 (QPS), got 7");
        assertThat(error("{\"limit_key_type\": \"HEADER\"}")).startsWith(at + "limit_key_type: must be PATH, ARG or URI");
        assertThat(error("{\"rules\": [{\"grade\": 1, \"count\": 1}]}")).startsWith(at + "rules[0].resource: required");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\"}]}")).startsWith(at + "rules[0].count: required");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": -1}]}")).startsWith(at + "rules[0].count: must be a number 0 or more");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": 1, \"controlBehavior\": 2}]}"))
                .startsWith(at + "rules[0].controlBehavior: 2 (queueing) is not supported");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": 1, \"strategy\": 1}]}"))
                .startsWith(at + "rules[0].refResource: required");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": 1, \"strategy\": 2}]}"))
                .startsWith(at + "rules[0].strategy: 2 (by call chain entrance) is not supported");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": 1, \"limitApp\": \"app-a\"}]}"))
                .startsWith(at + "rules[0].limitApp: only \"default\"");
        assertThat(error("{\"rules\": [{\"resource\": \"/a\", \"count\": 1, \"clusterMode\": true}]}"))
                .startsWith(at + "rules[0].clusterMode");
        assertThat(error("{\"action\": {\"status\": 99}}")).startsWith(at + "action.status: must be an HTTP status");
        assertThat(error("{\"dynamic_data_resources\": [{\"resource_type\": \"nacos\"}]}"))
                .startsWith(at + "dynamic_data_resources: dynamic rule sources (nacos) are not supported");
    }

    @Test
    void offUnlessTheGlobalSwitchIsOn() {
        FilterHarness h = stream("{\"rules\": [{\"resource\": \"/a\", \"count\": 0}]}");
        assertThat(h.filters).isEmpty();
    }

    @Test
    void aQpsRuleBlocksWithTheActionAndOtherPathsPass() {
        FilterHarness first = stream(cfg("\"action\": {\"status\": 500, \"body\": \"blocked\"}, "
                + "\"rules\": [{\"resource\": \"/unit-qps\", \"grade\": 1, \"count\": 1}]"));
        assertThat(first.phases).containsExactly(ReceiverPhase.AFTER_ROUTE);
        assertThat(first.filter().onRequestHeaders(get("/unit-qps?x=1"), true)).isEqualTo(FilterStatus.CONTINUE);
        first.filter().onDestroy();
        FilterHarness second = stream(cfg("\"action\": {\"status\": 500, \"body\": \"blocked\"}, "
                + "\"rules\": [{\"resource\": \"/unit-qps\", \"grade\": 1, \"count\": 1}]"));
        assertThat(second.filter().onRequestHeaders(get("/unit-qps"), true)).isEqualTo(FilterStatus.STOP);
        assertThat(second.reply.status()).isEqualTo(500);
        assertThat(second.reply.body()).isEqualTo("blocked");
        assertThat(second.reply.direct()).isTrue();
        assertThat(second.hasFlag(ResponseFlag.RATE_LIMITED)).isTrue();
        second.filter().onDestroy();
        FilterHarness other = stream(cfg("\"rules\": [{\"resource\": \"/unit-qps\", \"grade\": 1, \"count\": 1}]"));
        for (int i = 0; i < 5; i++) {
            assertThat(other.filter().onRequestHeaders(get("/unit-other"), true)).isEqualTo(FilterStatus.CONTINUE);
        }
        assertThat(Path.of(LOG, "sentinel-block.log")).as("Sentinel logs blocks under log_path").exists();
        assertThat(Path.of(LOG, "eagleeye-self.log")).as("and its EagleEye, which defaults to the user's home").exists();
    }

    @Test
    void aConcurrencyRuleCountsStreamsUntilTheyEndHoweverTheyEnd() {
        String json = cfg("\"rules\": [{\"resource\": \"/unit-conc\", \"grade\": 0, \"count\": 2}]");
        List<FilterHarness> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            FilterHarness h = stream(json);
            assertThat(h.filter().onRequestHeaders(get("/unit-conc"), false)).isEqualTo(FilterStatus.CONTINUE);
            open.add(h);
        }
        FilterHarness third = stream(json);
        assertThat(third.filter().onRequestHeaders(get("/unit-conc"), false)).isEqualTo(FilterStatus.STOP);
        assertThat(third.reply.status()).isEqualTo(509);
        third.filter().onDestroy();
        // streams end out of the order they began in (as on an event loop): each frees its own slot
        open.getFirst().filter().onDestroy();
        open.getFirst().filter().onDestroy(); // twice: still one slot
        FilterHarness fourth = stream(json);
        assertThat(fourth.filter().onRequestHeaders(get("/unit-conc"), false)).isEqualTo(FilterStatus.CONTINUE);
        FilterHarness fifth = stream(json);
        assertThat(fifth.filter().onRequestHeaders(get("/unit-conc"), false)).isEqualTo(FilterStatus.STOP);
        open.get(1).filter().onDestroy();
        fourth.filter().onDestroy();
        fifth.filter().onDestroy();
    }

    @Test
    void monitorModeCountsButLetsThrough() {
        String json = cfg("\"monitor\": true, \"rules\": [{\"resource\": \"/unit-mon\", \"grade\": 0, \"count\": 0}]");
        FilterHarness h = stream(json);
        assertThat(h.filter().onRequestHeaders(get("/unit-mon"), true)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(h.reply).isNull();
        h.filter().onDestroy();
    }

    @Test
    void keyTypesNameTheResource() {
        Headers h = get("/p/q?a=1&b=2");
        assertThat(FlowControlConfig.KeyType.PATH.resource(h)).isEqualTo("/p/q");
        assertThat(FlowControlConfig.KeyType.URI.resource(h)).isEqualTo("/p/q?a=1&b=2");
        assertThat(FlowControlConfig.KeyType.ARG.resource(h)).isEqualTo("a=1&b=2");
        assertThat(FlowControlConfig.KeyType.ARG.resource(get("/p"))).isNull();
    }

    private static Headers get(String path) {
        return Headers.request("GET", path, "example.com");
    }
}
