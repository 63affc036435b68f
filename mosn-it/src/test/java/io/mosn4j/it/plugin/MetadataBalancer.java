package io.mosn4j.it.plugin;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.List;
import java.util.Map;

/**
 * {@code IT_METADATA_MATCH}: a load balancer written against mosn-api only, as a subset balancer
 * would be: it picks the first host whose metadata holds every pair of the request's
 * {@link LoadBalancerContext#metadataMatch()} (a route's {@code metadata_match}), skipping hosts a
 * retry avoids; none: no host. Shows through {@code bin/mosn} what the route hands the balancer.
 */
public final class MetadataBalancer implements LoadBalancerFactory {
    @Override
    public String name() {
        return "IT_METADATA_MATCH";
    }

    @Override
    public LoadBalancer create(HostSet hosts, Object settings) {
        List<HostInfo> all = hosts.hosts();
        return context -> {
            Map<String, String> wanted = context == null ? Map.of() : context.metadataMatch();
            for (HostInfo h : all) {
                if (h.metadata().entrySet().containsAll(wanted.entrySet()) && (context == null || !context.shouldAvoid(h))) {
                    return h;
                }
            }
            return null;
        };
    }
}
