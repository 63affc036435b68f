package io.mosn4j.router;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.config.VirtualHostConfig;
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
public final class RouteTable {
    private final String name;
    private final Map<String, VirtualHost> exact = new HashMap<>();
    private final List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>();
    private VirtualHost fallback;

    public RouteTable(RouterConfig config) {
        this.name = config.routerConfigName();
        for (VirtualHostConfig vhc : config.virtualHosts()) {
            List<Route> routes = new ArrayList<>(vhc.routers().size());
            for (RouteConfig rc : vhc.routers()) {
                routes.add(new Route(rc));
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

    public String name() {
        return name;
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
