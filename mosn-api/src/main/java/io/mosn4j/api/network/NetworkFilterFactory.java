package io.mosn4j.api.network;

import io.mosn4j.api.config.ConfigValue;

/**
 * A kind of network filter, by the name configs use in {@code filter_chains[].filters[]}
 * ({@code proxy}, {@code tcp_proxy}, ...). Registered for {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.mosn4j.api.network.NetworkFilterFactory}.
 */
public interface NetworkFilterFactory {
    /** The {@code type} configs use; matched ignoring case. */
    String name();

    /**
     * Parses {@code config} once, at load, for one filter chain of a listener; throw
     * {@link io.mosn4j.api.config.ConfigException} naming the bad field. Called off the event loops.
     */
    NetworkFilter create(ConfigValue config, ListenerContext listener);

    /**
     * The record {@link #create} reads {@code config} into, which {@code mosn schema} describes as
     * this filter's {@code config}; null leaves that config open in the schema.
     */
    default Class<?> configType() {
        return null;
    }
}
