package io.mosn4j.api.upstream;

/**
 * Picks a host of a cluster for each request. An instance serves one event loop and one
 * {@link HostSet}: it needs no locks or atomics; a new host set gets new instances.
 */
public interface LoadBalancer {
    /** A host, or null when the set has none to offer. Called on the balancer's event loop. */
    HostInfo choose(LoadBalancerContext context);
}
