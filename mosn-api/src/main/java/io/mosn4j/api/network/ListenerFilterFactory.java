package io.mosn4j.api.network;

import io.mosn4j.api.config.ConfigValue;

/**
 * A kind of listener filter, by the name configs use in a listener's {@code listener_filters}
 * ({@code {"type": "proxy_protocol", "config": {}}}). Registered under
 * {@code META-INF/services/io.mosn4j.api.network.ListenerFilterFactory}.
 */
public interface ListenerFilterFactory {
    String name();

    /** Parses {@code config} once at load; throw {@link io.mosn4j.api.config.ConfigException} naming the field. */
    ListenerFilter create(ConfigValue config);
}
