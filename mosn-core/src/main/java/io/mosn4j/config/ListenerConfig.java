package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * {@code servers[0].listeners[i]}. {@code use_original_dst} is MOSN's interception mode, a string
 * ({@code "tproxy"}, {@code "redirect"}; empty is off); {@code false} is read as off too.
 *
 * @param requestHeadersTimeout how long a client may take to send a request's header block from its
 *     first byte (Envoy's name; nginx's {@code client_header_timeout}); absent: 60 s, {@code 0s}: none
 * @param maxConnections the most downstream connections open at once on this listener; more are
 *     closed as they are accepted; absent or 0: no limit of its own (the server's still applies)
 * @param inspector MOSN's TLS inspector: a listener whose chains have TLS also serves clients that
 *     start in plaintext, told apart by their first bytes; without it they are closed
 * @param reuseport MOSN's {@code reuseport}: each worker event loop binds a socket of its own on the
 *     address with {@code SO_REUSEPORT} and accepts its own connections (none handed over to another
 *     loop); false: one socket, which one loop accepts on for all. Null (not set): on, as Envoy's
 *     {@code enable_reuse_port} (MOSN's documentation is silent): ~10% less CPU per new connection
 *     with two workers (README). {@link #reusesPort()} reads it
 */
public record ListenerConfig(
        String name,
        String type,
        String address,
        Boolean bindPort,
        String useOriginalDst,
        Duration connectionIdleTimeout,
        Duration requestHeadersTimeout,
        Integer maxConnections,
        Long perConnectionBufferLimitBytes,
        List<FilterConfig> listenerFilters,
        List<FilterChainConfig> filterChains,
        List<FilterConfig> streamFilters,
        List<JsonNode> accessLogs,
        Boolean inspector,
        Boolean reuseport) {

    /** nginx's {@code client_header_timeout} default. */
    public static final Duration DEFAULT_REQUEST_HEADERS_TIMEOUT = Duration.ofSeconds(60);

    public ListenerConfig {
        if (address == null || address.isBlank()) {
            throw new ConfigException("address", "required (e.g. \"127.0.0.1:2045\")");
        }
        SocketAddresses.parse(address, "address");
        name = name == null || name.isBlank() ? address : name;
        bindPort = bindPort == null || bindPort;
        useOriginalDst = originalDst(useOriginalDst);
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
        requestHeadersTimeout = requestHeadersTimeout == null ? DEFAULT_REQUEST_HEADERS_TIMEOUT : requestHeadersTimeout;
        if (requestHeadersTimeout.isNegative()) {
            throw new ConfigException("request_headers_timeout", "must not be negative");
        }
        maxConnections = maxConnections == null ? 0 : maxConnections;
        inspector = inspector != null && inspector;
        if (maxConnections < 0) {
            throw new ConfigException("max_connections", "must not be negative, got " + maxConnections);
        }
    }

    /** Whether each worker loop listens with a socket of its own: {@code reuseport}, on unless set false. */
    public boolean reusesPort() {
        return reuseport == null || reuseport;
    }

    /** Null when off; refused when on: connections would be served as if addressed to the proxy. */
    private static String originalDst(String mode) {
        String m = mode == null ? "" : mode.trim();
        if (m.isEmpty() || m.equalsIgnoreCase("false")) {
            return null;
        }
        if (m.equalsIgnoreCase("tproxy") || m.equalsIgnoreCase("redirect") || m.equalsIgnoreCase("true")) {
            throw new ConfigException("use_original_dst", "transparent interception (\"" + m + "\") is not supported yet");
        }
        throw new ConfigException("use_original_dst", "unknown value \"" + m + "\" (expected \"tproxy\" or \"redirect\", or empty for off)");
    }
}
