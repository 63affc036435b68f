package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.stats.StatsMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * MOSN's top-level {@code metrics}: {@code sinks[]} ({@code {"type": "prometheus", "config":
 * {"port", "endpoint", "percentiles", "disable_collect_process", "disable_collect_go"}}}) and
 * {@code stats_matcher} ({@code reject_all}, {@code exclusion_labels}, {@code exclusion_keys}).
 * Read from the raw config, so every key is either acted on, refused or warned about here.
 */
public record MetricsConfig(List<PrometheusSink> sinks, StatsMatcher matcher) {
    public static final MetricsConfig NONE = new MetricsConfig(List.of(), StatsMatcher.ALL);

    /** One Prometheus sink: its own HTTP port, on all addresses as in MOSN. */
    public record PrometheusSink(int port, String endpoint, List<Integer> percentiles, boolean collectProcess, boolean collectJvm) {}

    public static MetricsConfig parse(JsonConfigValue metrics) {
        if (metrics.isMissing() || metrics.node().isNull()) {
            return NONE;
        }
        if (!metrics.isObject()) {
            throw new ConfigException(metrics.path(), "expected an object");
        }
        for (String k : metrics.keys()) {
            switch (k.toLowerCase(Locale.ROOT)) {
                case "sinks", "stats_matcher" -> {}
                case "shm_zone", "shm_size" -> metrics.warn(k, "shared-memory metrics (for MOSN's hot upgrade) are not used; ignored");
                case "flush_mosn", "lazy_flush" -> metrics.warn(k, "metrics are always kept and shown on scrape; ignored");
                case "sample" -> metrics.warn(k, "histograms keep every value in log-linear buckets; no sampling; ignored");
                case "ewma" -> metrics.warn(k, "EWMA metrics are not kept; ignored");
                default -> metrics.warn(k, "unknown field; ignored");
            }
        }
        List<PrometheusSink> sinks = new ArrayList<>();
        JsonConfigValue rawSinks = metrics.get("sinks");
        if (!rawSinks.isMissing() && !rawSinks.node().isNull()) {
            if (!rawSinks.isArray()) {
                throw new ConfigException(rawSinks.path(), "expected an array of sinks");
            }
            for (int i = 0; i < rawSinks.node().size(); i++) {
                sinks.add(sink(rawSinks.at(i)));
            }
        }
        return new MetricsConfig(List.copyOf(sinks), matcher(metrics.get("stats_matcher")));
    }

    private static PrometheusSink sink(JsonConfigValue s) {
        String type = s.get("type").asText("");
        if (!type.equalsIgnoreCase("prometheus")) {
            throw new ConfigException(s.path() + ".type", "\"" + type + "\" is not supported yet (supported: prometheus)");
        }
        JsonConfigValue c = s.get("config");
        int port = 0;
        String endpoint = "/metrics";
        List<Integer> percentiles = new ArrayList<>();
        boolean process = true;
        boolean jvm = true;
        for (String k : c.isMissing() ? java.util.Set.<String>of() : c.keys()) {
            JsonConfigValue v = c.get(k);
            switch (k.toLowerCase(Locale.ROOT)) {
                case "port" -> {
                    if (!v.node().canConvertToInt() || v.node().asInt() < 1 || v.node().asInt() > 65535) {
                        throw new ConfigException(v.path(), "expected a port, 1..65535");
                    }
                    port = v.node().asInt();
                }
                case "endpoint" -> {
                    endpoint = v.asText("");
                    if (endpoint.isEmpty()) {
                        endpoint = "/metrics";
                    } else if (!endpoint.startsWith("/")) {
                        throw new ConfigException(v.path(), "invalid endpoint \"" + endpoint + "\": must start with /");
                    }
                }
                case "percentiles" -> {
                    if (!v.isArray()) {
                        throw new ConfigException(v.path(), "expected an array of integers 1..100");
                    }
                    for (int i = 0; i < v.node().size(); i++) {
                        var p = v.node().get(i);
                        if (!p.canConvertToInt() || p.asInt() < 1 || p.asInt() > 100) {
                            throw new ConfigException(v.path() + "[" + i + "]", "a percentile must be an integer 1..100");
                        }
                        percentiles.add(p.asInt());
                    }
                }
                case "disable_collect_process" -> process = !v.node().asBoolean(false);
                case "disable_collect_go" -> jvm = !v.node().asBoolean(false); // the runtime's own metrics: the JVM's here
                case "export_url" -> {
                    if (!v.asText("").isEmpty()) {
                        throw new ConfigException(v.path(), "the Prometheus push gateway mode is not supported (MOSN does not support it either)");
                    }
                }
                default -> c.warn(k, "unknown field; ignored");
            }
        }
        if (port == 0) {
            throw new ConfigException(c.path() + ".port", "required: the port the Prometheus sink listens on");
        }
        return new PrometheusSink(port, endpoint, List.copyOf(percentiles), process, jvm);
    }

    private static StatsMatcher matcher(JsonConfigValue m) {
        if (m.isMissing() || m.node().isNull()) {
            return StatsMatcher.ALL;
        }
        boolean rejectAll = false;
        List<String> labels = List.of();
        List<String> keys = List.of();
        for (String k : m.keys()) {
            JsonConfigValue v = m.get(k);
            switch (k.toLowerCase(Locale.ROOT)) {
                case "reject_all" -> rejectAll = v.node().asBoolean(false);
                case "exclusion_labels" -> labels = strings(v);
                case "exclusion_keys" -> keys = strings(v);
                default -> m.warn(k, "unknown field (MOSN's stats_matcher has reject_all, exclusion_labels and exclusion_keys); ignored");
            }
        }
        return new StatsMatcher(rejectAll, labels, keys);
    }

    private static List<String> strings(JsonConfigValue v) {
        if (v.node().isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new ConfigException(v.path(), "expected an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.node().size(); i++) {
            out.add(v.node().get(i).asText());
        }
        return out;
    }
}
