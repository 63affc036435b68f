package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;

/**
 * {@code servers[0].routers[i]} (and the inline form inside {@code connection_manager}): virtual
 * hosts, and the headers every request and response through the table gains or loses (after the
 * route's and the virtual host's, as in MOSN).
 */
public record RouterConfig(String routerConfigName, List<VirtualHostConfig> virtualHosts,
                           List<HeaderValueOptionConfig> requestHeadersToAdd, List<String> requestHeadersToRemove,
                           List<HeaderValueOptionConfig> responseHeadersToAdd, List<String> responseHeadersToRemove) {
    public RouterConfig {
        if (routerConfigName == null || routerConfigName.isBlank()) {
            throw new ConfigException("router_config_name", "required");
        }
        virtualHosts = ConfigLists.copy(virtualHosts, "virtual_hosts");
        requestHeadersToAdd = ConfigLists.copy(requestHeadersToAdd, "request_headers_to_add");
        requestHeadersToRemove = HeaderValueOptionConfig.checkRemovals(requestHeadersToRemove, "request_headers_to_remove");
        responseHeadersToAdd = ConfigLists.copy(responseHeadersToAdd, "response_headers_to_add");
        responseHeadersToRemove = HeaderValueOptionConfig.checkRemovals(responseHeadersToRemove, "response_headers_to_remove");
    }

    /** Virtual hosts only. */
    public RouterConfig(String routerConfigName, List<VirtualHostConfig> virtualHosts) {
        this(routerConfigName, virtualHosts, null, null, null, null);
    }
}
