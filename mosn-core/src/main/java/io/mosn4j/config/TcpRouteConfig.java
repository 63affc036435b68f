package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.List;

/**
 * A {@code tcp_proxy} route: a cluster for connections matching addresses and ports. MOSN decodes
 * routes into a Go struct without JSON tags, so its files spell the fields {@code SourceAddrs},
 * {@code DestinationPort}...; both that and the snake_case spelling are read.
 */
public record TcpRouteConfig(
        String cluster,
        @JsonAlias("SourceAddrs") List<CidrConfig> sourceAddrs,
        @JsonAlias("DestinationAddrs") List<CidrConfig> destinationAddrs,
        @JsonAlias({"SourcePort", "source_port"}) String sourcePorts,
        @JsonAlias({"DestinationPort", "destination_port"}) String destinationPorts) {
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
