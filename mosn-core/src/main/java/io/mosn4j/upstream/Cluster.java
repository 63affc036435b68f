package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.ClusterInfo;
import io.mosn4j.api.upstream.ClusterResources;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.LbSubsetConfig;
import io.mosn4j.network.ByteCounter;
import io.mosn4j.protocol.Codecs;
import io.mosn4j.tls.ClientTls;
import io.mosn4j.tls.TlsContexts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of an upstream cluster: its config, hosts, balancer and what each protocol parsed
 * from it. Immutable but for its hosts' health; an update builds the next version from the previous
 * one, keeping the {@link Host} objects of addresses that stay, the circuit-breaker counts and the
 * counters. A host that joins a running cluster starts slowly (where {@code slow_start} is on).
 */
public final class Cluster implements ClusterInfo {
    /** MOSN's balancers not built yet: refused with a clear message rather than "unknown". */
    private static final java.util.Set<String> LB_LATER = java.util.Set.of("LB_ORIGINAL_DST");

    private final ClusterConfig config;
    private final List<Host> hosts;
    private final LoadBalancerFactory balancer;
    private final Object balancerSettings;
    private final LbSubsetConfig subsets;
    private final Resources resources;
    private final Stats stats;
    private final Counter subsetFallbacks;
    private final int bufferLimitBytes;
    /** What each codec parsed from this cluster's config, by codec name (lower case). */
    private final Map<String, Object> codecOptions;
    /** The TLS of its connections ({@code tls_context}), or null for plaintext. */
    private final ClientTls tls;
    /** Hosts with {@code tls_disable}: plaintext although the cluster has TLS. */
    private final java.util.Set<String> plaintextHosts;
    /** New weights and metadata for hosts kept from the previous version, applied when this one is published. */
    private final List<Runnable> hostUpdates = new ArrayList<>();
    private io.mosn4j.stats.UpstreamMetrics metrics = io.mosn4j.stats.UpstreamMetrics.NONE;
    /** Counts the bytes of every connection to the cluster, or null when neither byte counter is kept. */
    private ByteCounter bytes;
    /** Hosts new in this version of a running cluster: they start slowly once it is published. */
    private final List<Host> joined = new ArrayList<>();

    /**
     * Builds a cluster of the config's own hosts (resolving names now: call it off the event loops),
     * counting nowhere: for tests and tools.
     */
    public Cluster(ClusterConfig config, ConfigValue raw, Cluster previous, Balancers balancers, Codecs codecs) {
        this(config, raw, previous, StaticClusterType.specs(config, raw, true), balancers, codecs, Stats.NONE, null);
    }

    /**
     * Builds a cluster from {@code config} (found at {@code raw.path()}) with {@code hostSpecs}, the
     * hosts its cluster type found, and its {@code tls_context} built by {@code tls} (null: TLS is
     * refused when asked for).
     *
     * @param previous the version this one replaces, or null
     * @throws io.mosn4j.api.config.ConfigException naming the bad field
     */
    public Cluster(ClusterConfig config, ConfigValue raw, Cluster previous, List<HostSpec> hostSpecs, Balancers balancers,
                   Codecs codecs, Stats stats, TlsContexts tls) {
        this.config = config;
        this.balancer = balancers.get(config.lbType());
        if (balancer == null && LB_LATER.contains(config.lbType())) {
            throw raw.error("lb_type", "\"" + config.lbType() + "\" is not supported yet (supported: " + balancers.list() + ")");
        }
        if (balancer == null) {
            throw raw.error("lb_type", "unknown value \"" + config.lbType() + "\" (expected " + balancers.names() + ")");
        }
        this.balancerSettings = balancer.parse(raw);
        warnUnused(raw, balancerSettings);
        this.subsets = config.lbSubsetConfig() != null && config.lbSubsetConfig().enabled() ? config.lbSubsetConfig() : null;
        this.stats = stats;
        this.hosts = hosts(hostSpecs, previous);
        this.resources = previous != null ? previous.resources : new Resources(config.name(), stats);
        this.subsetFallbacks = stats.counter("cluster." + config.name() + ".lb_subsets_fallback");
        this.bufferLimitBytes = (int) Math.min(Integer.MAX_VALUE, config.connBufferLimitBytes());
        Map<String, Object> options = new LinkedHashMap<>();
        for (ProtocolCodec c : codecs.all()) {
            Object o = c.clientOptions(raw);
            if (o != null) {
                options.put(c.name().toLowerCase(java.util.Locale.ROOT), o);
            }
        }
        this.codecOptions = Map.copyOf(options);
        this.tls = clientTls(config, raw, tls);
        java.util.Set<String> plain = new java.util.HashSet<>();
        config.hosts().forEach(h -> {
            if (h.tlsDisable()) {
                plain.add(h.address());
            }
        });
        this.plaintextHosts = java.util.Set.copyOf(plain);
    }

