package io.mosn4j.api.upstream;

/** The clusters as one event loop sees them. Use on that event loop only. */
public interface WorkerClusters {
    /** The cluster named {@code name}, or null when there is none (now). */
    WorkerCluster get(String name);
}
