package io.mosn4j.config;

/** A route: what it matches and what it does (forward to a cluster, or answer directly). */
public record RouteConfig(RouteMatchConfig match, RouteActionConfig route, DirectResponseConfig directResponse) {
    public RouteConfig {
        match = match == null ? new RouteMatchConfig(null, null, null, null) : match;
        if (route == null && directResponse == null) {
            throw new ConfigException("route", "required (or give direct_response)");
        }
        if (route != null && directResponse == null && (route.clusterName() == null || route.clusterName().isBlank())) {
            throw new ConfigException("route.cluster_name", "required");
        }
    }
}
