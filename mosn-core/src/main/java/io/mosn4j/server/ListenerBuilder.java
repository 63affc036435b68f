package io.mosn4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.network.ListenerFilter;
import io.mosn4j.api.network.ListenerFilterFactory;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.FilterChainConfig;
import io.mosn4j.config.FilterConfig;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.log.AccessLogFormat;
import io.mosn4j.log.AccessLogs;
import io.mosn4j.router.RouteTable;
import io.mosn4j.router.RouterManager;
import io.mosn4j.stats.ListenerMetrics;
import io.mosn4j.tls.ServerTls;
import io.mosn4j.tls.TlsContexts;
import io.mosn4j.tls.TlsInspector;
import io.mosn4j.upstream.Clusters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a listener's config into its {@link ListenerChains}: listener filters, stream filters and
 * each chain's network filters, every one made by the factory its {@code type} names. All config
 * errors surface here, with their paths, before anything is bound or replaced.
 */
final class ListenerBuilder {
    /** MOSN's filters not built yet: refused saying so, rather than as unknown names. */
    private static final Set<String> MOSN_NETWORK_FILTERS_NOT_YET = Set.of("udp_proxy", "fault_inject", "grpc", "tunnel");
    private static final Set<String> MOSN_LISTENER_FILTERS_NOT_YET = Set.of("original_dst");

    private final Extensions extensions;
    private final Clusters clusters;
    private final RouterManager routers;
    private final Duration gracefulTimeout;
    private final Stats stats;
    private final PartialFrameBudget partialFrames;
    private final TlsContexts tls;
    /** Where access logs are written; null when only checking a config (nothing is opened). */
    private final AccessLogs accessLogs;
    private final String defaultLogPath;

    ListenerBuilder(Extensions extensions, Clusters clusters, RouterManager routers, Duration gracefulTimeout, Stats stats,
                    PartialFrameBudget partialFrames, TlsContexts tls, AccessLogs accessLogs, String defaultLogPath) {
        this.accessLogs = accessLogs;
        this.defaultLogPath = defaultLogPath;
        this.extensions = extensions;
        this.clusters = clusters;
        this.routers = routers;
        this.gracefulTimeout = gracefulTimeout;
        this.stats = stats;
        this.partialFrames = partialFrames;
        this.tls = tls;
    }

    /**
     * Builds {@code config}, found at {@code raw.path()}. A {@code connection_manager}'s inline
     * route table is registered under its name as part of the build (MOSN does the same).
     */
    ListenerChains build(ListenerConfig config, JsonConfigValue raw) {
        ListenerMetrics metrics = ListenerMetrics.of(stats, config.name()); // first: its keys lead the listener's group
        AccessLog accessLog = accessLogs(config, raw.get("access_logs"));
        StreamFilterFactory.Creator streamFilters = extensions.streamFilters().compile(raw.get("stream_filters"),
                new FilterContext(config.name(), extensions.variables(), stats));
        ListenerServices services = new ListenerServices(config.name(), gracefulTimeout, config.perConnectionBufferLimitBytes().intValue(),
                clusters, extensions.codecs(), extensions.variables(), streamFilters, routers, stats, config.requestHeadersTimeout(),
                partialFrames, accessLog);
        List<ListenerFilter> listenerFilters = new ArrayList<>();
        ConfigValue lfs = raw.get("listener_filters");
        for (int i = 0; i < config.listenerFilters().size(); i++) {
            FilterConfig f = config.listenerFilters().get(i);
            ConfigValue at = lfs.elements().get(i);
            ListenerFilterFactory factory = extensions.listenerFilters().get(f.type());
            if (factory == null) {
                throw at.error("type", (MOSN_LISTENER_FILTERS_NOT_YET.contains(f.type()) ? "MOSN's listener filter \"" + f.type() + "\" is not supported yet"
                        : "unknown listener filter \"" + f.type() + "\"") + " (available: " + extensions.listenerFilters().names() + ")");
            }
            listenerFilters.add(factory.create(at.get("config")));
        }
        List<ListenerChains.Chain> chains = new ArrayList<>();
        for (int ci = 0; ci < config.filterChains().size(); ci++) {
            chains.add(chain(ci, config.filterChains().get(ci), raw.get("filter_chains").at(ci), services, config));
        }
        boolean anyTls = chains.stream().anyMatch(c -> c.tls() != null);
        if (config.inspector() && !anyTls) {
            raw.warn("inspector", "no filter chain of this listener has TLS: every client is plaintext already");
        }
        // TLS clients are told from plaintext ones, and their server name and ALPN read, before the chain is chosen;
        // after the other listener filters (a PROXY protocol header comes before the handshake)
        if ((anyTls || matchesOnTls(config)) && listenerFilters.stream().noneMatch(f -> f instanceof TlsInspector)) {
            listenerFilters.add(new TlsInspector());
        }
        if (accessLog != AccessLog.NONE || (accessLogs == null && !config.accessLogs().isEmpty())) {
            boolean anyProxy = config.filterChains().stream().flatMap(c -> c.filters().stream())
                    .anyMatch(f -> f.type().equalsIgnoreCase("proxy"));
            if (!anyProxy) {
                raw.warn("access_logs", "only the proxy filter's requests are logged (as in MOSN); this listener's connections write none");
            }
        }
        return new ListenerChains(config, List.copyOf(listenerFilters), List.copyOf(chains), metrics);
    }

