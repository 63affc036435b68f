package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
/** {@code admin}: where the admin API listens. */
public record AdminConfig(AddressConfig address) {
    /** {@code {"socket_address": {...}}}. */
    public record AddressConfig(SocketAddressConfig socketAddress) {}

    /**
     * {@code {"address": "127.0.0.1", "port_value": 34901}}. Without an address the admin API
     * listens on 127.0.0.1 only: it has no authentication, and its config_dump shows the config.
     */
    public record SocketAddressConfig(String address, Integer portValue) {
        public static final String DEFAULT_ADDRESS = "127.0.0.1";

        public SocketAddressConfig {
            address = address == null || address.isBlank() ? DEFAULT_ADDRESS : address;
            if (portValue == null || portValue < 0 || portValue > 65535) {
                throw new ConfigException("port_value", "required, 0..65535");
            }
        }
    }
}
