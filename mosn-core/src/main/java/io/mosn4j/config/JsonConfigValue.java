package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link ConfigValue} over a Jackson tree, bound with the config loader's mapper.
 *
 * @param shared whether this is part of a bag several readers share, such as a proxy's
 *     {@code extend_config} (each protocol takes its own keys from it): a key one reader's record
 *     does not have then belongs to another, and is not warned about as unknown
 */
public record JsonConfigValue(JsonNode node, String path, boolean shared) implements ConfigValue {

    public JsonConfigValue {
        node = node == null ? MissingNode.getInstance() : node;
        path = path == null ? "" : path;
    }

    public JsonConfigValue(JsonNode node, String path) {
        this(node, path, false);
    }

    /** This value as a bag several readers share ({@code extend_config}). */
    public JsonConfigValue asShared() {
        return new JsonConfigValue(node, path, true);
    }

    public static JsonConfigValue missing(String path) {
        return new JsonConfigValue(MissingNode.getInstance(), path);
    }

    @Override
    public boolean isMissing() {
        return node.isMissingNode() || node.isNull();
    }

    @Override
    public boolean isObject() {
        return node.isObject();
    }

    @Override
    public boolean isArray() {
        return node.isArray();
    }

    /** The value under {@code key}, matched ignoring case as Go's decoder does; its path spells the key as the file does. */
    @Override
    public JsonConfigValue get(String key) {
        String child = path.isEmpty() ? key : path + "." + key;
        if (!node.isObject()) {
            return new JsonConfigValue(MissingNode.getInstance(), child, shared);
        }
        JsonNode exact = node.get(key);
        if (exact != null) {
            return new JsonConfigValue(exact, child, shared);
        }
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(key)) {
                // the path names the key as the file spells it
                return new JsonConfigValue(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), shared);
            }
        }
        return new JsonConfigValue(MissingNode.getInstance(), child, shared);
    }

    /** The element at {@code index} of an array, or a missing value. */
    public JsonConfigValue at(int index) {
        String child = path + "[" + index + "]";
        return new JsonConfigValue(node.isArray() && index < node.size() ? node.get(index) : MissingNode.getInstance(), child, shared);
    }

    @Override
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    @Override
    public List<ConfigValue> elements() {
        List<ConfigValue> out = new ArrayList<>();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                out.add(at(i));
            }
        }
        return out;
    }

    @Override
    public String asText(String fallback) {
        return isMissing() || node.isContainerNode() ? fallback : node.asText();
    }

    @Override
    public void warn(String field, String reason) {
        String p = field == null || field.isEmpty() ? path : path.isEmpty() ? field : path + "." + field;
        ConfigWarnings.warn(p, reason);
    }

    @Override
    public <T> T as(Class<T> type) {
        return isMissing() ? null : ConfigLoader.convert(node, type, path, shared);
    }
}
