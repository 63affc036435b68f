package io.mosn4j.router;

import io.mosn4j.api.variable.Variables;
import io.mosn4j.filter.StreamFilters;
import java.util.function.Predicate;

/**
 * What building a route table needs from the rest of the proxy: the stream filters (to parse
 * {@code per_filter_config}), the variables (for variable matches, {@code cluster_variable} and
 * {@code %name%} header values) and which clusters exist (a route naming an unknown one is refused).
 *
 * @param filters the stream filters, or null when no route may carry per_filter_config
 * @param variables the process's variables, or null when no route may name one
 * @param clusters whether a cluster of that name exists; null accepts any name
 */
public record RouteDependencies(StreamFilters filters, Variables variables, Predicate<String> clusters) {
    /** Nothing: tables without per-filter config or variables, any cluster name (tests). */
    public static final RouteDependencies NONE = new RouteDependencies(null, null, null);
}
