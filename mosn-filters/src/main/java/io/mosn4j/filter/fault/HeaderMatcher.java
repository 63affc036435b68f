package io.mosn4j.filter.fault;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.stream.Headers;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One of the fault's {@code headers}: {@code {"name", "value", "regex": bool}}, MOSN's header
 * matcher. The header must be present; its first value equals {@code value}, or, with
 * {@code regex}, contains a match of it (unanchored, as Go's {@code MatchString} and the router's
 * header matchers).
 */
record HeaderMatcher(String name, String value, Pattern pattern) {

    static HeaderMatcher parse(ConfigValue c) {
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"name\", \"value\", \"regex\"}");
        }
        FaultConfig.ignoreUnknownKeys(c, "name", "value", "regex");
        String name = c.get("name").as(String.class);
        if (name == null || name.isBlank()) {
            throw c.error("name", "required");
        }
        String value = c.get("value").as(String.class);
        value = value == null ? "" : value;
        Boolean regex = c.get("regex").as(Boolean.class);
        Pattern pattern = null;
        if (regex != null && regex) {
            try {
                pattern = Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                throw c.error("value", "invalid regular expression \"" + value + "\": " + e.getDescription());
            }
        }
        return new HeaderMatcher(name, value, pattern);
    }

    boolean matches(Headers request) {
        String v = request.get(name);
        if (v == null) {
            return false;
        }
        return pattern == null ? v.equals(value) : pattern.matcher(v).find();
    }
}
