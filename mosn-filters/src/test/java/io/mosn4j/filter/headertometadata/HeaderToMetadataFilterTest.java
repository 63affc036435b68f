package io.mosn4j.filter.headertometadata;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.filter.FilterHarness;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderToMetadataFilterTest {
    private final HeaderToMetadataFilterFactory factory = new HeaderToMetadataFilterFactory();

    private static final String RULES = """
            {"request_rules": [
              {"header": "x-version", "on_header_missing": {"key": "version", "value": "v1"}},
              {"header": "X-Version", "on_header_present": {"key": "version"}, "remove": true},
              {"header": "x-canary", "on_header_present": {"key": "stage", "value": "canary"}}
            ]}""";

    private FilterHarness run(Headers h) {
        FilterHarness harness = new FilterHarness(null).create(factory, config(RULES));
        assertThat(harness.phases).containsExactly(ReceiverPhase.AFTER_ROUTE);
        assertThat(harness.filter().onRequestHeaders(h, true)).isEqualTo(FilterStatus.CONTINUE);
        return harness;
    }

    @Test
    void aPresentHeaderGivesItsValueOrTheConfiguredOne() {
        Headers h = Headers.request("GET", "/", "x");
        h.add("x-version", "v2");
        h.add("x-canary", "yes");
        FilterHarness harness = run(h);
        assertThat(harness.attributes.get(RouteInfo.METADATA_MATCH)).isEqualTo(Map.of("version", "v2", "stage", "canary"));
        assertThat(h.contains("x-version")).as("removed").isFalse();
        assertThat(h.get("x-canary")).isEqualTo("yes");
    }

    @Test
    void aMissingHeaderGivesTheDefault() {
        FilterHarness harness = run(Headers.request("GET", "/", "x"));
        assertThat(harness.attributes.get(RouteInfo.METADATA_MATCH)).isEqualTo(Map.of("version", "v1"));
    }

    @Test
    void badRulesAreRefusedWithTheirPath() {
        String at = "servers[0].listeners[0].stream_filters[0].config.request_rules[0]";
        assertThat(error("{\"request_rules\": [{\"on_header_present\": {\"key\": \"k\"}}]}")).startsWith(at + ".header: required");
        assertThat(error("{\"request_rules\": [{\"header\": \"a\", \"remove\": true}]}")).startsWith(at + ": one of on_header_present");
        assertThat(error("{\"request_rules\": [{\"header\": \"a\", \"on_header_present\": {\"key\": \"k\"}, \"on_header_missing\": {\"key\": \"k\"}}]}"))
                .startsWith(at + ": give one of");
        assertThat(error("{\"request_rules\": [{\"header\": \"a\", \"on_header_present\": {\"value\": \"v\"}}]}"))
                .startsWith(at + ".on_header_present.key: required");
    }

    private static String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> HeaderToMetadataConfig.parse(config(json))).getMessage();
    }
}
