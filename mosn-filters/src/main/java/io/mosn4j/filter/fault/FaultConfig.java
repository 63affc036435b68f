package io.mosn4j.filter.fault;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.stream.Headers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code fault} filter's config (MOSN's {@code StreamFaultInject}), for a listener or one
 * route's {@code per_filter_config}:
 * {@code {"delay": {"fixed_delay": "1s", "percentage": 100}, "abort": {"status": 503, "percentage": 100},
 * "upstream_cluster": "name", "headers": [{"name", "value", "regex"}]}}. Immutable.
 *
 * @param delay the delay to inject, or null
 * @param abort the answer to inject, or null
 * @param upstreamCluster only requests routed to this cluster get faults; empty: every request
 * @param headers every one must match for faults to apply
 */
record FaultConfig(Delay delay, Abort abort, String upstreamCluster, List<HeaderMatcher> headers) {

    /** Holds a request for {@code fixedDelay} with a probability of {@code percentage}/100. */
    record Delay(Duration fixedDelay, int percentage) {
        boolean roll() {
            return percentage > 0 && !fixedDelay.isZero() && FaultConfig.roll(percentage);
        }
    }

    /** Answers a request with {@code status} with a probability of {@code percentage}/100. */
    record Abort(int status, int percentage) {
        boolean roll() {
            return percentage > 0 && FaultConfig.roll(percentage);
        }
    }

    FaultConfig {
        upstreamCluster = upstreamCluster == null ? "" : upstreamCluster;
        headers = List.copyOf(headers);
    }

    /**
     * Parses {@code c}; a missing config is one that injects nothing. Keys MOSN's stream fault
     * filter does not have (such as the network fault filter's {@code delay_percent}) are ignored
     * with a warning.
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static FaultConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new FaultConfig(null, null, "", List.of());
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object with \"delay\", \"abort\", \"upstream_cluster\", \"headers\"");
        }
        ignoreUnknownKeys(c, "delay", "abort", "upstream_cluster", "headers");
        String cluster = c.get("upstream_cluster").as(String.class);
        ConfigValue h = c.get("headers");
        List<HeaderMatcher> headers = new ArrayList<>();
        if (!h.isMissing()) {
            if (!h.isArray()) {
                throw h.error("", "must be an array of {\"name\", \"value\", \"regex\"}");
            }
            for (ConfigValue e : h.elements()) {
                headers.add(HeaderMatcher.parse(e));
            }
        }
        return new FaultConfig(parseDelay(c.get("delay")), parseAbort(c.get("abort")), cluster, headers);
    }

    private static Delay parseDelay(ConfigValue d) {
        if (d.isMissing()) {
            return null;
        }
        if (!d.isObject()) {
            throw d.error("", "must be an object {\"fixed_delay\", \"percentage\"}");
        }
        ignoreUnknownKeys(d, "fixed_delay", "percentage");
        int percentage = percentage(d);
        Duration fixed = d.get("fixed_delay").as(Duration.class);
        if (fixed == null) {
            if (percentage > 0) {
                throw d.error("fixed_delay", "required when the delay's percentage is above 0");
            }
            fixed = Duration.ZERO;
        }
        if (fixed.isNegative()) {
            throw d.get("fixed_delay").error("", "must not be negative");
        }
        return new Delay(fixed, percentage);
    }

    private static Abort parseAbort(ConfigValue a) {
        if (a.isMissing()) {
            return null;
        }
        if (!a.isObject()) {
            throw a.error("", "must be an object {\"status\", \"percentage\"}");
        }
        ignoreUnknownKeys(a, "status", "percentage");
        int percentage = percentage(a);
        ConfigValue s = a.get("status");
        Integer status = s.as(Integer.class);
        if (status == null) {
            if (percentage > 0) {
                throw a.error("status", "required when the abort's percentage is above 0");
            }
            return new Abort(503, 0);
        }
        if (status < 200 || status > 599) {
            throw s.error("", "must be an HTTP status 200..599, got " + status);
        }
        return new Abort(status, percentage);
    }

    /** {@code percentage} under {@code parent}: 0 when missing, else 0..100. */
    private static int percentage(ConfigValue parent) {
        ConfigValue p = parent.get("percentage");
        Long v = p.as(Long.class);
        if (v == null) {
            return 0;
        }
        if (v < 0 || v > 100) {
            // MOSN reads a uint32 and applies it modulo 100, so 150 would mean 50: refuse the surprise
            throw p.error("", "must be 0..100, got " + v);
        }
        return v.intValue();
    }

    static void ignoreUnknownKeys(ConfigValue c, String... known) {
        for (String key : c.keys()) {
            boolean found = false;
            for (String k : known) {
                found |= k.equalsIgnoreCase(key);
            }
            if (!found) {
                c.warn(key, "not a key of the fault stream filter; ignored");
            }
        }
    }

    private static boolean roll(int percentage) {
        return percentage >= 100 || ThreadLocalRandom.current().nextInt(100) < percentage;
    }

    /** Whether this config can inject anything at all. */
    boolean injectsNothing() {
        return (delay == null || delay.percentage == 0 || delay.fixedDelay.isZero()) && (abort == null || abort.percentage == 0);
    }

    /** Whether faults apply to a request routed to {@code cluster} with {@code request} headers. */
    boolean appliesTo(String cluster, Headers request) {
        if (!upstreamCluster.isEmpty() && !upstreamCluster.equals(cluster)) {
            return false;
        }
        for (int i = 0; i < headers.size(); i++) {
            if (!headers.get(i).matches(request)) {
                return false;
            }
        }
        return true;
    }
}
