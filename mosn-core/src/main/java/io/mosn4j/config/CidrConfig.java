package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
/** An address range: {@code {"address": "10.0.0.0", "length": 8}}. */
public record CidrConfig(String address, Integer length) {
    public CidrConfig {
        if (address == null || address.isBlank()) {
            throw new ConfigException("address", "required");
        }
        int max = address.contains(":") ? 128 : 32;
        length = length == null ? max : length;
        if (length < 0 || length > max) {
            throw new ConfigException("length", "must be 0.." + max + ", got " + length);
        }
    }
}
