package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
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
        Long perConnectionBufferLimitBytes,
        List<FilterConfig> listenerFilters,
        List<FilterChainConfig> filterChains,
        List<FilterConfig> streamFilters,
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
        listenerFilters = ConfigLists.copy(listenerFilters, "listener_filters");
        streamFilters = ConfigLists.copy(streamFilters, "stream_filters");
        accessLogs = ConfigLists.copy(accessLogs, "access_logs");
        perConnectionBufferLimitBytes = perConnectionBufferLimitBytes == null || perConnectionBufferLimitBytes <= 0 ? 1L << 20
                : perConnectionBufferLimitBytes;
        if (perConnectionBufferLimitBytes > Integer.MAX_VALUE) {
            throw new ConfigException("per_connection_buffer_limit_bytes", "must be at most " + Integer.MAX_VALUE);
        }
        if (connectionIdleTimeout != null && connectionIdleTimeout.isNegative()) {
            throw new ConfigException("connection_idle_timeout", "must not be negative");
        }
    }
}
