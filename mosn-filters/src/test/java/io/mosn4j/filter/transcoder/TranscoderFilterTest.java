package io.mosn4j.filter.transcoder;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.filter.FilterHarness;
import org.junit.jupiter.api.Test;

class TranscoderFilterTest {
    private final TranscoderFilterFactory factory = new TranscoderFilterFactory();

    private static final String RULES = """
            {"rules": [
               {"matcher_config": {"matcher_type": "simpleMatcher", "config": {"name": "service", "value": "a"}},
                "rule_info": {"upstream_protocol": "rpc", "config": {"tag": "first"}}},
               {"matcher_config": {"matcher_type": "simpleMatcher", "config": {"name": "service", "value": "b"}},
                "rule_info": {"upstream_protocol": "RPC", "config": {"tag": "second"}}}],
             "type": "http2rpc", "trans": {"receiver_phase": 0}}
            """;

    private TestTranscoder.Made transcoded(String json, String protocol, String service) {
        FilterHarness h = new FilterHarness(null).create(factory, config(json));
        h.protocol = protocol;
        Headers req = Headers.request("GET", "/", "h");
        if (service != null) {
            req.add("service", service);
        }
        h.filter().onRequestHeaders(req, true);
        return (TestTranscoder.Made) h.transcoded;
    }

    @Test
    void theFirstMatchingRuleDecidesAndTheTypeComesLast() {
        assertThat(transcoded(RULES, "Http1", "a").tag()).isEqualTo("first");
        assertThat(transcoded(RULES, "Http1", "b").tag()).isEqualTo("second");
        assertThat(transcoded(RULES, "Http1", "c").tag()).isEmpty(); // the type rule: no config
        assertThat(transcoded(RULES, "Http1", null).tag()).isEmpty();
        // MOSN's rule type is <client protocol>_<upstream>: no Http2_rpc, so an HTTP/2 request matching a rule is left alone
        assertThat(transcoded(RULES, "Http2", "a")).isNull();
        assertThat(transcoded(RULES, "Http2", "c")).isNotNull(); // the type rule takes any protocol it accepts
        assertThat(transcoded("{\"type\": \"http2rpc\"}", "bolt", null)).isNull(); // not accepted
    }

    @Test
    void runsInTheConfiguredPhase() {
        assertThat(new FilterHarness(null).create(factory, config(RULES)).phases).containsExactly(ReceiverPhase.BEFORE_ROUTE);
        assertThat(new FilterHarness(null).create(factory, config("{\"type\": \"http2rpc\"}")).phases)
                .containsExactly(ReceiverPhase.AFTER_ROUTE);
        assertThat(new FilterHarness(null).create(factory, config("{\"type\": \"http2rpc\", \"trans\": {\"receiver_phase\": 9}}")).phases)
                .containsExactly(ReceiverPhase.AFTER_ROUTE); // MOSN's fallback
    }

    @Test
    void badConfigsAreRefusedNamingTheField() {
        String at = "servers[0].listeners[0].stream_filters[0].config";
        assertThat(error("{}")).startsWith(at + ": needs \"type\" or \"rules\"");
        assertThat(error("{\"type\": \"x2y\"}")).startsWith(at + ".type: unknown transcoder \"x2y\" (available: Http1_rpc, http2rpc)");
        assertThat(error("{\"rules\": [{\"rule_info\": {\"upstream_protocol\": \"rpc\"}}]}")).startsWith(at + ".rules[0].matcher_config: required");
        assertThat(error("{\"rules\": [{\"matcher_config\": {\"matcher_type\": \"m\"}, \"rule_info\": {\"upstream_protocol\": \"rpc\"}}]}"))
                .startsWith(at + ".rules[0].matcher_config.matcher_type: unknown matcher \"m\"");
        assertThat(error("{\"rules\": [{\"matcher_config\": {\"matcher_type\": \"simpleMatcher\"}, \"rule_info\": {}}]}"))
                .startsWith(at + ".rules[0].rule_info.upstream_protocol: required");
        assertThat(error("{\"rules\": [{\"matcher_config\": {\"matcher_type\": \"simpleMatcher\"}, \"rule_info\": {\"upstream_protocol\": \"dubbo\"}}]}"))
                .startsWith(at + ".rules[0].rule_info.upstream_protocol: no transcoder converts requests to \"dubbo\"");
        assertThat(error("{\"rules\": [{\"matcher_config\": {\"matcher_type\": \"simpleMatcher\", \"config\": {\"name\": \"a\"}},"
                + " \"rule_info\": {\"upstream_protocol\": \"rpc\"}}]}")).startsWith(at + ".rules[0].matcher_config.config: needs \"name\" and \"value\"");
        assertThat(error("7")).startsWith(at + ": must be an object");
    }

    private String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> factory.create(config(json))).getMessage();
    }
}
