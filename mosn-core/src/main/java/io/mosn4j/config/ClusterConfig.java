package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An upstream cluster. {@code type} (where its hosts come from) and {@code lb_type} are checked
 * against the cluster types and load balancers on the class path when the cluster is built, and so
 * are the balancer's own settings ({@code lbconfig}, {@code slow_start}); protocol settings
 * ({@code http2_protocol_options}) are read by their protocol's codec; {@code tls_context} is read
 * into the cluster's TLS when it is built.
 *
 * @param idleTimeout how long an upstream connection may carry no request before it is closed;
 *     absent or 0: never (MOSN's meaning)
 * @param keepalive RPC heartbeats on quiet upstream connections ({@code interval}, {@code timeout})
 * @param dnsRefreshRate how often a STRICT_DNS cluster's names are resolved again (default 5s)
 * @param outlierDetection Envoy's passive outlier detection for the cluster's hosts (mosn4j's
 *     addition; MOSN's is the listener's {@code fault_tolerance} filter); null: none
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
        JsonNode http2ProtocolOptions,
        HealthCheckConfig healthCheck,
        LbSubsetConfig lbSubsetConfig,
        JsonNode lbconfig,
        JsonNode slowStart,
        Duration idleTimeout,
        KeepAliveConfig keepalive,
        Duration dnsRefreshRate,
        Boolean respectDnsTtl,
        String dnsLookupFamily,
        DnsResolverConfig dnsResolvers,
        String dnsResolverFile,
        String dnsResolverPort,
        OutlierDetectionConfig outlierDetection) {

    public static final String SIMPLE = "SIMPLE";
    public static final String LB_ROUNDROBIN = "LB_ROUNDROBIN";

    /** A cluster with the settings every config had before health checks, subsets and DNS (tests, tools). */
    public ClusterConfig(String name, String type, String lbType, Duration connectTimeout, Long maxRequestPerConn,
                         Long connBufferLimitBytes, List<ThresholdsConfig> circuitBreakers, TlsContextConfig tlsContext,
                         List<HostConfig> hosts, JsonNode http2ProtocolOptions) {
        this(name, type, lbType, connectTimeout, maxRequestPerConn, connBufferLimitBytes, circuitBreakers, tlsContext, hosts,
                http2ProtocolOptions, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public ClusterConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("name", "required");
        }
        type = type == null || type.isBlank() ? SIMPLE : type.trim();
        lbType = lbType == null || lbType.isBlank() ? LB_ROUNDROBIN : lbType;
        connectTimeout = connectTimeout == null || connectTimeout.isZero() ? Duration.ofSeconds(3) : connectTimeout;
        if (connectTimeout.isNegative()) {
            throw new ConfigException("connect_timeout", "must not be negative");
        }
        maxRequestPerConn = maxRequestPerConn == null || maxRequestPerConn <= 0 ? 0L : maxRequestPerConn;
        connBufferLimitBytes = connBufferLimitBytes == null || connBufferLimitBytes <= 0 ? 1L << 20 : connBufferLimitBytes;
        circuitBreakers = ConfigLists.copy(circuitBreakers, "circuit_breakers");
        hosts = ConfigLists.copy(hosts, "hosts");
        if (idleTimeout != null && idleTimeout.isNegative()) {
            throw new ConfigException("idle_timeout", "must not be negative");
        }
        if (dnsRefreshRate != null && dnsRefreshRate.isNegative()) {
            throw new ConfigException("dns_refresh_rate", "must not be negative");
        }
        if (dnsLookupFamily != null && !dnsLookupFamily.isBlank()
                && !DNS_FAMILIES.contains(dnsLookupFamily.trim().toUpperCase(Locale.ROOT))) {
            throw new ConfigException("dns_lookup_family", "unknown value \"" + dnsLookupFamily + "\" (expected V4_ONLY, V6_ONLY or ALL)");
        }
    }

    // the settings in effect (components stay as written, so a config dump shows what the file said)

    /** {@code idle_timeout} in effect: zero means never. */
    public Duration idle() {
        return idleTimeout == null ? Duration.ZERO : idleTimeout;
    }

    /** {@code dns_refresh_rate} in effect (MOSN's and Envoy's default, 5s). */
    public Duration dnsRefresh() {
        return dnsRefreshRate == null || dnsRefreshRate.isZero() ? Duration.ofSeconds(5) : dnsRefreshRate;
    }

    /** {@code dns_lookup_family} in effect: {@code V4_ONLY} (MOSN's default), {@code V6_ONLY} or {@code ALL}. */
    public String dnsFamily() {
        return dnsLookupFamily == null || dnsLookupFamily.isBlank() ? "V4_ONLY" : dnsLookupFamily.trim().toUpperCase(Locale.ROOT);
    }

    public boolean respectTtl() {
        return respectDnsTtl != null && respectDnsTtl;
    }

    private static final Set<String> DNS_FAMILIES = Set.of("V4_ONLY", "V6_ONLY", "ALL");

    /**
     * MOSN's {@code keepalive}: a quiet upstream RPC connection is sent a heartbeat after
     * {@code interval} and closed when it is not answered within {@code timeout}; absent or 0:
     * mosn4j's defaults (60s, 20s).
     */
    public record KeepAliveConfig(Duration interval, Duration timeout) {
        public KeepAliveConfig {
            if (interval != null && interval.isNegative()) {
                throw new ConfigException("interval", "must not be negative");
            }
            if (timeout != null && timeout.isNegative()) {
                throw new ConfigException("timeout", "must not be negative");
            }
        }
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
