package io.mosn4j.filter.payloadlimit;

import io.mosn4j.api.config.ConfigValue;

/**
 * The {@code payload_limit} filter's config (MOSN's {@code StreamPayloadLimit}), for a listener or
 * one route's {@code per_filter_config}: {@code {"max_entity_size": N, "http_status": 413}}.
 *
 * <p>MOSN declares the size's JSON name with a trailing space, {@code "max_entity_size "}, so MOSN
 * itself only reads the size when a file spells it that way (and silently has no limit otherwise).
 * Both spellings are read here; a file carrying both is refused.
 *
 * @param maxEntitySize the largest request body let through, in bytes; 0: no limit
 * @param httpStatus the status a refused request gets
 */
record PayloadLimitConfig(long maxEntitySize, int httpStatus) {

    static final String SIZE = "max_entity_size";
    /** The spelling MOSN's own JSON tag has, and the only one MOSN honours. */
    static final String MOSN_SIZE = "max_entity_size ";
    static final String STATUS = "http_status";

    /**
     * Parses {@code c}; a missing config is no limit. Unknown keys are ignored with a warning.
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static PayloadLimitConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new PayloadLimitConfig(0, 413);
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"max_entity_size\", \"http_status\"}");
        }
        for (String key : c.keys()) {
            if (!key.equalsIgnoreCase(SIZE) && !key.equalsIgnoreCase(MOSN_SIZE) && !key.equalsIgnoreCase(STATUS)) {
                c.warn(key, "not a key of the payload_limit stream filter; ignored");
            }
        }
        ConfigValue plain = c.get(SIZE);
        ConfigValue mosn = c.get(MOSN_SIZE);
        if (!plain.isMissing() && !mosn.isMissing()) {
            throw mosn.error("", "given twice, as \"max_entity_size\" and as MOSN's \"max_entity_size \"; keep one");
        }
        ConfigValue size = plain.isMissing() ? mosn : plain;
        Long max = size.as(Long.class);
        if (max != null && max < 0) {
            throw size.error("", "must be 0 (no limit) or more, got " + max);
        }
        ConfigValue s = c.get(STATUS);
        Integer status = s.as(Integer.class);
        if (status == null) {
            status = 413;
        } else if (status < 400 || status > 599) {
            throw s.error("", "must be an HTTP error status 400..599, got " + status);
        }
        return new PayloadLimitConfig(max == null ? 0 : max, status);
    }
}
