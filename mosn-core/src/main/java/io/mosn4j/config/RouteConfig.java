package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import io.mosn4j.api.config.ConfigException;
/**
 * A route: what it matches and what it does (forward to a cluster, or answer directly), and
 * per-filter settings that replace a stream filter's listener-level config for its requests.
 */
public record RouteConfig(String name, RouteMatchConfig match, RouteActionConfig route, DirectResponseConfig directResponse,
                          Map<String, JsonNode> perFilterConfig) {
    public RouteConfig {
        match = match == null ? new RouteMatchConfig(null, null, null, null) : match;
        perFilterConfig = perFilterConfig == null ? Map.of() : Map.copyOf(perFilterConfig);
        if (route == null && directResponse == null) {
            throw new ConfigException("route", "required (or give direct_response)");
        }
        if (route != null && directResponse == null && (route.clusterName() == null || route.clusterName().isBlank())) {
            throw new ConfigException("route.cluster_name", "required");
        }
    }
}
