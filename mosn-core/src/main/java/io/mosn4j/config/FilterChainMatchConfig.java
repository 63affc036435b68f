package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.List;
import java.util.Locale;

/**
 * Which connections a filter chain takes ({@code filter_chain_match}, Envoy's fields): all given
 * criteria must hold; among the chains that match, the most specific wins, criterion by criterion
 * in this order.
 *
 * @param destinationPort the port the client connected to (or the original destination's)
 * @param serverNames TLS server names, exact or {@code *.suffix}
 * @param transportProtocol {@code raw_buffer} or {@code tls}
 * @param applicationProtocols ALPN protocols the client offered, any of these
 */
public record FilterChainMatchConfig(Integer destinationPort, List<String> serverNames, String transportProtocol,
                                     List<String> applicationProtocols) {
    public FilterChainMatchConfig {
        if (destinationPort != null && (destinationPort < 1 || destinationPort > 65535)) {
            throw new ConfigException("destination_port", "must be 1..65535, got " + destinationPort);
        }
        serverNames = ConfigLists.copy(serverNames, "server_names").stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        for (int i = 0; i < serverNames.size(); i++) {
            String n = serverNames.get(i);
            if (n.isBlank() || n.indexOf('*') > 0 || (n.startsWith("*") && !n.startsWith("*."))) {
                throw new ConfigException("server_names[" + i + "]", "\"" + n + "\": expected a name or \"*.suffix\"");
            }
        }
        transportProtocol = transportProtocol == null || transportProtocol.isBlank() ? null : transportProtocol;
        applicationProtocols = ConfigLists.copy(applicationProtocols, "application_protocols");
    }
}
