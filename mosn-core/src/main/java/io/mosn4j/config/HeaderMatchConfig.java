package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;

/**
 * A header a route requires: exact value, or a regular expression when {@code regex} is true.
 * Two of Envoy's matcher fields are read as well (mosn4j's additions, for routes converted from
 * xDS): {@code present_match} (the header is there, or with {@code false} absent, whatever its
 * value) and {@code invert_match} (the result inverted; as in Envoy, a value matcher never matches
 * an absent header, inverted or not).
 */
public record HeaderMatchConfig(String name, String value, Boolean regex, Boolean invertMatch, Boolean presentMatch) {
    public HeaderMatchConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("name", "required");
        }
        if (presentMatch != null && (value != null || regex != null)) {
            throw new ConfigException("present_match", "takes no value or regex: it matches on the header being there or not");
        }
        value = value == null ? "" : value;
        regex = regex != null && regex;
        invertMatch = invertMatch != null && invertMatch;
        if (regex) {
            Patterns.compile(value, "value");
        }
    }

    public HeaderMatchConfig(String name, String value, Boolean regex) {
        this(name, value, regex, null, null);
    }
}
