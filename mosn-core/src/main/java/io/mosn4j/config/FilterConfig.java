package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;

/** A filter of any kind: its {@code type} and its type-specific {@code config}. */
public record FilterConfig(String type, JsonNode config) {
    public FilterConfig {
        if (type == null || type.isBlank()) {
            throw new ConfigException("type", "required");
        }
    }
}
