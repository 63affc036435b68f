package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import io.mosn4j.api.config.ConfigException;
import java.util.List;

/** A virtual host: the domains it serves and its ordered routes (MOSN names them "routers"). */
public record VirtualHostConfig(String name, List<String> domains, List<RouteConfig> routers, Map<String, JsonNode> perFilterConfig) {
    public VirtualHostConfig {
        name = name == null ? "" : name;
        domains = domains == null || domains.isEmpty() ? List.of("*") : ConfigLists.copy(domains, "domains");
        for (int i = 0; i < domains.size(); i++) {
            String d = domains.get(i);
            if (d == null || d.isBlank()) {
                throw new ConfigException("domains[" + i + "]", "must not be empty");
            }
            if (d.indexOf('*') > 0 || d.indexOf('*') != d.lastIndexOf('*')) {
                throw new ConfigException("domains[" + i + "]", "\"" + d + "\": a wildcard may only lead the domain (\"*.example.com\", \"*\")");
            }
        }
        routers = ConfigLists.copy(routers, "routers");
        perFilterConfig = perFilterConfig == null ? Map.of() : Map.copyOf(perFilterConfig);
    }
}
