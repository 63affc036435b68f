package io.mosn4j.upstream;

/** Picks a host of a cluster for each request. Shared by all event loops: thread-safe, lock-free. */
public interface LoadBalancer {
    /** A host, or null when the cluster has none. */
    Host choose();
}
