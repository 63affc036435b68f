package io.mosn4j.config;

import java.util.List;

/** A {@code tcp_proxy} route: a cluster for connections matching addresses and ports. */
public record TcpRouteConfig(String cluster, List<CidrConfig> sourceAddrs, List<CidrConfig> destinationAddrs, String sourcePorts, String destinationPorts) {
    public TcpRouteConfig {
        if (cluster == null || cluster.isBlank()) {
            throw new ConfigException("cluster", "required");
        }
        sourceAddrs = ConfigLists.copy(sourceAddrs, "source_addrs");
        destinationAddrs = ConfigLists.copy(destinationAddrs, "destination_addrs");
        PortRanges.parse(sourcePorts, "source_ports");
        PortRanges.parse(destinationPorts, "destination_ports");
    }
}
