package io.mosn4j.server;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.config.MosnConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.feature.DebugApiFeature;
import io.mosn4j.network.Transport;
import io.mosn4j.router.RouteDependencies;
import io.mosn4j.router.RouteTable;
import io.mosn4j.router.RouterManager;
import io.mosn4j.tls.TlsContexts;
import io.mosn4j.upstream.Clusters;
import io.mosn4j.log.LogRoller;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds everything a config describes, exactly as {@link MosnServer} does, without binding a port
 * or starting a thread: every error a start would meet, with its path. What {@code mosn validate}
 * and the config tests use.
 */
public final class ConfigCheck {
    private ConfigCheck() {}

    /** What route tables need: the stream filters, the variables, and the clusters defined so far. */
    static RouteDependencies routeDependencies(Extensions extensions, Clusters clusters) {
        return new RouteDependencies(extensions.streamFilters(), extensions.variables(), clusters::contains);
    }

    /**
     * Checks {@code loaded} against {@code extensions}; returns what each listener's chains would
     * do (one line per listener, as the start-up log says it).
     *
     * @throws ConfigException naming the first bad field; also when the config has no listener
     *     (and none can be added at runtime): a process that serves nothing is refused, not started
     */
    public static Map<String, String> check(LoadedConfig loaded, Extensions extensions) {
        return check(loaded, extensions, false);
    }

    /**
     * As {@link #check(LoadedConfig, Extensions)}; with {@code controlPlane} the listeners come from
     * an xDS server, so a config with none is not refused.
     */
    public static Map<String, String> check(LoadedConfig loaded, Extensions extensions, boolean controlPlane) {
        return build(loaded, extensions, controlPlane, e -> {
            throw e;
        });
    }

    /**
     * Every error {@link #check} would stop at, not only the first: each cluster, route table and
     * listener is built on its own, so one bad part does not hide the next. Empty when the config
     * would start.
     */
    public static List<ConfigException> problems(LoadedConfig loaded, Extensions extensions) {
        List<ConfigException> found = new ArrayList<>();
        build(loaded, extensions, false, found::add);
        return found;
    }

    /** Builds every part, handing each part's error to {@code onError} (which may throw to stop). */
    private static Map<String, String> build(LoadedConfig loaded, Extensions extensions, boolean controlPlane,
                                             Consumer<ConfigException> onError) {
        MosnConfig config = loaded.config();
        JsonConfigValue root = loaded.root();
        boolean listenersLater = controlPlane || config.admin() != null && extensions.features().enabled(DebugApiFeature.NAME);
        if (config.server().listeners().isEmpty() && !listenersLater) {
            // a process that "started" and serves nothing hides a config that is not what it seems
            onError.accept(new ConfigException("servers[0].listeners", "no listeners, so nothing would be served (listeners can be "
                    + "added later only through the admin API's update_config, with an admin address and -f debug_api=true)"));
        }
        TlsContexts tls = new TlsContexts(extensions.certificateProviders(), Stats.NONE, extensions.codecs().all());
        Clusters clusters = new Clusters(Transport.best(), List.of(), extensions.balancers(), extensions.clusterTypes(), extensions.codecs(),
                Stats.NONE, PartialFrameBudget.UNLIMITED, tls);
        JsonConfigValue rawClusters = root.get("cluster_manager").get("clusters");
        Set<String> broken = new HashSet<>(); // defined, but in error: routes naming them are not "unknown cluster" too
        for (int i = 0; i < config.clusterManager().clusters().size(); i++) {
            try {
                clusters.addOrUpdate(config.clusterManager().clusters().get(i), rawClusters.at(i));
            } catch (ConfigException e) {
                onError.accept(e);
                broken.add(config.clusterManager().clusters().get(i).name());
            }
        }
        RouteDependencies routeDeps = new RouteDependencies(extensions.streamFilters(), extensions.variables(),
                name -> clusters.contains(name) || broken.contains(name));
        RouterManager routers = new RouterManager();
        JsonConfigValue server = root.get("servers").at(0);
        for (int i = 0; i < config.server().routers().size(); i++) {
            RouterConfig rc = config.server().routers().get(i);
            try {
                routers.update(new RouteTable(rc, server.get("routers").at(i).path(), routeDeps));
            } catch (ConfigException e) {
                onError.accept(e);
            }
        }
        LogRoller.parse(config.server().globalLogRoller()); // refused here, before anything starts
        ListenerBuilder builder = new ListenerBuilder(extensions, clusters, routers, config.server().gracefulTimeout(), Stats.NONE,
                PartialFrameBudget.UNLIMITED, tls, null, config.server().defaultLogPath());
        Map<String, String> described = new LinkedHashMap<>();
        for (int i = 0; i < config.server().listeners().size(); i++) {
            ListenerChains chains;
            try {
                chains = builder.build(config.server().listeners().get(i), server.get("listeners").at(i));
            } catch (ConfigException e) {
                onError.accept(e);
                continue;
            }
            List<String> parts = new ArrayList<>();
            chains.chains().forEach(c -> parts.add((c.tls() == null ? "" : c.tls() + " + ")
                    + String.join(" + ", c.filters().stream().map(String::valueOf).toList())));
            described.put(chains.config().name(), String.join("; ", parts));
        }
        return described;
    }
}
