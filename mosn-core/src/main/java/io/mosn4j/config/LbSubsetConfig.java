package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster's {@code lb_subset_config}: the host subsets a route's {@code metadata_match} may pick
 * ({@code subset_selectors}: lists of metadata keys), and what happens when a request's match
 * names no subset with hosts ({@code fall_back_policy}, MOSN's spelling, or Envoy's
 * {@code fallback_policy}: 0 or {@code NO_FALLBACK} refuses the request, 1 or
 * {@code ANY_ENDPOINT} uses every host, 2 or {@code DEFAULT_SUBSET} the hosts matching
 * {@code default_subset}).
 */
public record LbSubsetConfig(JsonNode fallBackPolicy, JsonNode fallbackPolicy, Map<String, String> defaultSubset,
                             List<List<String>> subsetSelectors) {

    public enum Fallback { NO_FALLBACK, ANY_ENDPOINT, DEFAULT_SUBSET }

    public LbSubsetConfig {
        if (present(fallBackPolicy) && present(fallbackPolicy)) {
            throw new ConfigException("fallback_policy", "set only one of fall_back_policy (MOSN's spelling) and fallback_policy");
        }
        parse(present(fallBackPolicy) ? fallBackPolicy : fallbackPolicy, present(fallBackPolicy) ? "fall_back_policy" : "fallback_policy");
        defaultSubset = defaultSubset == null ? Map.of() : new TreeMap<>(defaultSubset);
        List<List<String>> selectors = new ArrayList<>();
        List<List<String>> in = ConfigLists.copy(subsetSelectors, "subset_selectors");
        for (int i = 0; i < in.size(); i++) {
            List<String> keys = ConfigLists.copy(in.get(i), "subset_selectors[" + i + "]");
            if (keys.isEmpty()) {
                throw new ConfigException("subset_selectors[" + i + "]", "must name at least one metadata key");
            }
            // MOSN sorts a selector's keys: ["b", "a"] and ["a", "b"] are one subset
            selectors.add(keys.stream().sorted().distinct().toList());
        }
        subsetSelectors = selectors.stream().distinct().toList();
    }

    /** The fallback policy in effect (absent: {@code NO_FALLBACK}, as in MOSN). */
    public Fallback fallback() {
        return present(fallBackPolicy) ? parse(fallBackPolicy, "fall_back_policy") : parse(fallbackPolicy, "fallback_policy");
    }

    /** Whether subsets are on: MOSN turns them on when there is at least one selector. */
    public boolean enabled() {
        return !subsetSelectors.isEmpty();
    }

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    private static Fallback parse(JsonNode n, String field) {
        if (!present(n)) {
            return Fallback.NO_FALLBACK;
        }
        if (n.isIntegralNumber()) {
            int v = n.intValue();
            if (v < 0 || v > 2) {
                throw new ConfigException(field, "must be 0 (NO_FALLBACK), 1 (ANY_ENDPOINT) or 2 (DEFAULT_SUBSET), got " + v);
            }
            return Fallback.values()[v];
        }
        if (n.isTextual()) {
            try {
                return Fallback.valueOf(n.textValue().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(field, "unknown value \"" + n.textValue() + "\" (expected NO_FALLBACK, ANY_ENDPOINT or DEFAULT_SUBSET)");
            }
        }
        throw new ConfigException(field, "expected 0, 1, 2 or NO_FALLBACK, ANY_ENDPOINT, DEFAULT_SUBSET");
    }
}
