package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancerContext;
import java.util.List;

/** What every balancer shares: which hosts to pick among. */
final class Choice {
    private Choice() {}

    /** The healthy hosts, or all of them when none is healthy (better a try than a certain failure). */
    static List<HostInfo> candidates(HostSet set) {
        List<HostInfo> healthy = set.healthyHosts();
        return healthy.isEmpty() ? set.hosts() : healthy;
    }

    /** Whether {@code h} is fine for {@code context}: not one a retry wants to avoid. */
    static boolean acceptable(HostInfo h, LoadBalancerContext context) {
        return context == null || !context.shouldAvoid(h);
    }
}
