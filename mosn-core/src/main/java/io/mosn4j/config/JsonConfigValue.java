package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A {@link ConfigValue} over a Jackson tree, bound with the config loader's mapper. */
public record JsonConfigValue(JsonNode node, String path) implements ConfigValue {

    public JsonConfigValue {
        node = node == null ? MissingNode.getInstance() : node;
        path = path == null ? "" : path;
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
            return missing(child);
        }
        JsonNode exact = node.get(key);
        if (exact != null) {
            return new JsonConfigValue(exact, child);
        }
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(key)) {
                // the path names the key as the file spells it
                return new JsonConfigValue(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
            }
        }
        return missing(child);
    }

    /** The element at {@code index} of an array, or a missing value. */
    public JsonConfigValue at(int index) {
        String child = path + "[" + index + "]";
        return node.isArray() && index < node.size() ? new JsonConfigValue(node.get(index), child) : missing(child);
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
    public <T> T as(Class<T> type) {
        return isMissing() ? null : ConfigLoader.convert(node, type, path);
    }
}
