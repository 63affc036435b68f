package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.LoadBalancerFactory;
import java.util.List;

/**
 * {@code LB_REQUEST_ROUNDROBIN}, as MOSN defines it: despite the name, every request starts at the
 * first host in the cluster's order, and only a retry of that request moves on to the next one. So
 * the first host takes all the traffic and the others are its fallbacks, in order. Stateless: one
 * instance could serve every event loop.
 */
public final class RequestRoundRobinBalancer implements LoadBalancer {
    private final HostInfo[] hosts;

    RequestRoundRobinBalancer(List<HostInfo> hosts) {
        this.hosts = hosts.toArray(HostInfo[]::new);
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        for (HostInfo h : hosts) {
            if (Choice.acceptable(h, context)) {
                return h;
            }
        }
        return hosts.length == 0 ? null : hosts[0]; // every host already tried: start over
    }

    /** Registered as {@code LB_REQUEST_ROUNDROBIN}. */
    public static final class Factory implements LoadBalancerFactory {
        @Override
        public String name() {
            return "LB_REQUEST_ROUNDROBIN";
        }

        @Override
        public LoadBalancer create(HostSet hosts, Object settings) {
            return new RequestRoundRobinBalancer(Choice.candidates(hosts));
        }
    }
}
