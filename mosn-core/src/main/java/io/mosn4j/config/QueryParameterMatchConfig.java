package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;

/**
 * A query parameter a route requires, written like a header match: {@code value} exactly, or the
 * regular expression {@code value} when {@code regex} is true; without {@code value} the parameter
 * only has to be there. Names and values are compared as they appear in the request (not decoded).
 */
public record QueryParameterMatchConfig(String name, String value, Boolean regex) {
    public QueryParameterMatchConfig {
        if (name == null || name.isEmpty()) {
            throw new ConfigException("name", "required");
        }
        regex = regex != null && regex;
        if (regex) {
            if (value == null) {
                throw new ConfigException("value", "required with regex: true");
            }
            Patterns.compile(value, "value");
        }
    }
}
