package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** How a route matches: path by prefix, exact path or regex (in that priority), plus headers. */
public record RouteMatchConfig(String prefix, String path, String regex, List<HeaderMatchConfig> headers) {
    public RouteMatchConfig {
        headers = ConfigLists.copy(headers, "headers");
        if (regex != null && !regex.isEmpty()) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new ConfigException("regex", "invalid regular expression \"" + regex + "\": " + e.getDescription());
            }
        }
    }
}
