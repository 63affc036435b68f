package io.mosn4j.filter.gzip;

import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code gzip} filter's config (MOSN's {@code StreamGzip}):
 * {@code {"gzip_level": 6, "content_length": 0, "content_types": ["text/html"]}}, with MOSN's
 * defaults (level 0 means 6; no minimum length; {@code text/html} only).
 *
 * @param level the deflate level, 1 (fastest) to 9 (smallest)
 * @param minLength responses declaring a {@code content-length} below this are sent as they are
 * @param contentTypes media types (lower case, without parameters) that are compressed
 */
record GzipConfig(int level, long minLength, Set<String> contentTypes) {
    static final int DEFAULT_LEVEL = 6;
    static final String DEFAULT_TYPE = "text/html";

    /**
     * Parses {@code c}; a missing config is MOSN's defaults.
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static GzipConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new GzipConfig(DEFAULT_LEVEL, 0, Set.of(DEFAULT_TYPE));
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"gzip_level\", \"content_length\", \"content_types\"}");
        }
        for (String key : c.keys()) {
            String k = key.toLowerCase(Locale.ROOT);
            if (k.equals("content_type")) {
                c.warn(key, "MOSN's key is \"content_types\"; ignored");
            } else if (!k.equals("gzip_level") && !k.equals("content_length") && !k.equals("content_types")) {
                c.warn(key, "not a key of the gzip stream filter; ignored");
            }
        }
        ConfigValue l = c.get("gzip_level");
        Integer level = l.as(Integer.class);
        if (level == null || level == 0) {
            level = DEFAULT_LEVEL;
        } else if (level < 0 || level > 9) {
            throw l.error("", "must be 1..9 (0: the default, 6), got " + level);
        }
        ConfigValue m = c.get("content_length");
        Long min = m.as(Long.class);
        if (min != null && min < 0) {
            throw m.error("", "must be 0 or more, got " + min);
        }
        ConfigValue t = c.get("content_types");
        List<String> types = new ArrayList<>();
        if (t.isMissing()) {
            types.add(DEFAULT_TYPE);
        } else {
            if (!t.isArray()) {
                throw t.error("", "must be an array of media types, e.g. [\"text/html\", \"application/json\"]");
            }
            for (ConfigValue e : t.elements()) {
                String type = mediaType(e.asText(""));
                if (type.isEmpty() || type.indexOf('/') < 0) {
                    throw e.error("", "must be a media type such as \"text/html\", got \"" + e.asText("") + "\"");
                }
                types.add(type);
            }
        }
        return new GzipConfig(level, min == null ? 0 : min, Set.copyOf(types));
    }

    /** A content-type's media type, lower case, without parameters ({@code text/html; charset=utf-8} → {@code text/html}). */
    static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