    /** Whether a chain is chosen by what only a ClientHello tells: the server name, the transport, ALPN. */
    private static boolean matchesOnTls(ListenerConfig config) {
        for (FilterChainConfig c : config.filterChains()) {
            var m = c.filterChainMatch();
            if (m != null && (!m.serverNames().isEmpty() || m.transportProtocol() != null || !m.applicationProtocols().isEmpty())) {
                return true;
            }
        }
        return false;
    }

    private ListenerChains.Chain chain(int index, FilterChainConfig config, JsonConfigValue raw, ListenerServices services,
                                       ListenerConfig listener) {
        List<FilterConfig> filters = config.filters();
        JsonConfigValue rawFilters = raw.get("filters");
        // the legacy inline route table: registered first, so a proxy filter anywhere in the chain finds it
        String inlineRouter = null;
        boolean proxy = false;
        boolean tcp = false;
        int working = 0;
        for (int i = 0; i < filters.size(); i++) {
            String type = filters.get(i).type().toLowerCase(Locale.ROOT);
            working += type.equals("connection_manager") ? 0 : 1;
            proxy |= type.equals("proxy");
            tcp |= type.equals("tcp_proxy") || type.equals("tcpproxy");
            if (type.equals("connection_manager")) {
                JsonConfigValue at = rawFilters.at(i).get("config");
                RouterConfig rc = ConfigLoader.convert(at.node(), RouterConfig.class, at.path());
                routers.update(new RouteTable(rc, at.path(), ConfigCheck.routeDependencies(extensions, clusters)));
                inlineRouter = rc.routerConfigName();
            }
        }
        if (proxy && tcp) {
            throw raw.get("filters").error("", "a chain may have either proxy or tcp_proxy, not both");
        }
        if (working == 0) {
            throw raw.get("filters").error("", "needs a proxy or tcp_proxy filter");
        }
        List<NetworkFilter> built = new ArrayList<>(filters.size());
        for (int i = 0; i < filters.size(); i++) {
            FilterConfig f = filters.get(i);
            JsonConfigValue at = rawFilters.at(i);
            NetworkFilterFactory factory = extensions.networkFilters().get(f.type());
            if (factory == null) {
                throw at.error("type", (MOSN_NETWORK_FILTERS_NOT_YET.contains(f.type()) ? "MOSN's network filter \"" + f.type() + "\" is not supported yet"
                        : "unknown network filter \"" + f.type() + "\"") + " (supported: " + extensions.networkFilters().names() + ")");
            }
            JsonConfigValue filterConfig = at.get("config");
            if (f.type().equalsIgnoreCase("proxy") && inlineRouter != null && filterConfig.get("router_config_name").isMissing()) {
                filterConfig = withRouter(filterConfig, inlineRouter);
            }
            built.add(factory.create(filterConfig, services));
        }
        ServerTls serverTls = tls.server(listener.name(), listener.inspector(), config, raw);
        return new ListenerChains.Chain(index, config.filterChainMatch(), serverTls, List.copyOf(built));
    }

    private record FilterContext(String listenerName, io.mosn4j.api.variable.Variables variables, Stats stats)
            implements StreamFilterFactory.Context {}

