package io.mosn4j.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the registry in Prometheus' text format 0.0.4 with MOSN's names: a group's metric is
 * {@code <type>_<key>{labels}} (anything but {@code [a-zA-Z0-9_:]} becomes {@code _}, as MOSN's
 * sink does), counters as {@code counter}, gauges as {@code gauge}; a histogram as MOSN shows one:
 * gauges {@code <name>_min}, {@code <name>_max} and, per configured percentile {@code P},
 * {@code <name>{...,percentile="P<P>"}}, plus (mosn4j) counters {@code <name>_count} and
 * {@code <name>_sum}. Flat counters ({@code downstream.request.invalid}) are flattened the same
 * way, without labels. Each family's samples are written together, after one TYPE line.
 */
public final class PrometheusText {
    private static final Pattern FLATTEN = Pattern.compile("[^a-zA-Z0-9_:]");

    private PrometheusText() {}

    public static String write(StatsRegistry registry, List<Integer> percentiles) {
        Map<String, Family> families = new LinkedHashMap<>();
        for (StatsRegistry.Group g : registry.groups()) {
            String labels = labels(g.labels());
            String prefix = g.type() + "_";
            for (StatsRegistry.Value v : g.values()) {
                String name = flatten(prefix + v.key());
                switch (v.kind()) {
                    case COUNTER -> family(families, name, "counter").add(labels, v.number());
                    case GAUGE -> family(families, name, "gauge").add(labels, v.number());
                    case HISTOGRAM -> {
                        var h = v.histogram();
                        family(families, name + "_min", "gauge").add(labels, h.min());
                        family(families, name + "_max", "gauge").add(labels, h.max());
                        for (int p : percentiles) {
                            String pl = labels.isEmpty() ? "percentile=\"P" + p + "\"" : labels + ",percentile=\"P" + p + "\"";
                            family(families, name, "gauge").add(pl, h.percentile(p));
                        }
                        family(families, name + "_count", "counter").add(labels, h.count());
                        family(families, name + "_sum", "counter").add(labels, h.sum());
                    }
                }
            }
        }
        registry.snapshot().forEach((k, v) -> family(families, flatten(k), "counter").add("", v));
        StringBuilder out = new StringBuilder(4096);
        families.forEach((name, f) -> {
            out.append("# TYPE ").append(name).append(' ').append(f.type).append('\n');
            for (int i = 0; i < f.labels.size(); i++) {
                out.append(name);
                if (!f.labels.get(i).isEmpty()) {
                    out.append('{').append(f.labels.get(i)).append('}');
                }
                out.append(' ').append(f.values.get(i)).append('\n');
            }
        });
        return out.toString();
    }

    static String flatten(String key) {
        return FLATTEN.matcher(key).replaceAll("_");
    }

    private static Family family(Map<String, Family> families, String name, String type) {
        return families.computeIfAbsent(name, n -> new Family(type));
    }

    private static String labels(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        labels.forEach((k, v) -> {
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(flatten(k)).append("=\"").append(escape(v)).append('"');
        });
        return b.toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static final class Family {
        final String type;
        final List<String> labels = new ArrayList<>();
        final List<Long> values = new ArrayList<>();

        Family(String type) {
            this.type = type;
        }

        void add(String l, long v) {
            labels.add(l);
            values.add(v);
        }
    }
}
