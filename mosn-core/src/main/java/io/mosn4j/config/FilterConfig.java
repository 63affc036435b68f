package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/** A network filter: its {@code type} and its type-specific {@code config}. */
public record FilterConfig(String type, JsonNode config) {
    public FilterConfig {
        if (type == null || type.isBlank()) {
            throw new ConfigException("type", "required (proxy, tcp_proxy or connection_manager)");
        }
    }
}
