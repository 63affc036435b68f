package io.mosn4j.config;

/** A host of a SIMPLE cluster. */
public record HostConfig(String address, String hostname, Integer weight) {
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