    /** A proxy config without {@code router_config_name} uses its chain's inline route table. */
    private static JsonConfigValue withRouter(JsonConfigValue config, String router) {
        ObjectNode copy = config.node().isObject() ? ((ObjectNode) config.node()).deepCopy() : ConfigLoader.mapper().createObjectNode();
        copy.put("router_config_name", router);
        return new JsonConfigValue(copy, config.path());
    }

    /**
     * The listener's {@code access_logs}: each entry's {@code log_path} (a file, {@code stdout},
     * {@code stderr}; empty: MOSN's {@code <listener>_access.log}, next to the error log when that is a
     * file) and its {@code log_format} ({@code %variable%} text; empty: MOSN's default format) or
     * {@code json_format} (mosn4j's and Envoy's: an object of key to format).
     */
    private AccessLog accessLogs(ListenerConfig config, ConfigValue raw) {
        List<AccessLog> logs = new ArrayList<>();
        for (ConfigValue at : raw.elements()) {
            if (!at.isObject()) {
                throw at.error("", "an access log is an object with log_path and log_format");
            }
            for (String key : at.keys()) {
                if (!ACCESS_LOG_KEYS.contains(key.toLowerCase(Locale.ROOT))) {
                    at.warn(key, "not a field of an access log (log_path, log_format, json_format); ignored");
                }
            }
            String path = text(at, "log_path");
            if (path.isEmpty()) {
                path = defaultAccessLogPath(config.name());
            }
            String format = text(at, "log_format");
            ConfigValue json = field(at, "json_format");
            AccessLogFormat compiled;
            try {
                java.util.function.Consumer<String> unknown = name -> at.warn(json.isMissing() ? "log_format" : "json_format",
                        "unknown variable %" + name + "%; it prints \"-\"");
                if (!json.isMissing()) {
                    if (!format.isEmpty()) {
                        throw at.error("json_format", "give log_format or json_format, not both");
                    }
                    if (!json.isObject()) {
                        throw at.error("json_format", "must be an object of key to format, e.g. {\"code\": \"%response_code%\"}");
                    }
                    java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
                    for (String k : json.keys()) {
                        ConfigValue v = json.get(k);
                        if (v.isObject() || v.isArray()) {
                            throw json.error(k, "must be a format string");
                        }
                        fields.put(k, v.asText(""));
                    }
                    compiled = AccessLogFormat.json(fields, extensions.variables(), unknown);
                } else {
                    compiled = AccessLogFormat.text(format.isEmpty() ? AccessLogFormat.MOSN_DEFAULT : format, extensions.variables(), unknown);
                }
            } catch (IllegalArgumentException e) {
                if (e instanceof io.mosn4j.api.config.ConfigException c) {
                    throw c;
                }
                throw at.error("log_format", e.getMessage());
            }
            if (accessLogs == null) {
                continue; // checking only
            }
            try {
                logs.add(accessLogs.open(path, compiled));
            } catch (java.io.IOException | RuntimeException e) {
                throw at.error("log_path", "cannot open \"" + path + "\": " + e);
            }
        }
        return switch (logs.size()) {
            case 0 -> AccessLog.NONE;
            case 1 -> logs.get(0);
            default -> {
                AccessLog[] all = logs.toArray(AccessLog[]::new);
                yield request -> {
                    for (AccessLog l : all) {
                        l.log(request);
                    }
                };
            }
        };
    }

    private static final Set<String> ACCESS_LOG_KEYS = Set.of("log_path", "log_format", "json_format");

    /** MOSN's keys match ignoring case. */
    private static ConfigValue field(ConfigValue at, String name) {
        for (String k : at.keys()) {
            if (k.equalsIgnoreCase(name)) {
                return at.get(k);
            }
        }
        return at.get(name);
    }

    private static String text(ConfigValue at, String name) {
        return field(at, name).asText("").trim();
    }

    private String defaultAccessLogPath(String listener) {
        String file = listener + "_access.log";
        String errorLog = defaultLogPath;
        if (errorLog != null && !errorLog.equalsIgnoreCase("stdout") && !errorLog.equalsIgnoreCase("stderr")) {
            java.nio.file.Path dir = java.nio.file.Path.of(errorLog).toAbsolutePath().getParent();
            if (dir != null) {
                return dir.resolve(file).toString();
            }
        }
        return file;
    }
}
