package io.mosn4j.filter;

import io.mosn4j.api.config.ConfigValue;
import java.util.Locale;
import java.util.Set;

/**
 * Reading Envoy's protobuf messages as MOSN's JSON carries them (its filters unmarshal with
 * jsonpb): a field may be written in lowerCamelCase ({@code localJwks}) or as the proto names it
 * ({@code local_jwks}); both are accepted, as jsonpb accepts both.
 */
public final class ProtoJson {
    private ProtoJson() {}

    /** The field {@code camel} of {@code c}, under its camelCase or its snake_case name. */
    public static ConfigValue field(ConfigValue c, String camel) {
        ConfigValue v = c.get(camel);
        return v.isMissing() ? c.get(snake(camel)) : v;
    }

    /** The field's text, or null when missing. */
    public static String text(ConfigValue c, String camel) {
        return field(c, camel).asText(null);
    }

    /** The field as a boolean ({@code true}/{@code false}), or {@code fallback} when missing. */
    public static boolean bool(ConfigValue c, String camel, boolean fallback) {
        ConfigValue v = field(c, camel);
        if (v.isMissing()) {
            return fallback;
        }
        // a BoolValue wrapper may arrive as {"value": true}
        ConfigValue inner = v.isObject() ? v.get("value") : v;
        String t = inner.asText("");
        return switch (t) {
            case "true" -> true;
            case "false" -> false;
            default -> throw v.error("", "must be true or false, got \"" + t + "\"");
        };
    }

    /**
     * Checks every key of {@code c}: one of {@code known} passes; one of {@code refused} (it would
     * narrow what passes, and is not done here) refuses the config; anything else is warned as
     * ignored. Names are compared without case and underscores, so camelCase and snake_case match.
     */
    public static void checkKeys(ConfigValue c, String what, Set<String> known, Set<String> refused) {
        for (String key : c.keys()) {
            String k = normalize(key);
            if (contains(known, k)) {
                continue;
            }
            if (contains(refused, k)) {
                throw c.error(key, "not supported by " + what + " in mosn4j; refused rather than ignored, as it narrows what is let through");
            }
            c.warn(key, "not a field " + what + " acts on; ignored");
        }
    }

    /** Refuses any key of {@code c} that is not one of {@code known}. */
    public static void refuseUnknown(ConfigValue c, String what, Set<String> known) {
        for (String key : c.keys()) {
            if (!contains(known, normalize(key))) {
                throw c.error(key, "not a field of " + what + " (expected one of " + String.join(", ", known) + ")");
            }
        }
    }

    private static boolean contains(Set<String> names, String normalized) {
        for (String n : names) {
            if (normalize(n).equals(normalized)) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String key) {
        return key.replace("_", "").toLowerCase(Locale.ROOT);
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char ch = camel.charAt(i);
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
