package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code proxy} network filter's config. */
public record ProxyConfig(String downstreamProtocol, String upstreamProtocol, String routerConfigName, JsonNode extendConfig) {
    public ProxyConfig {
        downstreamProtocol = Protocols.canonical(downstreamProtocol == null || downstreamProtocol.isBlank() ? "Http1" : downstreamProtocol, "downstream_protocol");
        if (downstreamProtocol.equals(Protocols.X)) {
            downstreamProtocol = subProtocol(extendConfig, "downstream_protocol");
        }
        upstreamProtocol = upstreamProtocol == null || upstreamProtocol.isBlank()
                ? downstreamProtocol
                : Protocols.canonical(upstreamProtocol, "upstream_protocol");
        if (upstreamProtocol.equals(Protocols.X)) {
            upstreamProtocol = subProtocol(extendConfig, "upstream_protocol");
        }
        if (upstreamProtocol.equals(Protocols.AUTO)) {
            upstreamProtocol = downstreamProtocol;
        }
        if (!downstreamProtocol.equals(Protocols.AUTO) && Protocols.isRpc(downstreamProtocol) != Protocols.isRpc(upstreamProtocol)) {
            throw new ConfigException("upstream_protocol", "cannot convert " + downstreamProtocol + " requests to " + upstreamProtocol
                    + " (conversion between HTTP and RPC protocols is not supported)");
        }
    }

    /** {@code "X"} names its RPC protocol in {@code extend_config.sub_protocol}, as MOSN does. */
    private static String subProtocol(JsonNode ext, String field) {
        JsonNode sub = null;
        if (ext != null && ext.isObject()) {
            for (var it = ext.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (key.equalsIgnoreCase("sub_protocol")) {
                    sub = ext.get(key);
                }
            }
        }
        if (sub == null || !sub.isTextual() || sub.asText().isBlank()) {
            throw new ConfigException(field, "\"X\" needs extend_config.sub_protocol naming the RPC protocol (" + Protocols.supported() + ")");
        }
        String name = Protocols.canonical(sub.asText(), "extend_config.sub_protocol");
        if (!Protocols.isRpc(name)) {
            throw new ConfigException("extend_config.sub_protocol", "\"" + sub.asText() + "\" is not an RPC protocol");
        }
        return name;
    }
}
