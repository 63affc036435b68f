package io.mosn4j.config;

import java.util.List;

/**
 * How a route matches: the path by prefix, exact path or regex (in that priority, as MOSN ranks
 * them), then headers, query parameters, variables and DSL expressions; all that are given must hold.
 * {@code case_sensitive} (Envoy's field): unset keeps MOSN's rule (prefix case-sensitive, exact path
 * not), true or false sets both.
 */
public record RouteMatchConfig(String prefix, String path, String regex, Boolean caseSensitive, List<HeaderMatchConfig> headers,
                               List<QueryParameterMatchConfig> queryParameters, List<VariableMatchConfig> variables,
                               List<DslExpressionConfig> dslExpressions) {
    public RouteMatchConfig {
        headers = ConfigLists.copy(headers, "headers");
        queryParameters = ConfigLists.copy(queryParameters, "query_parameters");
        variables = ConfigLists.copy(variables, "variables");
        dslExpressions = ConfigLists.copy(dslExpressions, "dsl_expressions");
        if (regex != null && !regex.isEmpty()) {
            Patterns.compile(regex, "regex");
        }
    }

    /** Path and headers only. */
    public RouteMatchConfig(String prefix, String path, String regex, List<HeaderMatchConfig> headers) {
        this(prefix, path, regex, null, headers, null, null, null);
    }

    static RouteMatchConfig any() {
        return new RouteMatchConfig(null, null, null, null);
    }
}
