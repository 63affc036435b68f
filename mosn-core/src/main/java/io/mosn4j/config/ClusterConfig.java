package io.mosn4j.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** An upstream cluster. */
public record ClusterConfig(
        String name,
        String type,
        String lbType,
        Duration connectTimeout,
        Long maxRequestPerConn,
        Long connBufferLimitBytes,
        List<HostConfig> hosts,
        Http2Options http2ProtocolOptions) {

    public static final String SIMPLE = "SIMPLE";
    public static final String LB_RANDOM = "LB_RANDOM";
    public static final String LB_ROUNDROBIN = "LB_ROUNDROBIN";

    private static final Set<String> TYPES_LATER = Set.of("EDS", "STRICT_DNS", "LOGICAL_DNS", "ORIGINAL_DST", "STATIC_DNS");
    private static final Set<String> LB_LATER = Set.of("LB_WEIGHTED_ROUNDROBIN", "LB_LEAST_REQUEST", "LB_LEAST_CONNECTION",
            "LB_MAGLEV", "LB_RINGHASH", "LB_ORIGINAL_DST", "LB_PEAKEWMA", "LB_REQUEST_ROUTE");

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
        if (LB_LATER.contains(lbType)) {
            throw new ConfigException("lb_type", "\"" + lbType + "\" is not supported yet (supported: LB_RANDOM, LB_ROUNDROBIN)");
        }
        if (!lbType.equals(LB_RANDOM) && !lbType.equals(LB_ROUNDROBIN)) {
            throw new ConfigException("lb_type", "unknown value \"" + lbType + "\" (expected LB_RANDOM or LB_ROUNDROBIN)");
        }
        connectTimeout = connectTimeout == null || connectTimeout.isZero() ? Duration.ofSeconds(3) : connectTimeout;
        if (connectTimeout.isNegative()) {
            throw new ConfigException("connect_timeout", "must not be negative");
        }
        maxRequestPerConn = maxRequestPerConn == null || maxRequestPerConn <= 0 ? 0L : maxRequestPerConn;
        connBufferLimitBytes = connBufferLimitBytes == null || connBufferLimitBytes <= 0 ? 1L << 20 : connBufferLimitBytes;
        hosts = ConfigLists.copy(hosts, "hosts");
        http2ProtocolOptions = http2ProtocolOptions == null ? Http2Options.DEFAULTS : http2ProtocolOptions;
    }
}
