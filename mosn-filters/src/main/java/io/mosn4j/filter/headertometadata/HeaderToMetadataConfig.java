package io.mosn4j.filter.headertometadata;

import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code header_to_metadata} filter's config (MOSN's):
 * {@code {"request_rules": [{"header": "x-version", "on_header_present": {"key": "version"},
 * "on_header_missing": {"key": "version", "value": "v1"}, "remove": false}]}}.
 *
 * @param rules applied in order; a later rule's key wins over an earlier one's
 */
record HeaderToMetadataConfig(List<Rule> rules) {

    HeaderToMetadataConfig {
        rules = List.copyOf(rules);
    }

    /**
     * One request header to metadata.
     *
     * @param header the header's name, lower case
     * @param onPresent when the request has the header: the metadata key and value (empty: the header's value), or null
     * @param onMissing when it has not: the key and value, or null
     * @param remove whether the header is taken off the request once read
     */
    record Rule(String header, Pair onPresent, Pair onMissing, boolean remove) {}

    /** A metadata key and value. */
    record Pair(String key, String value) {}

    private static final Set<String> RULE_KEYS = Set.of("header", "on_header_present", "on_header_missing", "remove");

    /**
     * Parses {@code c}; a missing config has no rules.
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static HeaderToMetadataConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new HeaderToMetadataConfig(List.of());
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"request_rules\": [...]}");
        }
        for (String key : c.keys()) {
            if (!key.equalsIgnoreCase("request_rules")) {
                // response_rules (Envoy's) would put metadata nowhere routing reads; MOSN has none
                c.warn(key, "not a key of the header_to_metadata stream filter; ignored");
            }
        }
        ConfigValue r = c.get("request_rules");
        List<Rule> rules = new ArrayList<>();
        if (!r.isMissing()) {
            if (!r.isArray()) {
                throw r.error("", "must be an array of {\"header\", \"on_header_present\" or \"on_header_missing\", \"remove\"}");
            }
            for (ConfigValue e : r.elements()) {
                rules.add(rule(e));
            }
        }
        return new HeaderToMetadataConfig(rules);
    }

    private static Rule rule(ConfigValue e) {
        if (!e.isObject()) {
            throw e.error("", "must be an object {\"header\", \"on_header_present\" or \"on_header_missing\", \"remove\"}");
        }
        for (String key : e.keys()) {
            if (!RULE_KEYS.contains(key.toLowerCase(Locale.ROOT))) {
                e.warn(key, "not a key of a header_to_metadata rule; ignored");
            }
        }
        String header = e.get("header").asText("").trim();
        if (header.isEmpty()) {
            throw e.error("header", "required: the request header to read");
        }
        ConfigValue present = e.get("on_header_present");
        ConfigValue missing = e.get("on_header_missing");
        if (!present.isMissing() && !missing.isMissing()) {
            throw e.error("", "give one of on_header_present and on_header_missing, not both (as MOSN)");
        }
        if (present.isMissing() && missing.isMissing()) {
            throw e.error("", "one of on_header_present and on_header_missing is required");
        }
        Boolean remove = e.get("remove").as(Boolean.class);
        return new Rule(header.toLowerCase(Locale.ROOT), pair(present), pair(missing), remove != null && remove);
    }

    private static Pair pair(ConfigValue p) {
        if (p.isMissing()) {
            return null;
        }
        if (!p.isObject()) {
            throw p.error("", "must be an object {\"key\", \"value\"}");
        }
        for (String key : p.keys()) {
            if (!key.equalsIgnoreCase("key") && !key.equalsIgnoreCase("value")) {
                p.warn(key, "not a key of a header_to_metadata pair; ignored");
            }
        }
        String key = p.get("key").asText("");
        if (key.isEmpty()) {
            throw p.error("key", "required: the metadata key to set");
        }
        return new Pair(key, p.get("value").asText(""));
    }
}
