package io.mosn4j.upstream;

import io.mosn4j.config.ClusterManagerConfig;
import java.util.HashMap;
import java.util.Map;

/** The clusters of one config snapshot, by name. Immutable. */
public final class ClusterSet {
    private final Map<String, Cluster> byName;

    public ClusterSet(ClusterManagerConfig config) {
        Map<String, Cluster> m = new HashMap<>();
        for (int i = 0; i < config.clusters().size(); i++) {
            var c = config.clusters().get(i);
            m.put(c.name(), new Cluster(c, "cluster_manager.clusters[" + i + "]"));
        }
        this.byName = Map.copyOf(m);
    }

    /** The cluster, or null. */
    public Cluster get(String name) {
        return name == null ? null : byName.get(name);
    }
}
