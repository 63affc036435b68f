package io.mosn4j.filter.fault;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.filter.FilterHarness;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultFilterTest {
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final FaultFilterFactory factory = new FaultFilterFactory();

    @AfterEach
    void stopLoop() {
        loop.shutdownNow();
    }

    private static Headers get(String path) {
        return Headers.request("GET", path, "example.com");
    }

    private FilterHarness stream(String json, String cluster) {
        FilterHarness h = new FilterHarness(loop).create(factory, config(json));
        h.route = FilterHarness.route(cluster, Map.of());
        return h;
    }

    private static ConfigException error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> FaultConfig.parse(config(json)));
    }

    // ---- config ----

    @Test
    void parsesMosnsFields() {
        FaultConfig c = FaultConfig.parse(config("""
                {"delay": {"fixed_delay": "1.5s", "percentage": 40}, "abort": {"status": 503, "percentage": 10},
                 "upstream_cluster": "c1", "headers": [{"name": "x-user", "value": "tester"}, {"name": "x-v", "value": "^v[0-9]+$", "regex": true}]}
                """));
        assertThat(c.delay()).isEqualTo(new FaultConfig.Delay(Duration.ofMillis(1500), 40));
        assertThat(c.abort()).isEqualTo(new FaultConfig.Abort(503, 10));
        assertThat(c.upstreamCluster()).isEqualTo("c1");
        assertThat(c.headers()).hasSize(2);
        assertThat(c.injectsNothing()).isFalse();
    }

    @Test
    void keysMatchIgnoringCaseAsGosDecoder() {
        FaultConfig c = FaultConfig.parse(config("{\"Abort\": {\"Status\": 500, \"Percentage\": 100}}"));
        assertThat(c.abort()).isEqualTo(new FaultConfig.Abort(500, 100));
    }

    @Test
    void theNetworkFaultFiltersKeysAreIgnoredAndInjectNothing() {
        // MOSN's older network-level fault filter said {"delay_percent": ..., "delay_duration_ms": ...}
        FaultConfig c = FaultConfig.parse(config("{\"delay_percent\": 0}"));
        assertThat(c.injectsNothing()).isTrue();
        assertThat(FaultConfig.parse(config(null)).injectsNothing()).isTrue();
    }

    @Test
    void percentageAbove100IsRefusedNamingTheField() {
        ConfigException e = error("{\"delay\": {\"fixed_delay\": \"1s\", \"percentage\": 150}}");
        assertThat(e.getMessage()).startsWith("servers[0].listeners[0].stream_filters[0].config.delay.percentage: must be 0..100, got 150");
        assertThat(error("{\"abort\": {\"status\": 503, \"percentage\": -1}}").getMessage())
                .startsWith("servers[0].listeners[0].stream_filters[0].config.abort.percentage: must be 0..100");
    }

    @Test
    void badFieldsAreRefusedWithTheirPath() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"delay\": {\"percentage\": 10}}").getMessage()).startsWith(at + "delay.fixed_delay: required");
        assertThat(error("{\"delay\": {\"fixed_delay\": \"soon\", \"percentage\": 10}}").getMessage()).startsWith(at + "delay.fixed_delay");
        assertThat(error("{\"delay\": {\"fixed_delay\": \"-1s\", \"percentage\": 10}}").getMessage()).startsWith(at + "delay.fixed_delay: must not be negative");
        assertThat(error("{\"abort\": {\"percentage\": 10}}").getMessage()).startsWith(at + "abort.status: required");
        assertThat(error("{\"abort\": {\"status\": 99, \"percentage\": 10}}").getMessage()).startsWith(at + "abort.status: must be an HTTP status 200..599");
        assertThat(error("{\"abort\": {\"status\": \"busy\", \"percentage\": 10}}").getMessage()).startsWith(at + "abort.status");
        assertThat(error("{\"abort\": 503}").getMessage()).startsWith(at + "abort: must be an object");
        assertThat(error("{\"headers\": {\"name\": \"x\"}}").getMessage()).startsWith(at + "headers: must be an array");
        assertThat(error("{\"headers\": [{\"value\": \"x\"}]}").getMessage()).startsWith(at + "headers[0].name: required");
        assertThat(error("{\"headers\": [{\"name\": \"x\", \"value\": \"(\", \"regex\": true}]}").getMessage())
                .startsWith(at + "headers[0].value: invalid regular expression \"(\"");
        assertThat(error("[]").getMessage()).startsWith("servers[0].listeners[0].stream_filters[0].config: must be an object");
    }

    @Test
    void headersMatchExactlyOrByRegexAnywhereInTheValue() {
        FaultConfig c = FaultConfig.parse(config("""
                {"abort": {"status": 503, "percentage": 100},
                 "headers": [{"name": "x-user", "value": "tester"}, {"name": "x-v", "value": "v[0-9]", "regex": true}]}
                """));
        assertThat(c.appliesTo("any", get("/").add("X-User", "tester").add("x-v", "build-v2"))).isTrue();
        assertThat(c.appliesTo("any", get("/").add("x-user", "tester2").add("x-v", "v2"))).isFalse();
        assertThat(c.appliesTo("any", get("/").add("x-user", "tester").add("x-v", "vx"))).isFalse();
        assertThat(c.appliesTo("any", get("/").add("x-user", "tester"))).as("a missing header never matches").isFalse();
        // not a regex: ".*" is the literal value
        FaultConfig literal = FaultConfig.parse(config("{\"headers\": [{\"name\": \"x\", \"value\": \".*\"}]}"));
        assertThat(literal.appliesTo("c", get("/").add("x", "anything"))).isFalse();
        assertThat(literal.appliesTo("c", get("/").add("x", ".*"))).isTrue();
    }

    @Test
    void upstreamClusterRestrictsToRequestsRoutedThere() {
        FaultConfig c = FaultConfig.parse(config("{\"upstream_cluster\": \"c1\", \"abort\": {\"status\": 503, \"percentage\": 100}}"));
        assertThat(c.appliesTo("c1", get("/"))).isTrue();
        assertThat(c.appliesTo("c2", get("/"))).isFalse();
        assertThat(FaultConfig.parse(config("{\"upstream_cluster\": \"\"}")).appliesTo("c2", get("/"))).isTrue();
    }

    @Test
    void percentagesRollAsPercentages() {
        FaultConfig.Abort never = new FaultConfig.Abort(503, 0);
        FaultConfig.Abort always = new FaultConfig.Abort(503, 100);
        FaultConfig.Abort half = new FaultConfig.Abort(503, 50);
        int hits = 0;
        for (int i = 0; i < 10_000; i++) {
            assertThat(never.roll()).isFalse();
            assertThat(always.roll()).isTrue();
            hits += half.roll() ? 1 : 0;
        }
        assertThat(hits).isBetween(4_000, 6_000);
    }

    // ---- the filter ----

    @Test
    void runsAfterRouting() {
        FilterHarness h = stream("{}", "c1");
        assertThat(h.phases).containsExactly(ReceiverPhase.AFTER_ROUTE);
    }

    @Test
    void abortAnswersWithTheStatusAndFlag() {
        FilterHarness h = stream("{\"abort\": {\"status\": 503, \"percentage\": 100}}", "c1");
        assertThat(h.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.status()).isEqualTo(503);
        assertThat(h.reply.rpcError()).isEqualTo(ProxyError.OVERFLOW); // bolt: server busy
        assertThat(h.reply.body()).isEqualTo("fault filter abort");
        assertThat(h.hasFlag(ResponseFlag.FAULT_INJECTED)).isTrue();
    }

    @Test
    void delayResumesOnTheExecutorThenAborts() throws Exception {
        FilterHarness h = stream("{\"delay\": {\"fixed_delay\": \"200ms\", \"percentage\": 100}}", "c1");
        long start = System.nanoTime();
        assertThat(h.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.STOP);
        assertThat(h.hasFlag(ResponseFlag.DELAY_INJECTED)).isTrue();
        assertThat(h.resumed).isZero();
        awaitUntil(() -> h.resumed == 1);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(h.reply).isNull();

        FilterHarness both = stream("""
                {"delay": {"fixed_delay": "100ms", "percentage": 100}, "abort": {"status": 500, "percentage": 100}}
                """, "c1");
        assertThat(both.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.STOP);
        assertThat(both.reply).as("the abort waits for the delay").isNull();
        awaitUntil(() -> both.reply != null);
        assertThat(both.reply.status()).isEqualTo(500);
        assertThat(both.resumed).isZero();
        assertThat(both.hasFlag(ResponseFlag.DELAY_INJECTED) && both.hasFlag(ResponseFlag.FAULT_INJECTED)).isTrue();
    }

    @Test
    void destroyCancelsTheDelay() throws Exception {
        FilterHarness h = stream("{\"delay\": {\"fixed_delay\": \"100ms\", \"percentage\": 100}}", "c1");
        assertThat(h.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.STOP);
        h.filter().onDestroy();
        Thread.sleep(300);
        assertThat(h.resumed).isZero();
    }

    @Test
    void aRoutesConfigReplacesTheListeners() {
        Object perRoute = factory.parseRouteConfig(config("{\"abort\": {\"status\": 429, \"percentage\": 100}}",
                "servers[0].routers[0].virtual_hosts[0].routers[0].per_filter_config.fault"));
        FilterHarness h = stream("{\"abort\": {\"status\": 503, \"percentage\": 100}}", "c1");
        h.route = FilterHarness.route("c1", Map.of("fault", perRoute));
        h.filter().onRequestHeaders(get("/"), true);
        assertThat(h.reply.status()).isEqualTo(429);

        // a route's empty config turns faults off there
        FilterHarness off = stream("{\"abort\": {\"status\": 503, \"percentage\": 100}}", "c1");
        off.route = FilterHarness.route("c1", Map.of("fault", factory.parseRouteConfig(config("{}"))));
        assertThat(off.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(off.reply).isNull();
    }

    @Test
    void requestsNotMatchingPassUntouched() {
        FilterHarness h = stream("{\"upstream_cluster\": \"other\", \"abort\": {\"status\": 503, \"percentage\": 100}}", "c1");
        assertThat(h.filter().onRequestHeaders(get("/"), true)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(h.reply).isNull();
        assertThat(h.flags).isZero();
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 5s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
