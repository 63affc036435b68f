package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MOSN's metadata: {@code {"filter_metadata": {"mosn.lb": {"key": "value"}}}}, the key/value
 * pairs of hosts that subset load balancing and a route's {@code metadata_match} select on.
 */
public final class Metadata {
    private Metadata() {}

    /** The {@code mosn.lb} pairs of {@code node} (values as text), empty when there are none. */
    public static Map<String, String> parse(JsonNode node, String field) {
        if (node == null || node.isNull() || node.isMissingNode() || node.isEmpty()) {
            return Map.of();
        }
        JsonNode meta = new JsonConfigValue(node, "").get("filter_metadata").node();
        if (meta.isMissingNode() || meta.isNull()) {
            throw new ConfigException(field, "expected {\"filter_metadata\": {\"mosn.lb\": {...}}}");
        }
        JsonNode lb = meta.path("mosn.lb");
        if (lb.isMissingNode() || lb.isNull()) {
            return Map.of();
        }
        if (!lb.isObject()) {
            throw new ConfigException(field + ".filter_metadata.mosn.lb", "expected an object of key/value pairs");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = lb.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new ConfigException(field + ".filter_metadata.mosn.lb." + e.getKey(), "expected a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return Map.copyOf(out);
    }
}
