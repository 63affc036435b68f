package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;

/**
 * A STRICT_DNS cluster's {@code dns_resolvers}, MOSN's fields: the name servers to ask
 * ({@code servers}: addresses, with {@code port} for all of them, default 53; mosn4j also reads
 * {@code "127.0.0.1:5353"}), the {@code search} domains and {@code ndots}, the per-query
 * {@code timeout} in seconds and {@code attempts}.
 */
public record DnsResolverConfig(List<String> servers, List<String> search, String port, Integer ndots, Integer timeout,
                                Integer attempts) {
    public DnsResolverConfig {
        servers = ConfigLists.copy(servers, "servers");
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).isBlank()) {
                throw new ConfigException("servers[" + i + "]", "must not be empty");
            }
        }
        search = ConfigLists.copy(search, "search");
        port = port == null || port.isBlank() ? "53" : port.trim();
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new ConfigException("port", "must be 1..65535, got " + p);
            }
        } catch (NumberFormatException e) {
            throw new ConfigException("port", "invalid port \"" + port + "\"");
        }
        ndots = ndots == null || ndots < 0 ? 1 : ndots;
        timeout = timeout == null || timeout <= 0 ? 2 : timeout;
        attempts = attempts == null || attempts <= 0 ? 2 : attempts;
    }
}