    private static ClientTls clientTls(ClusterConfig config, ConfigValue raw, TlsContexts tls) {
        if (config.tlsContext() == null || !config.tlsContext().enabled()) {
            return null;
        }
        if (tls == null || !(raw instanceof io.mosn4j.config.JsonConfigValue json)) {
            // a plaintext connection where TLS was asked would send credentials in clear: refuse
            throw raw.error("tls_context.status", "upstream TLS is not available here; this cluster would connect in plaintext");
        }
        return tls.client(config.name(), config.tlsContext(), json.get("tls_context"));
    }

    /** The TLS of connections to {@code host}, or null for plaintext (no TLS, or the host's {@code tls_disable}). */
    ClientTls tls(Host host) {
        return tls == null || plaintextHosts.contains(host.address()) ? null : tls;
    }

    /** MOSN's {@code upstream{cluster}} metrics and each new host's {@code upstream{cluster,host}}. */
    void attachMetrics(io.mosn4j.api.stats.Stats stats) {
        metrics = io.mosn4j.stats.UpstreamMetrics.cluster(stats, config.name());
        bytes = metrics.bytesReadTotal == Counter.NONE && metrics.bytesWriteTotal == Counter.NONE ? null
                : new ByteCounter(metrics.bytesReadTotal, metrics.bytesWriteTotal);
        for (Host h : hosts) {
            if (h.metrics == io.mosn4j.stats.UpstreamMetrics.NONE) {
                h.metrics = io.mosn4j.stats.UpstreamMetrics.host(stats, config.name(), h.address());
            }
        }
    }

    public io.mosn4j.stats.UpstreamMetrics metrics() {
        return metrics;
    }

    /** What counts the bytes of a new connection to the cluster ({@link ByteCounter#install}), or null: none are counted. */
    ByteCounter byteCounter() {
        return bytes;
    }

    /** The next version of {@code previous} with other hosts (a DNS answer changed): everything else is kept. */
    Cluster(Cluster previous, List<HostSpec> hostSpecs) {
        this.config = previous.config;
        this.balancer = previous.balancer;
        this.balancerSettings = previous.balancerSettings;
        this.subsets = previous.subsets;
        this.stats = previous.stats;
        this.hosts = hosts(hostSpecs, previous);
        this.resources = previous.resources;
        this.subsetFallbacks = previous.subsetFallbacks;
        this.bufferLimitBytes = previous.bufferLimitBytes;
        this.codecOptions = previous.codecOptions;
        this.tls = previous.tls;
        this.plaintextHosts = previous.plaintextHosts;
    }

