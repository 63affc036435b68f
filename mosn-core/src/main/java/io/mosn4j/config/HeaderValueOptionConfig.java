package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;
import java.util.Locale;

/**
 * One of {@code request_headers_to_add} / {@code response_headers_to_add}: {@code {"header":
 * {"key", "value"}, "append": true}}. As in MOSN, {@code append} defaults to true (a header already
 * there keeps its value and gains {@code ,value}); false replaces it. A value written
 * {@code %name%} is the request's variable {@code name} (MOSN's syntax), read when the header is added.
 */
public record HeaderValueOptionConfig(HeaderValueConfig header, Boolean append) {
    public HeaderValueOptionConfig {
        if (header == null) {
            throw new ConfigException("header", "required: {\"key\": ..., \"value\": ...}");
        }
        append = append == null || append;
    }

    /** {@code {"key", "value"}}. */
    public record HeaderValueConfig(String key, String value) {
        public HeaderValueConfig {
            checkName(key, "key");
            value = value == null ? "" : value;
        }
    }

    /**
     * Header names a route may add or remove: not pseudo-headers ({@code :path}) or {@code host},
     * which carry the request line (rewrite those with prefix_rewrite, host_rewrite...).
     */
    static void checkName(String name, String field) {
        if (name == null || name.isBlank()) {
            throw new ConfigException(field, "required");
        }
        if (name.startsWith(":") || name.toLowerCase(Locale.ROOT).equals("host")) {
            throw new ConfigException(field, "\"" + name + "\" cannot be added or removed (use prefix_rewrite, regex_rewrite or host_rewrite)");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || c == ':') {
                throw new ConfigException(field, "\"" + name + "\" is not a valid header name");
            }
        }
    }

    static List<String> checkRemovals(List<String> names, String field) {
        List<String> copy = ConfigLists.copy(names, field);
        for (int i = 0; i < copy.size(); i++) {
            checkName(copy.get(i), field + "[" + i + "]");
        }
        return copy;
    }
}
