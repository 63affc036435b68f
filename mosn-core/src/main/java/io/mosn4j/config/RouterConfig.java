package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;

/** {@code servers[0].routers[i]} (and the inline form inside {@code connection_manager}). */
public record RouterConfig(String routerConfigName, List<VirtualHostConfig> virtualHosts) {
    public RouterConfig {
        if (routerConfigName == null || routerConfigName.isBlank()) {
            throw new ConfigException("router_config_name", "required");
        }
        virtualHosts = ConfigLists.copy(virtualHosts, "virtual_hosts");
    }
}
