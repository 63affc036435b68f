package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.ProtoJson.bool;
import static io.mosn4j.filter.ProtoJson.field;
import static io.mosn4j.filter.ProtoJson.refuseUnknown;
import static io.mosn4j.filter.ProtoJson.text;

import io.mosn4j.api.config.ConfigValue;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's {@code StringMatcher} ({@code exact}, {@code prefix}, {@code suffix}, {@code contains},
 * {@code safe_regex.regex} matching the whole value; {@code ignore_case}), compiled once.
 */
final class StringMatch {
    private StringMatch() {}

    static Predicate<String> parse(ConfigValue m) {
        if (!m.isObject()) {
            throw m.error("", "must be a StringMatcher object (exact, prefix, suffix, contains, safe_regex)");
        }
        refuseUnknown(m, "a StringMatcher", Set.of("exact", "prefix", "suffix", "contains", "safeRegex", "ignoreCase"));
        boolean ignoreCase = bool(m, "ignoreCase", false);
        String exact = text(m, "exact");
        String prefix = text(m, "prefix");
        String suffix = text(m, "suffix");
        String contains = text(m, "contains");
        ConfigValue regex = field(m, "safeRegex");
        int set = (exact != null ? 1 : 0) + (prefix != null ? 1 : 0) + (suffix != null ? 1 : 0) + (contains != null ? 1 : 0)
                + (regex.isMissing() ? 0 : 1);
        if (set != 1) {
            throw m.error("", "needs exactly one of exact, prefix, suffix, contains, safe_regex");
        }
        if (!regex.isMissing()) {
            return regex(regex, text(regex, "regex"), ignoreCase);
        }
        if (exact != null) {
            return ignoreCase ? exact::equalsIgnoreCase : exact::equals;
        }
        if (prefix != null) {
            return v -> v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }
        if (suffix != null) {
            return v -> v.length() >= suffix.length() && v.regionMatches(ignoreCase, v.length() - suffix.length(), suffix, 0, suffix.length());
        }
        String needle = ignoreCase ? contains.toLowerCase(Locale.ROOT) : contains;
        return ignoreCase ? v -> v.toLowerCase(Locale.ROOT).contains(needle) : v -> v.contains(needle);
    }

    /** A regex that must match the whole value, as Envoy's RE2 matchers do. */
    static Predicate<String> regex(ConfigValue at, String re, boolean ignoreCase) {
        if (re == null) {
            throw at.error("regex", "required");
        }
        try {
            Pattern p = Pattern.compile(re, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
            return v -> p.matcher(v).matches();
        } catch (PatternSyntaxException e) {
            throw at.error("regex", "not a regular expression: " + e.getDescription());
        }
    }
}
