package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.util.List;
import java.util.Map;

/**
 * A virtual host: the domains it serves and its ordered routes (MOSN names them "routers"), the
 * headers it adds to and removes from its requests and responses, and per-filter settings.
 * A domain is a name ({@code www.foo.com}), a wildcard leading it ({@code *.foo.com},
 * {@code *-bar.foo.com}) or {@code *}, each optionally with {@code :port} or {@code :*}.
 */
public record VirtualHostConfig(String name, List<String> domains, List<RouteConfig> routers,
                                List<HeaderValueOptionConfig> requestHeadersToAdd, List<String> requestHeadersToRemove,
                                List<HeaderValueOptionConfig> responseHeadersToAdd, List<String> responseHeadersToRemove,
                                Map<String, JsonNode> perFilterConfig) {
    public VirtualHostConfig {
        name = name == null ? "" : name;
        domains = domains == null || domains.isEmpty() ? List.of("*") : ConfigLists.copy(domains, "domains");
        for (int i = 0; i < domains.size(); i++) {
            checkDomain(domains.get(i), "domains[" + i + "]");
        }
        routers = ConfigLists.copy(routers, "routers");
        requestHeadersToAdd = ConfigLists.copy(requestHeadersToAdd, "request_headers_to_add");
        requestHeadersToRemove = HeaderValueOptionConfig.checkRemovals(requestHeadersToRemove, "request_headers_to_remove");
        responseHeadersToAdd = ConfigLists.copy(responseHeadersToAdd, "response_headers_to_add");
        responseHeadersToRemove = HeaderValueOptionConfig.checkRemovals(responseHeadersToRemove, "response_headers_to_remove");
        perFilterConfig = perFilterConfig == null ? Map.of() : Map.copyOf(perFilterConfig);
    }

    /** Domains and routes only. */
    public VirtualHostConfig(String name, List<String> domains, List<RouteConfig> routers, Map<String, JsonNode> perFilterConfig) {
        this(name, domains, routers, null, null, null, null, perFilterConfig);
    }

    private static void checkDomain(String d, String field) {
        if (d == null || d.isBlank()) {
            throw new ConfigException(field, "must not be empty");
        }
        String host = d;
        int colon = d.lastIndexOf(':');
        if (colon >= 0 && !d.endsWith("]") && (d.startsWith("[") || d.indexOf(':') == colon)) {
            host = d.substring(0, colon);
            String port = d.substring(colon + 1);
            if (!port.equals("*") && !isPort(port)) {
                throw new ConfigException(field, "\"" + d + "\": the port must be a number or *");
            }
        }
        if (host.isEmpty() || host.indexOf('*') > 0 || host.indexOf('*') != host.lastIndexOf('*')) {
            throw new ConfigException(field, "\"" + d + "\": a wildcard may only lead the domain (\"*.example.com\", \"*\")");
        }
    }

    private static boolean isPort(String p) {
        if (p.isEmpty() || p.length() > 5) {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(p) <= 65535;
    }
}
