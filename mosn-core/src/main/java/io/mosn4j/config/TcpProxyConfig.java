package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;

/** The {@code tcp_proxy} network filter's config. */
public record TcpProxyConfig(String statPrefix, String cluster, List<TcpRouteConfig> routes, Duration idleTimeout, Integer maxConnectAttempts) {
    public TcpProxyConfig {
        routes = ConfigLists.copy(routes, "routes");
        if ((cluster == null || cluster.isBlank()) && routes.isEmpty()) {
            throw new ConfigException("cluster", "required (or give routes)");
        }
        // Envoy's default; MOSN's tcp_proxy has none, which leaks dead connections forever.
        idleTimeout = idleTimeout == null ? Duration.ofHours(1) : idleTimeout;
        if (idleTimeout.isNegative()) {
            throw new ConfigException("idle_timeout", "must not be negative");
        }
        maxConnectAttempts = maxConnectAttempts == null || maxConnectAttempts < 1 ? 1 : maxConnectAttempts;
    }
}
