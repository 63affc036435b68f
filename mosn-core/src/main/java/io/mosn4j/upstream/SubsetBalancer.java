package io.mosn4j.upstream;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.config.LbSubsetConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Subset load balancing ({@code lb_subset_config}), as MOSN does it: for each selector (a set of
 * metadata keys) and each combination of values the hosts carry for all of its keys, a subset of
 * the hosts with those values, with its own balancer of the cluster's {@code lb_type}. A request
 * whose {@code metadata_match} has exactly a selector's keys goes to the subset of its values; a
 * request with no match uses every host; a match that names no subset takes the fallback policy:
 * none (no host: the request fails), every host, or the {@code default_subset}, and is counted
 * ({@code cluster.NAME.lb_subsets_fallback}). Built per event loop and host set, like any balancer.
 */
final class SubsetBalancer implements LoadBalancer {
    private final LoadBalancer all;
    /** Subsets by the metadata they select ({@code {version=v1}}): {@code Map.equals} finds a route's match. */
    private final Map<Map<String, String>, LoadBalancer> subsets;
    private final LoadBalancer fallback;
    private final Counter fallbacks;

    SubsetBalancer(HostSet set, LbSubsetConfig config, Function<HostSet, LoadBalancer> balancers, Counter fallbacks) {
        this.fallbacks = fallbacks;
        this.all = balancers.apply(set);
        Map<Map<String, String>, LoadBalancer> m = new HashMap<>();
        for (HostInfo h : set.hosts()) {
            for (List<String> keys : config.subsetSelectors()) {
                Map<String, String> values = values(keys, h.metadata());
                if (values != null && !m.containsKey(values)) {
                    m.put(values, balancers.apply(subset(set, values)));
                }
            }
        }
        this.subsets = m;
        this.fallback = switch (config.fallback()) {
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> all;
            case DEFAULT_SUBSET -> balancers.apply(subset(set, config.defaultSubset()));
        };
    }

    /** The host's values for all of {@code keys}, or null when it lacks one. */
    private static Map<String, String> values(List<String> keys, Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : keys) {
            String v = metadata.get(k);
            if (v == null) {
                return null;
            }
            out.put(k, v);
        }
        return Map.copyOf(out);
    }

    /** The hosts carrying every pair of {@code values}, and the healthy ones among them. */
    static HostSet subset(HostSet set, Map<String, String> values) {
        List<HostInfo> hosts = new ArrayList<>();
        List<HostInfo> healthy = new ArrayList<>();
        for (HostInfo h : set.hosts()) {
            if (matches(h, values)) {
                hosts.add(h);
            }
        }
        for (HostInfo h : set.healthyHosts()) {
            if (matches(h, values)) {
                healthy.add(h);
            }
        }
        return new HostSnapshot(List.copyOf(hosts), List.copyOf(healthy));
    }

    private static boolean matches(HostInfo h, Map<String, String> values) {
        for (var e : values.entrySet()) {
            if (!e.getValue().equals(h.metadata().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        Map<String, String> match = context == null ? Map.of() : context.metadataMatch();
        if (match == null || match.isEmpty()) {
            return all.choose(context);
        }
        LoadBalancer lb = subsets.get(match);
        if (lb != null) {
            return lb.choose(context);
        }
        if (fallback == null) {
            return null;
        }
        fallbacks.inc();
        return fallback.choose(context);
    }

    int subsetCount() {
        return subsets.size();
    }
}
