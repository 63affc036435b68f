package io.mosn4j.filter;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.config.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The stream filter kinds on the class path, by name, and the compiling of a listener's
 * {@code stream_filters} into one creator. A name no jar registers refuses the config, except
 * MOSN's own filters whose absence cannot let in, or send elsewhere, what the config says: those
 * are skipped with a warning.
 */
public final class StreamFilters {
    /**
     * MOSN filters not built yet that only observe or reshape allowed traffic, so a config naming
     * them still runs. {@code healthcheck}: MOSN itself no longer registers it (it was removed in
     * 2020; MOSN logs an error and skips it): heartbeats are answered where the protocol is
     * decoded, and mosn4j's RPC codecs answer them the same way, with the request's id.
     */
    private static final Set<String> SKIPPABLE = Set.of("healthcheck", "istio.stats");

    /**
     * MOSN's other filters: access control ({@code mixer}), where requests go ({@code dubbo_stream},
     * {@code seata}) and code ({@code proxywasm}): refused as "not supported yet" rather than
     * "unknown", so the user knows it is MOSN's name.
     */
    private static final Set<String> MOSN_NOT_YET = Set.of("mixer", "dubbo_stream", "seata", "proxywasm");

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
                if (type.equals("healthcheck")) {
                    entry.warn("", "MOSN no longer has a healthcheck stream filter (it skips it too); the RPC protocols "
                            + "answer heartbeats themselves; ignored");
                    continue;
                }
                if (SKIPPABLE.contains(type)) {
                    entry.warn("", "stream filter \"" + type + "\" is not supported yet; requests pass without it");
                    continue;
                }
                throw entry.error("type", unavailable(type));
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
     * Parses one {@code per_filter_config} entry with its filter's factory. An entry for a filter no
     * jar registers, or one that takes no per-route config, refuses the config; for MOSN's
     * observe-only filters not built yet it is skipped with a warning (null).
     */
    public Object parseRouteConfig(String name, ConfigValue config) {
        StreamFilterFactory f = factories.get(name);
        if (f == null) {
            if (SKIPPABLE.contains(name)) {
                config.warn("", "stream filter \"" + name + "\" is not supported yet; its route config is ignored");
                return null;
            }
            throw config.error("", unavailable(name));
        }
        Object parsed = f.parseRouteConfig(config);
        if (parsed == null) {
            // the entry may narrow what the route lets through (an ip_access rule): ignoring it would not
            throw config.error("", "stream filter \"" + name + "\" takes no per-route config; its listener config applies to every route");
        }
        return parsed;
    }

    private String unavailable(String name) {
        return MOSN_NOT_YET.contains(name)
                ? "MOSN's stream filter \"" + name + "\" is not supported yet (available: " + factories.names() + ")"
                : "unknown stream filter \"" + name + "\" (available: " + factories.names() + ")";
    }
}
