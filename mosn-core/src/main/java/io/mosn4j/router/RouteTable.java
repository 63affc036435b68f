package io.mosn4j.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.config.VirtualHostConfig;
import io.mosn4j.filter.StreamFilters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A router config compiled for matching. A request's authority picks the virtual host with
 * MOSN's priority: exact domain, then the wildcard with the longest suffix, then {@code *}.
 * Immutable: a new config builds a new table.
 */
public final class RouteTable implements Router {
    private final String name;
    private final RouterConfig config;
    private final Map<String, VirtualHost> exact = new HashMap<>();
    private final List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>();
    private VirtualHost fallback;

    /** A table without per-filter config (tests). */
    public RouteTable(RouterConfig config) {
        this(config, "", null);
    }

    /**
     * Compiles {@code config} found at {@code path}; {@code filters} parses the routes'
     * {@code per_filter_config} (null: there must be none).
     */
    public RouteTable(RouterConfig config, String path, StreamFilters filters) {
        this.name = config.routerConfigName();
        this.config = config;
        for (int vi = 0; vi < config.virtualHosts().size(); vi++) {
            VirtualHostConfig vhc = config.virtualHosts().get(vi);
            String vhPath = path + (path.isEmpty() ? "" : ".") + "virtual_hosts[" + vi + "]";
            Map<String, Object> hostFilters = perFilter(vhc.perFilterConfig(), vhPath, filters);
            List<Route> routes = new ArrayList<>(vhc.routers().size());
            for (int ri = 0; ri < vhc.routers().size(); ri++) {
                RouteConfig rc = vhc.routers().get(ri);
                Map<String, Object> routeFilters = new HashMap<>(hostFilters);
                routeFilters.putAll(perFilter(rc.perFilterConfig(), vhPath + ".routers[" + ri + "]", filters));
                routes.add(new Route(rc, vhc.name(), name, Map.copyOf(routeFilters)));
            }
            VirtualHost vh = new VirtualHost(vhc.name(), List.copyOf(routes));
            for (String domain : vhc.domains()) {
                String d = domain.toLowerCase(Locale.ROOT);
                if (d.equals("*")) {
                    if (fallback == null) {
                        fallback = vh;
                    }
                } else if (d.startsWith("*")) {
                    suffixes.add(Map.entry(d.substring(1), vh));
                } else {
                    exact.putIfAbsent(d, vh);
                }
            }
        }
        suffixes.sort(Comparator.comparingInt((Map.Entry<String, VirtualHost> e) -> e.getKey().length()).reversed());
    }

    private static Map<String, Object> perFilter(Map<String, JsonNode> raw, String path, StreamFilters filters) {
        if (raw.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> parsed = new HashMap<>();
        for (var e : raw.entrySet()) {
            JsonConfigValue v = new JsonConfigValue(e.getValue(), path + ".per_filter_config." + e.getKey());
            if (filters == null) {
                throw v.error("", "per_filter_config needs the stream filters");
            }
            Object o = filters.parseRouteConfig(e.getKey(), v);
            if (o != null) {
                parsed.put(e.getKey(), o);
            }
        }
        return parsed;
    }

    @Override
    public String name() {
        return name;
    }

    /** The config this table was compiled from (for config dumps). */
    public RouterConfig config() {
        return config;
    }

    @Override
    public Route route(Headers request) {
        return match(request);
    }

    /** The route for {@code request}, or null when no virtual host or route matches. */
    public Route match(Headers request) {
        VirtualHost vh = virtualHost(request.authority());
        return vh == null ? null : vh.match(request);
    }

    VirtualHost virtualHost(String authority) {
        if (authority == null || authority.isEmpty()) {
            return fallback;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        VirtualHost vh = exact.get(host);
        if (vh != null) {
            return vh;
        }
        String noPort = stripPort(host);
        if (noPort != host) {
            vh = exact.get(noPort);
            if (vh != null) {
                return vh;
            }
        }
        for (int i = 0, n = suffixes.size(); i < n; i++) {
            var e = suffixes.get(i);
            // "*.foo.com" must not match "foo.com": the wildcard stands for at least one character
            if (noPort.length() > e.getKey().length() && noPort.endsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private static String stripPort(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.endsWith("]")) {
            return host;
        }
        if (host.startsWith("[") || host.indexOf(':') == colon) {
            return host.substring(0, colon);
        }
        return host;
    }
}
