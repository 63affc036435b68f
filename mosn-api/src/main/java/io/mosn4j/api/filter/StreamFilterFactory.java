package io.mosn4j.api.filter;

import io.mosn4j.api.config.ConfigValue;

/**
 * A kind of stream filter, by the name configs use in a listener's {@code stream_filters}
 * ({@code {"type": "fault", "config": {...}}}). Registered for {@link java.util.ServiceLoader}
 * under {@code META-INF/services/io.mosn4j.api.filter.StreamFilterFactory}.
 *
 * <p>The config is parsed and checked once, at load ({@link #create}); what it returns then makes
 * each stream's filters cheaply. Envoy's and Kroxylicious's shape.
 */
public interface StreamFilterFactory {

    /** The {@code type} configs use; matched exactly. */
    String name();

    /**
     * Parses {@code config}; throw {@link io.mosn4j.api.config.ConfigException} (see
     * {@link ConfigValue#error}) naming the bad field. Called off the event loops. Implement this
     * or {@link #create(ConfigValue, Context)}.
     */
    default Creator create(ConfigValue config) {
        throw new UnsupportedOperationException(name() + " implements neither create method");
    }

    /** As {@link #create(ConfigValue)}, for filters that need what the proxy offers at load (the variables). */
    default Creator create(ConfigValue config, Context context) {
        return create(config);
    }

    /** What a filter's config may be compiled against. */
    interface Context {
        /** The listener the filter is configured on. */
        String listenerName();

        /** The variables, to resolve names once at load. */
        io.mosn4j.api.variable.Variables variables();

        /** Where to count what the filter does; the admin API shows the counters. */
        default io.mosn4j.api.stats.Stats stats() {
            return io.mosn4j.api.stats.Stats.NONE;
        }
    }

    /**
     * Parses this filter's entry in a route's {@code per_filter_config} at load; the filter reads
     * the result with {@code callbacks.route().perFilterConfig(name())}. Null (the default) means
     * the filter takes no per-route config, and a config with an entry for it is refused: the entry
     * may narrow what the route lets through, and ignoring it would not.
     */
    default Object parseRouteConfig(ConfigValue config) {
        return null;
    }

    /** Adds one stream's filters; called on the stream's event loop for every new stream. */
    @FunctionalInterface
    interface Creator {
        void createFilters(StreamFilterChain chain);
    }
}
