package io.mosn4j.xds;

/**
 * Why one xDS resource cannot be applied: the resource, the field (its path inside the resource,
 * Envoy's proto names, or MOSN's JSON names when today's loader refused the converted config) and
 * the reason. Its message is what a NACK's {@code error_detail} carries.
 */
public final class XdsRejection extends RuntimeException {
    private final String field;
    private final String reason;

    public XdsRejection(String field, String reason) {
        super(field.isEmpty() ? reason : field + ": " + reason, null, false, false);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The same rejection with {@code parent} in front of the field's path. */
    public XdsRejection under(String parent) {
        return new XdsRejection(field.isEmpty() ? parent : parent + (field.startsWith("[") ? "" : ".") + field, reason);
    }
}
