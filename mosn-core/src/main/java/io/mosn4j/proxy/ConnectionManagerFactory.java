package io.mosn4j.proxy;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;

/**
 * {@code connection_manager}: MOSN's legacy way of writing a route table inside a filter chain.
 * The listener registers its router by {@code router_config_name} when the listener is built (so
 * a {@code proxy} filter of the chain finds it); on the connection the filter does nothing.
 */
public final class ConnectionManagerFactory implements NetworkFilterFactory {
    @Override
    public String name() {
        return "connection_manager";
    }

    @Override
    public NetworkFilter create(ConfigValue config, ListenerContext listener) {
        return new NetworkFilter() {
            @Override
            public void install(io.netty.channel.Channel channel) {}

            @Override
            public String toString() {
                return "connection_manager";
            }
        };
    }
}
