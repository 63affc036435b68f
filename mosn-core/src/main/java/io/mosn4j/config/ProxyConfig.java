package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code proxy} network filter's config. */
public record ProxyConfig(String downstreamProtocol, String upstreamProtocol, String routerConfigName, JsonNode extendConfig) {
    public ProxyConfig {
        downstreamProtocol = Protocols.canonical(downstreamProtocol == null || downstreamProtocol.isBlank() ? "Http1" : downstreamProtocol, "downstream_protocol");
        upstreamProtocol = upstreamProtocol == null || upstreamProtocol.isBlank()
                ? downstreamProtocol
                : Protocols.canonical(upstreamProtocol, "upstream_protocol");
        if (upstreamProtocol.equals(Protocols.AUTO)) {
            upstreamProtocol = downstreamProtocol;
        }
    }
}
