package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;

/**
 * A MOSN v2 config file: {@code servers}, {@code cluster_manager}, {@code admin}. Other top-level
 * sections MOSN files carry ({@code tracing}, {@code metrics}, {@code pprof}, xDS resources...)
 * are accepted and ignored until their features land.
 */
public record MosnConfig(List<ServerConfig> servers, ClusterManagerConfig clusterManager, AdminConfig admin) {
    public MosnConfig {
        servers = ConfigLists.copy(servers, "servers");
        clusterManager = clusterManager == null ? new ClusterManagerConfig(null) : clusterManager;
        if (servers.size() > 1) {
            throw new ConfigException("servers", "only one server is supported (MOSN runs one), got " + servers.size());
        }
    }

    public ServerConfig server() {
        return servers.isEmpty() ? new ServerConfig(null, null, null, null, null, null, null, null, null) : servers.get(0);
    }
}
