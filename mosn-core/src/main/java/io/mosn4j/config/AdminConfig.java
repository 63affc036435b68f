package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
/** {@code admin}: where the admin API listens. */
public record AdminConfig(AddressConfig address) {
    /** {@code {"socket_address": {...}}}. */
    public record AddressConfig(SocketAddressConfig socketAddress) {}

    /** {@code {"address": "0.0.0.0", "port_value": 34901}}. */
    public record SocketAddressConfig(String address, Integer portValue) {
        public SocketAddressConfig {
            address = address == null || address.isBlank() ? "0.0.0.0" : address;
            if (portValue == null || portValue < 0 || portValue > 65535) {
                throw new ConfigException("port_value", "required, 0..65535");
            }
        }
    }
}
