package io.mosn4j.config;

import java.util.Map;

/** A config that parsed and passed every check, with each listener's network filter resolved. */
public record LoadedConfig(MosnConfig config, Map<String, NetworkFilterConfig> filtersByListener) {
    public NetworkFilterConfig filterOf(ListenerConfig listener) {
        return filtersByListener.get(listener.name());
    }
}
