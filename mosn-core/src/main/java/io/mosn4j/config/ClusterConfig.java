package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * An upstream cluster. {@code lb_type} is checked against the load balancers on the class path
 * when the cluster is built; protocol settings ({@code http2_protocol_options}) are read by their
 * protocol's codec; {@code tls_context} is read into the cluster's TLS when it is built.
 */
public record ClusterConfig(
        String name,
        String type,
        String lbType,
        Duration connectTimeout,
        Long maxRequestPerConn,
        Long connBufferLimitBytes,
        List<ThresholdsConfig> circuitBreakers,
        TlsContextConfig tlsContext,
        List<HostConfig> hosts,
        JsonNode http2ProtocolOptions) {

    public static final String SIMPLE = "SIMPLE";
    public static final String LB_ROUNDROBIN = "LB_ROUNDROBIN";

    private static final Set<String> TYPES_LATER = Set.of("EDS", "STRICT_DNS", "LOGICAL_DNS", "ORIGINAL_DST", "STATIC_DNS");

    public ClusterConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("name", "required");
        }
        type = type == null || type.isBlank() ? SIMPLE : type;
        if (TYPES_LATER.contains(type)) {
            throw new ConfigException("type", "cluster type \"" + type + "\" is not supported yet (supported: SIMPLE)");
        }
        if (!type.equals(SIMPLE)) {
            throw new ConfigException("type", "unknown value \"" + type + "\" (expected SIMPLE)");
        }
        lbType = lbType == null || lbType.isBlank() ? LB_ROUNDROBIN : lbType;
        connectTimeout = connectTimeout == null || connectTimeout.isZero() ? Duration.ofSeconds(3) : connectTimeout;
        if (connectTimeout.isNegative()) {
            throw new ConfigException("connect_timeout", "must not be negative");
        }
        maxRequestPerConn = maxRequestPerConn == null || maxRequestPerConn <= 0 ? 0L : maxRequestPerConn;
        connBufferLimitBytes = connBufferLimitBytes == null || connBufferLimitBytes <= 0 ? 1L << 20 : connBufferLimitBytes;
        circuitBreakers = ConfigLists.copy(circuitBreakers, "circuit_breakers");
        hosts = ConfigLists.copy(hosts, "hosts");
    }

    /** The circuit breakers in effect: MOSN reads the first thresholds entry; none means unlimited. */
    public ThresholdsConfig thresholds() {
        return circuitBreakers.isEmpty() ? ThresholdsConfig.UNLIMITED : circuitBreakers.get(0);
    }

    /**
     * One {@code circuit_breakers} entry: the most connections, pending requests (waiting for a
     * connection), requests in flight and retries in flight the cluster allows; 0 is unlimited.
     */
    public record ThresholdsConfig(Long maxConnections, Long maxPendingRequests, Long maxRequests, Long maxRetries) {
        public static final ThresholdsConfig UNLIMITED = new ThresholdsConfig(null, null, null, null);

        public ThresholdsConfig {
            maxConnections = nonNegative(maxConnections, "max_connections");
            maxPendingRequests = nonNegative(maxPendingRequests, "max_pending_requests");
            maxRequests = nonNegative(maxRequests, "max_requests");
            maxRetries = nonNegative(maxRetries, "max_retries");
        }

        private static Long nonNegative(Long v, String field) {
            if (v != null && v < 0) {
                throw new ConfigException(field, "must not be negative, got " + v);
            }
            return v == null ? 0L : v;
        }
    }
}
