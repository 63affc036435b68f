package io.mosn4j.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format 0.0.4, for tests: every sample must belong
 * to the family whose {@code # TYPE} came last (a counter's {@code _total}/{@code _created}, a
 * summary's or histogram's {@code _count}/{@code _sum}/{@code _bucket} included), a family is
 * declared once, names and labels are valid, label values escaped, values numbers. Any other line
 * fails with its number.
 */
final class PromText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern() + ") (counter|gauge|summary|histogram|untyped|info|unknown)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

    record Sample(String name, Map<String, String> labels, double value) {}

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> types = new LinkedHashMap<>();

    /** The admin's {@code /stats/prometheus} page at {@code adminPort} (answered 200), parsed. */
    static PromText scrape(int adminPort) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + adminPort + "/stats/prometheus"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("/stats/prometheus answered " + r.statusCode() + ": " + r.body());
            }
            return parse(r.body());
        }
    }

    static PromText parse(String text) {
        PromText p = new PromText();
        String family = null;
        String familyType = null;
        Set<String> seen = new HashSet<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher t = TYPE.matcher(line);
                if (t.matches()) {
                    if (!seen.add(t.group(1))) {
                        throw new IllegalArgumentException("line " + n + ": family " + t.group(1) + " declared twice");
                    }
                    family = t.group(1);
                    familyType = t.group(2);
                    p.types.put(family, familyType);
                } else if (!line.startsWith("# HELP ") && !line.startsWith("# EOF")) {
                    throw new IllegalArgumentException("line " + n + ": bad comment: " + line);
                }
                continue;
            }
            int i = 0;
            while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
                i++;
            }
            String name = line.substring(0, i);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("line " + n + ": bad metric name: " + line);
            }
            if (family == null || !belongs(name, family, familyType)) {
                throw new IllegalArgumentException("line " + n + ": " + name + " is not in the family declared last (" + family + ")");
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                int end = line.indexOf("} ", i);
                if (end < 0) {
                    throw new IllegalArgumentException("line " + n + ": unterminated labels: " + line);
                }
                String body = line.substring(i + 1, end);
                Matcher m = LABEL.matcher(body);
                int pos = 0;
                while (pos < body.length()) {
                    if (!m.find(pos) || m.start() != pos) {
                        throw new IllegalArgumentException("line " + n + ": bad labels: " + body);
                    }
                    if (labels.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\")) != null) {
                        throw new IllegalArgumentException("line " + n + ": label twice: " + m.group(1));
                    }
                    pos = m.end();
                    if (pos < body.length()) {
                        if (body.charAt(pos) != ',') {
                            throw new IllegalArgumentException("line " + n + ": bad labels: " + body);
                        }
                        pos++;
                    }
                }
                i = end + 1;
            }
            if (i >= line.length() || line.charAt(i) != ' ') {
                throw new IllegalArgumentException("line " + n + ": no value: " + line);
            }
            String[] rest = line.substring(i + 1).split(" ");
            if (rest.length > 2) {
                throw new IllegalArgumentException("line " + n + ": trailing text: " + line);
            }
            double v = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
            if (rest.length == 2) {
                Long.parseLong(rest[1]); // a timestamp
            }
            p.samples.add(new Sample(name, labels, v));
        }
        return p;
    }

    private static boolean belongs(String name, String family, String type) {
        if (name.equals(family)) {
            return true;
        }
        String suffix = name.startsWith(family) ? name.substring(family.length()) : "";
        return switch (type) {
            case "counter" -> suffix.equals("_total") || suffix.equals("_created");
            case "summary" -> suffix.equals("_count") || suffix.equals("_sum") || suffix.equals("_created");
            case "histogram" -> suffix.equals("_count") || suffix.equals("_sum") || suffix.equals("_bucket") || suffix.equals("_created");
            case "info" -> suffix.equals("_info");
            default -> false;
        };
    }

    /** The one sample of {@code name} with exactly {@code labels}; fails when there is none. */
    double value(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.labels.equals(labels)).mapToDouble(Sample::value).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels));
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name.equals(name));
    }

    List<Sample> named(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }
}
