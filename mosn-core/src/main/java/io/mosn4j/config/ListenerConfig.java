package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/** {@code servers[0].listeners[i]}. */
public record ListenerConfig(
        String name,
        String type,
        String address,
        Boolean bindPort,
        Boolean useOriginalDst,
        Duration connectionIdleTimeout,
        List<FilterChainConfig> filterChains,
        List<JsonNode> streamFilters,
        List<JsonNode> accessLogs) {

    public ListenerConfig {
        if (address == null || address.isBlank()) {
            throw new ConfigException("address", "required (e.g. \"127.0.0.1:2045\")");
        }
        SocketAddresses.parse(address, "address");
        name = name == null || name.isBlank() ? address : name;
        bindPort = bindPort == null || bindPort;
        filterChains = ConfigLists.copy(filterChains, "filter_chains");
        if (filterChains.isEmpty()) {
            throw new ConfigException("filter_chains", "at least one filter chain is required");
        }
        if (filterChains.size() > 1) {
            throw new ConfigException("filter_chains", "only one filter chain per listener is supported, got " + filterChains.size());
        }
        streamFilters = ConfigLists.copy(streamFilters, "stream_filters");
        accessLogs = ConfigLists.copy(accessLogs, "access_logs");
        if (connectionIdleTimeout != null && connectionIdleTimeout.isNegative()) {
            throw new ConfigException("connection_idle_timeout", "must not be negative");
        }
    }
}
