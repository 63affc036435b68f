package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code proxy} network filter's config. Protocol names are resolved against the protocols on
 * the class path when the listener is built.
 */
public record ProxyConfig(String downstreamProtocol, String upstreamProtocol, String routerConfigName, JsonNode extendConfig) {}
