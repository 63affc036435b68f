package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;

/** A header a route requires: exact value, or a regular expression when {@code regex} is true. */
public record HeaderMatchConfig(String name, String value, Boolean regex) {
    public HeaderMatchConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("name", "required");
        }
        value = value == null ? "" : value;
        regex = regex != null && regex;
        if (regex) {
            Patterns.compile(value, "value");
        }
    }
}
