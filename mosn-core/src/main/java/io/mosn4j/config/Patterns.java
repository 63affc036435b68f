package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Regular expressions in configs: compiled once at load, refused by the field's path when they do not compile. */
final class Patterns {
    private Patterns() {}

    static Pattern compile(String regex, String field) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(field, "invalid regular expression \"" + regex + "\": " + e.getDescription());
        }
    }
}
