package io.mosn4j.filter.transcoder;

import io.mosn4j.api.Providers;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.TranscoderFactory;
import io.mosn4j.api.stream.Headers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code transcoder} filter's config, MOSN's layout: {@code {"type": "http2bolt_simple"}} (every
 * request), and/or {@code "rules": [{"matcher_config": {"matcher_type": "simpleMatcher", "config":
 * {"name": "service", "value": "test"}}, "rule_info": {"upstream_protocol": "bolt", "description": "…",
 * "config": {…}}}]} (the first rule whose header matches; its transcoder is MOSN's
 * {@code <client protocol>_<upstream_protocol>}), and {@code "trans": {"receiver_phase": 0|1|2}}
 * (before routing, after it — the default —, after the host is chosen). The type rule comes after
 * the others, as in MOSN. Transcoders are found at load and made once.
 */
record TranscoderConfig(List<Rule> rules, ReceiverPhase phase) {

    /**
     * A header condition ({@code name} equal to {@code value}; null name: every request) and the
     * transcoder for each client protocol it applies to (by lower-case protocol name, or "*" for any).
     */
    record Rule(String name, String value, Map<String, Transcoder> byProtocol) {
        boolean matches(Headers h) {
            return name == null || value.equals(h.get(name));
        }

        Transcoder forProtocol(String protocol) {
            Transcoder t = byProtocol.get("*");
            return t != null ? t : byProtocol.get(protocol == null ? "" : protocol.toLowerCase(Locale.ROOT));
        }
    }

    static TranscoderConfig parse(ConfigValue c) {
        if (c.isMissing() || !c.isObject()) {
            throw c.error("", "must be an object with \"type\" or \"rules\"");
        }
        for (String key : c.keys()) {
            if (!List.of("type", "rules", "trans").contains(key.toLowerCase(Locale.ROOT))) {
                c.warn(key, "not a key of the transcoder stream filter; ignored");
            }
        }
        List<TranscoderFactory> factories = Providers.load(TranscoderFactory.class, TranscoderConfig.class.getClassLoader());
        List<Rule> rules = new ArrayList<>();
        ConfigValue rs = c.get("rules");
        if (!rs.isMissing()) {
            if (!rs.isArray()) {
                throw rs.error("", "must be an array of {\"matcher_config\", \"rule_info\"}");
            }
            for (ConfigValue r : rs.elements()) {
                rules.add(rule(r, factories));
            }
        }
        String type = c.get("type").asText("");
        if (!type.isBlank()) {
            TranscoderFactory f = factories.stream().filter(x -> x.name().equals(type)).findFirst()
                    .orElseThrow(() -> c.error("type", "unknown transcoder \"" + type + "\" (available: " + names(factories) + ")"));
            ConfigValue none = c.get(""); // MOSN's type shorthand gives its transcoder no config
            rules.add(new Rule(null, null, Map.of("*", f.create(none))));
        }
        if (rules.isEmpty()) {
            throw c.error("", "needs \"type\" or \"rules\": with neither, nothing is transcoded");
        }
        return new TranscoderConfig(List.copyOf(rules), phase(c.get("trans")));
    }

    private static Rule rule(ConfigValue r, List<TranscoderFactory> factories) {
        ConfigValue m = r.get("matcher_config");
        if (m.isMissing() || !m.isObject()) {
            throw r.error("matcher_config", "required: {\"matcher_type\": \"simpleMatcher\", \"config\": {\"name\", \"value\"}}");
        }
        String matcherType = m.get("matcher_type").asText("");
        if (!matcherType.equals("simpleMatcher")) {
            throw m.error("matcher_type", "unknown matcher \"" + matcherType + "\" (available: simpleMatcher)");
        }
        ConfigValue mc = m.get("config");
        String name = null;
        String value = null;
        if (!mc.isMissing()) {
            name = mc.get("name").asText(null);
            value = mc.get("value").asText(null);
            if (name == null || value == null) {
                throw mc.error("", "needs \"name\" and \"value\" (a header the request must carry with that value)");
            }
        }
        ConfigValue info = r.get("rule_info");
        String upstream = info.get("upstream_protocol").asText("");
        if (upstream.isBlank()) {
            throw r.error("rule_info.upstream_protocol", "required: the protocol requests are converted to (bolt)");
        }
        // MOSN names the transcoder <client protocol>_<upstream_protocol>: every factory answering to such a name
        Map<String, Transcoder> byProtocol = new HashMap<>();
        String suffix = "_" + upstream.toLowerCase(Locale.ROOT);
        for (TranscoderFactory f : factories) {
            Transcoder made = null;
            for (String alias : f.aliases()) {
                String a = alias.toLowerCase(Locale.ROOT);
                if (a.endsWith(suffix)) {
                    made = made != null ? made : f.create(info.get("config"));
                    byProtocol.putIfAbsent(a.substring(0, a.length() - suffix.length()), made);
                }
            }
        }
        if (byProtocol.isEmpty()) {
            throw info.error("upstream_protocol", "no transcoder converts requests to \"" + upstream + "\" (available: " + names(factories) + ")");
        }
        return new Rule(name, value, Map.copyOf(byProtocol));
    }

    private static ReceiverPhase phase(ConfigValue trans) {
        ConfigValue p = trans.get("receiver_phase");
        if (p.isMissing()) {
            return ReceiverPhase.AFTER_ROUTE;
        }
        Integer n = p.as(Integer.class);
        if (n == null || n < 0 || n >= ReceiverPhase.values().length) {
            // MOSN falls back to after-route for a phase it does not know
            p.warn("", "not a receive phase (0 before routing, 1 after, 2 after choosing the host); after routing it is");
            return ReceiverPhase.AFTER_ROUTE;
        }
        return ReceiverPhase.values()[n];
    }

    private static String names(List<TranscoderFactory> factories) {
        TreeSet<String> names = new TreeSet<>();
        for (TranscoderFactory f : factories) {
            names.add(f.name());
            names.addAll(f.aliases());
        }
        return String.join(", ", names);
    }
}
