package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;

/** Copies config lists, refusing empty items ({@code -} alone in YAML, {@code null} in JSON) by path. */
final class ConfigLists {
    private ConfigLists() {}

    static <T> List<T> copy(List<T> list, String field) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new ConfigException(field + "[" + i + "]", "must not be empty");
            }
        }
        return List.copyOf(list);
    }
}