    /** Settings the chosen balancer does not read are said to do nothing, as MOSN ignores them. */
    private void warnUnused(ConfigValue raw, Object settings) {
        boolean weighted = settings instanceof EdfBalancer.Settings;
        if (!weighted && isSet(raw.get("slow_start"))) {
            raw.warn("slow_start", "slow start applies to LB_WEIGHTED_ROUNDROBIN, LB_LEAST_REQUEST, LB_LEAST_CONNECTION and "
                    + "LB_PEAK_EWMA, not " + config.lbType() + "; ignored");
        }
        if (!weighted && isSet(raw.get("lbconfig"))) {
            raw.warn("lbconfig", "lbconfig applies to LB_LEAST_REQUEST, LB_LEAST_CONNECTION and LB_PEAK_EWMA, not "
                    + config.lbType() + "; ignored");
        }
        ConfigValue breakers = raw.get("circuit_breakers");
        if (breakers.isArray() && breakers.elements().size() > 1) {
            // MOSN's resource manager reads only the first thresholds entry, whatever its priority
            raw.warn("circuit_breakers", "only the first entry applies, as in MOSN (limits are not grouped by priority); "
                    + (breakers.elements().size() - 1) + " more ignored");
        }
    }

    private static boolean isSet(ConfigValue v) {
        return !v.isMissing() && (!v.isObject() || !v.keys().isEmpty());
    }

    private List<Host> hosts(List<HostSpec> specs, Cluster previous) {
        Map<String, Host> old = new HashMap<>();
        if (previous != null) {
            previous.hosts.forEach(h -> old.put(h.address(), h));
        }
        List<Host> hs = new ArrayList<>(specs.size());
        for (HostSpec spec : specs) {
            Host kept = old.get(spec.address());
            if (kept != null && kept.socketAddress().equals(spec.socketAddress())) {
                hostUpdates.add(() -> {
                    kept.update(spec.weight(), spec.metadata());
                    kept.setHostname(spec.hostname());
                });
                hs.add(kept);
                continue;
            }
            Host h = new Host(spec.address(), spec.socketAddress(), spec.weight(), spec.metadata());
            h.setHostname(spec.hostname());
            if (previous != null) {
                joined.add(h);
            }
            hs.add(h);
        }
        return List.copyOf(hs);
    }

    /**
     * Makes this version the live one: kept hosts take their new weight and metadata, new ones
     * start slowly, the circuit breakers take their new limits, and every host reports a change of
     * health to {@code onHealthChange}. Building alone (validation) changes nothing live.
     */
    void publish(Runnable onHealthChange) {
        hostUpdates.forEach(Runnable::run);
        hostUpdates.clear();
        joined.forEach(Host::joined);
        joined.clear();
        boolean latency = balancer instanceof PeakEwmaBalancer.Factory;
        for (Host h : hosts) {
            h.onHealthChange(onHealthChange);
            h.stats().trackLatency = latency;
        }
        resources.apply(config.thresholds());
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

    /** The hosts and the healthy ones among them, as they are now. */
    HostSnapshot hostSet() {
        return HostSnapshot.of(hosts);
    }

    LoadBalancerFactory balancer() {
        return balancer;
    }

    Object balancerSettings() {
        return balancerSettings;
    }

    /** A balancer for one event loop over {@code set}: the cluster's {@code lb_type}, within subsets when it has them. */
    LoadBalancer newBalancer(HostSet set) {
        if (subsets == null) {
            return balancer.create(set, balancerSettings);
        }
        return new SubsetBalancer(set, subsets, s -> balancer.create(s, balancerSettings), subsetFallbacks);
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
    public Duration idleTimeout() {
        return config.idle();
    }

    @Override
    public Duration keepAliveInterval() {
        ClusterConfig.KeepAliveConfig k = config.keepalive();
        return k == null || k.interval() == null ? Duration.ZERO : k.interval();
    }

    @Override
    public Duration keepAliveTimeout() {
        ClusterConfig.KeepAliveConfig k = config.keepalive();
        return k == null || k.timeout() == null ? Duration.ZERO : k.timeout();
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
                && idleTimeout().equals(other.idleTimeout())
                && Objects.equals(config.keepalive(), other.config.keepalive())
                && Objects.equals(codecOptions, other.codecOptions)
                && Objects.equals(config.tlsContext(), other.config.tlsContext())
                && plaintextHosts.equals(other.plaintextHosts);
    }

    /** For messages: the host addresses. */
    List<String> addresses() {
        return hosts.stream().map(HostInfo::address).toList();
    }
}
