package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancerContext;
import java.util.List;

/** What every balancer shares: which hosts to pick among. */
final class Choice {
    private Choice() {}

    /**
     * The healthy hosts, or all of them when none is healthy (Envoy's panic mode: better a try
     * than a certain failure). So an unhealthy host is never chosen while a healthy one exists.
     */
    static List<HostInfo> candidates(HostSet set) {
        List<HostInfo> healthy = set.healthyHosts();
        return healthy.isEmpty() ? set.hosts() : healthy;
    }

    /** Whether {@code h} is fine for {@code context}: not one a retry wants to avoid. */
    static boolean acceptable(HostInfo h, LoadBalancerContext context) {
        return context == null || !context.shouldAvoid(h);
    }

    /** Whether every host has the same weight (then a balancer can skip weighting). */
    static boolean equalWeights(List<HostInfo> hosts) {
        for (int i = 1; i < hosts.size(); i++) {
            if (hosts.get(i).weight() != hosts.get(0).weight()) {
                return false;
            }
        }
        return true;
    }
}
