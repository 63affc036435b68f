package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.Locale;

/**
 * MOSN's variable match: the variable {@code name} equals {@code value}, or matches the regular
 * expression {@code regex} (unanchored, as Go's MatchString; it wins when both are given).
 * {@code model} ({@code "and"}, the default, or {@code "or"}) joins this item to the next; AND binds
 * tighter, as MOSN evaluates the list.
 */
public record VariableMatchConfig(String name, String value, String regex, String model) {
    public VariableMatchConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("name", "required");
        }
        if ((value == null || value.isEmpty()) && (regex == null || regex.isEmpty())) {
            // MOSN's matcher has nothing to compare and never matches: surely not what was meant
            throw new ConfigException("value", "required (or regex)");
        }
        if (regex != null && !regex.isEmpty()) {
            Patterns.compile(regex, "regex");
        }
        model = model == null || model.isEmpty() ? "and" : model.toLowerCase(Locale.ROOT);
        if (!model.equals("and") && !model.equals("or")) {
            throw new ConfigException("model", "invalid value \"" + model + "\" (expected and or or)");
        }
    }
}
