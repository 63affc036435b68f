package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A config file that parsed and passed the checks that need nothing but the file; what needs the
 * extensions (protocols, filters, balancers) is checked when the server is built from it. Keeps the
 * parsed tree so extensions read their own parts ({@link #root()}).
 */
public record LoadedConfig(MosnConfig config, JsonNode tree) {
    public JsonConfigValue root() {
        return new JsonConfigValue(tree, "");
    }
}
