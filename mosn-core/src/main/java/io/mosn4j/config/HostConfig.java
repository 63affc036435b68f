package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
/**
 * A host of a SIMPLE cluster. {@code metadata} is MOSN's {@code {"filter_metadata": {"mosn.lb":
 * {...}}}}: the key/value pairs subset load balancing and {@code metadata_match} select on.
 * {@code tls_disable} connects to this host in plaintext although its cluster has TLS (MOSN's
 * per-host switch); {@code hostname} is the name its certificate is checked against when the
 * cluster's {@code tls_context} names no {@code server_name}.
 */
public record HostConfig(String address, String hostname, Integer weight, JsonNode metadata, Boolean tlsDisable) {
    public HostConfig {
        tlsDisable = tlsDisable != null && tlsDisable;
        if (address == null || address.isBlank()) {
            throw new ConfigException("address", "required (host:port)");
        }
        SocketAddresses.parse(address, "address");
        weight = weight == null || weight == 0 ? 1 : weight;
        if (weight < 0 || weight > 128) {
            throw new ConfigException("weight", "must be 1..128, got " + weight);
        }
    }

    /** A host without {@code tls_disable}. */
    public HostConfig(String address, String hostname, Integer weight, JsonNode metadata) {
        this(address, hostname, weight, metadata, null);
    }
}
