package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code filter_chains[i]}: which connections the chain takes ({@code filter_chain_match}), TLS
 * settings, and the network filters of a listener.
 */
public record FilterChainConfig(FilterChainMatchConfig filterChainMatch, JsonNode tlsContext, List<JsonNode> tlsContextSet,
                                List<FilterConfig> filters) {
    public FilterChainConfig {
        filters = ConfigLists.copy(filters, "filters");
        tlsContextSet = ConfigLists.copy(tlsContextSet, "tls_context_set");
        if (tlsEnabled(tlsContext)) {
            throw new ConfigException("tls_context.status", "TLS listeners are not supported yet");
        }
        for (int i = 0; i < tlsContextSet.size(); i++) {
            if (tlsEnabled(tlsContextSet.get(i))) {
                throw new ConfigException("tls_context_set[" + i + "].status", "TLS listeners are not supported yet");
            }
        }
        if (filters.isEmpty()) {
            throw new ConfigException("filters", "at least one network filter is required");
        }
    }

    /** MOSN reads {@code "tls_context": {}} and {@code status: false} as plaintext. */
    static boolean tlsEnabled(JsonNode tls) {
        if (tls == null || !tls.isObject()) {
            return false;
        }
        for (var it = tls.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase("status")) {
                return e.getValue().asBoolean(false);
            }
        }
        return false;
    }
}
