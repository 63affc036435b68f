package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;

/** One of a route's {@code dsl_expressions}: a CEL expression over the request that must be true. */
public record DslExpressionConfig(String expression) {
    public DslExpressionConfig {
        if (expression == null || expression.isBlank()) {
            throw new ConfigException("expression", "required");
        }
    }
}
