package io.mosn4j.filter;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.config.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream filter kinds on the class path, by name, and the compiling of a listener's
 * {@code stream_filters} into one creator. A name no jar registers refuses the config, except
 * MOSN's own filters whose absence cannot let in what should be kept out: those are skipped with a
 * warning.
 */
public final class StreamFilters {
    private static final Logger log = LoggerFactory.getLogger(StreamFilters.class);

    /**
     * MOSN filters not built yet that only observe or reshape allowed traffic ({@code healthcheck}:
     * mosn4j's RPC codecs answer heartbeats themselves), so a config naming them still runs.
     * Access control, routing and rate limiting filters are not in this list: they refuse.
     */
    private static final Set<String> SKIPPABLE = Set.of("healthcheck", "gzip", "grpc_metric", "mirror", "fault_tolerance");

    private final Registry<StreamFilterFactory> factories;

    public StreamFilters(Registry<StreamFilterFactory> factories) {
        this.factories = factories;
    }

    public static StreamFilters load(ClassLoader loader) {
        return new StreamFilters(Registry.load("stream filter", StreamFilterFactory.class, loader, StreamFilterFactory::name, false));
    }

    public StreamFilterFactory get(String name) {
        return factories.get(name);
    }

    /**
     * Compiles {@code stream_filters} (each {@code {"type", "config"}}) into one creator that adds
     * every filter to a stream, in order; null when there are none.
     *
     * @throws ConfigException naming the filter's path for an unknown type or a bad config
     */
    public StreamFilterFactory.Creator compile(ConfigValue list, StreamFilterFactory.Context context) {
        List<StreamFilterFactory.Creator> creators = new ArrayList<>();
        for (ConfigValue entry : list.elements()) {
            String type = entry.get("type").asText(null);
            if (type == null || type.isBlank()) {
                throw entry.error("type", "required");
            }
            StreamFilterFactory f = factories.get(type);
            if (f == null) {
                if (SKIPPABLE.contains(type)) {
                    log.warn("{}: stream filter \"{}\" is not supported by mosn4j yet; requests pass without it", entry.path(), type);
                    continue;
                }
                throw entry.error("type", "unknown stream filter \"" + type + "\" (available: " + factories.names() + ")");
            }
            creators.add(f.create(entry.get("config"), context));
        }
        if (creators.isEmpty()) {
            return null;
        }
        if (creators.size() == 1) {
            return creators.getFirst();
        }
        StreamFilterFactory.Creator[] all = creators.toArray(StreamFilterFactory.Creator[]::new);
        return chain -> {
            for (StreamFilterFactory.Creator c : all) {
                c.createFilters(chain);
            }
        };
    }

    /**
     * Parses one {@code per_filter_config} entry with its filter's factory; null when the filter
     * takes none (logged). An entry for a filter no jar registers refuses the config.
     */
    public Object parseRouteConfig(String name, ConfigValue config) {
        StreamFilterFactory f = factories.get(name);
        if (f == null) {
            if (SKIPPABLE.contains(name)) {
                log.warn("{}: stream filter \"{}\" is not supported by mosn4j yet; its route config is ignored", config.path(), name);
                return null;
            }
            throw config.error("", "no stream filter named \"" + name + "\" (available: " + factories.names() + ")");
        }
        Object parsed = f.parseRouteConfig(config);
        if (parsed == null) {
            log.warn("{}: stream filter \"{}\" takes no per-route config; ignored", config.path(), name);
        }
        return parsed;
    }
}
