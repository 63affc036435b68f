package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code filter_chains[i]}: which connections the chain takes ({@code filter_chain_match}), its TLS
 * certificates ({@code tls_context}, and {@code tls_context_set} for several, chosen per connection
 * by the server name, then the ALPN protocols, the client asks for), and its network filters.
 */
public record FilterChainConfig(FilterChainMatchConfig filterChainMatch, TlsContextConfig tlsContext,
                                List<TlsContextConfig> tlsContextSet, List<FilterConfig> filters) {
    public FilterChainConfig {
        filters = ConfigLists.copy(filters, "filters");
        tlsContextSet = ConfigLists.copy(tlsContextSet, "tls_context_set");
        if (filters.isEmpty()) {
            throw new ConfigException("filters", "at least one network filter is required");
        }
    }

    /** Whether any of the chain's contexts turns TLS on. */
    public boolean tlsEnabled() {
        if (tlsContext != null && tlsContext.enabled()) {
            return true;
        }
        for (TlsContextConfig c : tlsContextSet) {
            if (c != null && c.enabled()) {
                return true;
            }
        }
        return false;
    }
}
