package io.mosn4j.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.upstream.ClusterInfo;
import io.mosn4j.api.upstream.ClusterResources;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.HostConfig;
import io.mosn4j.config.SocketAddresses;
import io.mosn4j.protocol.Codecs;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of an upstream cluster: its config, hosts, balancer and what each protocol parsed
 * from it. Immutable; an update builds the next version from the previous one, keeping the
 * {@link Host} objects of addresses that stay and the circuit-breaker counts.
 */
public final class Cluster implements ClusterInfo {
    /** MOSN's balancers not built yet: refused with a clear message rather than "unknown". */
    private static final java.util.Set<String> LB_LATER = java.util.Set.of("LB_WEIGHTED_ROUNDROBIN", "LB_LEAST_REQUEST",
            "LB_LEAST_CONNECTION", "LB_MAGLEV", "LB_RINGHASH", "LB_ORIGINAL_DST", "LB_PEAK_EWMA", "LB_PEAKEWMA");

    private final ClusterConfig config;
    private final List<Host> hosts;
    private final HostSnapshot hostSet;
    private final LoadBalancerFactory balancer;
    private final Object balancerSettings;
    private final Resources resources;
    private final int bufferLimitBytes;
    /** What each codec parsed from this cluster's config, by codec name (lower case). */
    private final Map<String, Object> codecOptions;
    /** New weights and metadata for hosts kept from the previous version, applied when this one is published. */
    private final List<Runnable> hostUpdates = new ArrayList<>();
    private io.mosn4j.stats.UpstreamMetrics metrics = io.mosn4j.stats.UpstreamMetrics.NONE;

    /**
     * Builds a cluster from {@code config} (found at {@code raw.path()}). Resolves host names, so
     * call it off the event loops.
     *
     * @param previous the version this one replaces, or null
     * @throws ConfigException naming the bad field
     */
    public Cluster(ClusterConfig config, ConfigValue raw, Cluster previous, Balancers balancers, Codecs codecs) {
        this.config = config;
        this.balancer = balancers.get(config.lbType());
        if (balancer == null && LB_LATER.contains(config.lbType())) {
            throw raw.error("lb_type", "\"" + config.lbType() + "\" is not supported yet (supported: " + balancers.list() + ")");
        }
        if (balancer == null) {
            throw raw.error("lb_type", "unknown value \"" + config.lbType() + "\" (expected " + balancers.names() + ")");
        }
        this.balancerSettings = balancer.parse(raw);
        Map<String, Host> old = new HashMap<>();
        if (previous != null) {
            previous.hosts.forEach(h -> old.put(h.address(), h));
        }
        List<Host> hs = new ArrayList<>(config.hosts().size());
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < config.hosts().size(); i++) {
            HostConfig hc = config.hosts().get(i);
            String path = raw.path() + ".hosts[" + i + "]";
            if (seen.contains(hc.address())) {
                throw new ConfigException(path + ".address", "duplicate host \"" + hc.address() + "\"");
            }
            seen.add(hc.address());
            Map<String, String> metadata = metadata(hc.metadata(), path + ".metadata");
            Host kept = old.get(hc.address());
            if (kept != null) {
                hostUpdates.add(() -> kept.update(hc.weight(), metadata));
                hs.add(kept);
                continue;
            }
            InetSocketAddress unresolved = SocketAddresses.parse(hc.address(), "address");
            InetSocketAddress resolved = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
            if (resolved.isUnresolved()) {
                throw new ConfigException(path + ".address", "cannot resolve host \"" + unresolved.getHostString() + "\"");
            }
            hs.add(new Host(hc.address(), resolved, hc.weight(), metadata));
        }
        this.hosts = List.copyOf(hs);
        this.hostSet = HostSnapshot.of(hosts);
        this.resources = previous != null ? previous.resources : new Resources();
        this.bufferLimitBytes = (int) Math.min(Integer.MAX_VALUE, config.connBufferLimitBytes());
        Map<String, Object> options = new LinkedHashMap<>();
        for (ProtocolCodec c : codecs.all()) {
            Object o = c.clientOptions(raw);
            if (o != null) {
                options.put(c.name().toLowerCase(java.util.Locale.ROOT), o);
            }
        }
        this.codecOptions = Map.copyOf(options);
    }

    /**
     * Makes this version the live one's: kept hosts take their new weight and metadata, the
     * circuit breakers their new limits. Building alone (validation) changes nothing live.
     */
    /** MOSN's {@code upstream{cluster}} metrics and each new host's {@code upstream{cluster,host}}. */
    void attachMetrics(io.mosn4j.api.stats.Stats stats) {
        metrics = io.mosn4j.stats.UpstreamMetrics.cluster(stats, config.name());
        for (Host h : hosts) {
            if (h.metrics == io.mosn4j.stats.UpstreamMetrics.NONE) {
                h.metrics = io.mosn4j.stats.UpstreamMetrics.host(stats, config.name(), h.address());
            }
        }
    }

    public io.mosn4j.stats.UpstreamMetrics metrics() {
        return metrics;
    }

    void publish() {
        hostUpdates.forEach(Runnable::run);
        hostUpdates.clear();
        resources.apply(config.thresholds());
    }

    /** MOSN's host metadata: {@code {"filter_metadata": {"mosn.lb": {"k": "v"}}}}, values as strings. */
    private static Map<String, String> metadata(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        JsonNode lb = node.path("filter_metadata").path("mosn.lb");
        if (lb.isMissingNode()) {
            return Map.of();
        }
        if (!lb.isObject()) {
            throw new ConfigException(path + ".filter_metadata.mosn.lb", "expected an object of key/value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        lb.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    public ClusterConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    public List<Host> hosts() {
        return hosts;
    }

    HostSnapshot hostSet() {
        return hostSet;
    }

    LoadBalancerFactory balancer() {
        return balancer;
    }

    Object balancerSettings() {
        return balancerSettings;
    }

    @Override
    public Duration connectTimeout() {
        return config.connectTimeout();
    }

    @Override
    public long maxRequestsPerConnection() {
        return config.maxRequestPerConn();
    }

    @Override
    public int connectionBufferLimit() {
        return bufferLimitBytes;
    }

    @Override
    public ClusterResources resources() {
        return resources;
    }

    @Override
    public Object codecOptions(String codec) {
        return codecOptions.get(codec.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Whether connections made for {@code other} would be made the same way: then pools to hosts
     * that stay are kept across an update; otherwise they drain and new ones open.
     */
    boolean sameConnections(Cluster other) {
        return other != null && connectTimeout().equals(other.connectTimeout())
                && maxRequestsPerConnection() == other.maxRequestsPerConnection()
                && bufferLimitBytes == other.bufferLimitBytes
                && Objects.equals(codecOptions, other.codecOptions);
    }
}
