package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;

/**
 * {@code regex_rewrite}: every match of {@code pattern.regex} in the path (without its query) is
 * replaced by {@code substitution}, where {@code $1} or {@code ${name}} stand for groups (Go's
 * syntax, which MOSN uses). {@code pattern.google_re2} is Envoy's and read past.
 */
public record RegexRewriteConfig(PatternConfig pattern, String substitution) {
    public RegexRewriteConfig {
        if (pattern == null || pattern.regex() == null || pattern.regex().isEmpty()) {
            throw new ConfigException("pattern.regex", "required");
        }
        substitution = substitution == null ? "" : substitution;
    }

    /** {@code {"regex": ..., "google_re2": {...}}}. */
    public record PatternConfig(String regex, JsonNode googleRe2) {
        public PatternConfig {
            if (regex != null && !regex.isEmpty()) {
                Patterns.compile(regex, "regex");
            }
        }
    }
}
