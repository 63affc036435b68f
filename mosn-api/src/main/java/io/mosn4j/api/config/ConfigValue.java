package io.mosn4j.api.config;

import java.util.List;
import java.util.Set;

/**
 * A read-only view of one part of a config file (a filter's {@code config}, a protocol's
 * {@code extend_config}, a cluster), handed to extensions so they parse and validate their own
 * settings once, at load. Keys are looked up as MOSN's Go decoder does: ignoring case. Binding to a
 * record follows the rest of the config: snake_case keys, Go durations ({@code "1s"}), unknown keys
 * skipped; every error is a {@link ConfigException} naming the full path of the bad field.
 */
public interface ConfigValue {

    /** Where this value sits in the config, e.g. {@code servers[0].listeners[0].stream_filters[1].config}. */
    String path();

    /** True when the key is absent or {@code null}. */
    boolean isMissing();

    boolean isObject();

    boolean isArray();

    /** The value under {@code key} (any case); a missing value, never null, when there is none. */
    ConfigValue get(String key);

    /** The keys of an object as written, in order; empty for anything else. */
    Set<String> keys();

    /** The elements of an array; empty for anything else. */
    List<ConfigValue> elements();

    /** A string, number or boolean as text, or {@code fallback} when missing. */
    String asText(String fallback);

    /**
     * Binds this value to {@code type} (a record, a list, a map, a scalar); null when missing.
     *
     * @throws ConfigException naming the path of the first bad field
     */
    <T> T as(Class<T> type);

    /** A {@link ConfigException} for this value's path (or {@code field} under it). */
    default ConfigException error(String field, String reason) {
        return new ConfigException(pathOf(field), reason);
    }

    /**
     * Says that this value (or {@code field} under it) is set but not acted on, because {@code
     * reason} ({@code "not a key of the fault stream filter; ignored"}): one WARN line at start
     * naming the path, and an entry in the admin config_dump's {@code warnings}. Only for what is
     * harmless to skip; a setting whose absence would let in, or send somewhere, what the config
     * says must not be, is refused with {@link #error} instead.
     */
    default void warn(String field, String reason) {
        String p = pathOf(field);
        System.getLogger("config").log(System.Logger.Level.WARNING, p.isEmpty() ? reason : p + ": " + reason);
    }

    private String pathOf(String field) {
        return field == null || field.isEmpty() ? path() : path().isEmpty() ? field : path() + "." + field;
    }
}
