package io.mosn4j.api.config;

/**
 * A config a user wrote is wrong. The message is one line that starts with the path of the bad
 * field ({@code cluster_manager.clusters[0].lb_type: unknown value "LB_FOO"}).
 *
 * <p>Record constructors throw it with the field name relative to the record; the loader
 * prefixes the record's own path.
 */
public final class ConfigException extends IllegalArgumentException {
    private final String field;
    private final String reason;

    public ConfigException(String field, String reason) {
        super(field.isEmpty() ? reason : field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The same error seen from {@code parentPath}. */
    public ConfigException under(String parentPath) {
        if (parentPath == null || parentPath.isEmpty()) {
            return this;
        }
        String f = field.isEmpty() ? parentPath : field.startsWith("[") ? parentPath + field : parentPath + "." + field;
        return new ConfigException(f, reason);
    }
}
