package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.net.InetSocketAddress;

/** Parses MOSN's {@code host:port} address strings ({@code 127.0.0.1:2045}, {@code [::1]:80}). */
public final class SocketAddresses {
    private SocketAddresses() {}

    /** An unresolved address: host names are resolved when connecting, never on the config path. */
    public static InetSocketAddress parse(String address, String field) {
        String s = address.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0 || colon == s.length() - 1) {
            throw new ConfigException(field, "invalid address \"" + address + "\" (expected host:port)");
        }
        String host = colon == 0 ? "0.0.0.0" : s.substring(0, colon); // ":2045", as Go reads it
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException(field, "invalid address \"" + address + "\" (write IPv6 as [::1]:port)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(field, "invalid port in \"" + address + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(field, "port out of range in \"" + address + "\"");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
