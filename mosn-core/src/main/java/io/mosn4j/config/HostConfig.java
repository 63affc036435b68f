package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
/**
 * A host of a SIMPLE cluster. {@code metadata} is MOSN's {@code {"filter_metadata": {"mosn.lb":
 * {...}}}}: the key/value pairs subset load balancing and {@code metadata_match} select on.
 */
public record HostConfig(String address, String hostname, Integer weight, JsonNode metadata) {
    public HostConfig {
        if (address == null || address.isBlank()) {
            throw new ConfigException("address", "required (host:port)");
        }
        SocketAddresses.parse(address, "address");
        weight = weight == null || weight == 0 ? 1 : weight;
        if (weight < 0 || weight > 128) {
            throw new ConfigException("weight", "must be 1..128, got " + weight);
        }
    }
}
