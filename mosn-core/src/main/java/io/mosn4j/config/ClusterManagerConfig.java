package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code cluster_manager}: the upstream clusters. */
public record ClusterManagerConfig(List<ClusterConfig> clusters) {
    public ClusterManagerConfig {
        clusters = ConfigLists.copy(clusters, "clusters");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < clusters.size(); i++) {
            if (!names.add(clusters.get(i).name())) {
                throw new ConfigException("clusters[" + i + "].name", "duplicate cluster name \"" + clusters.get(i).name() + "\"");
            }
        }
    }
}
