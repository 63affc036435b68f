package io.mosn4j.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouterConfig;
import io.mosn4j.config.VirtualHostConfig;
import io.mosn4j.filter.StreamFilters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A router config compiled for matching. A request's authority picks the virtual host in MOSN's
 * order ({@link DomainIndex}: exact host and port, exact host, wildcard with port, longest wildcard
 * suffix, {@code *}); its routes are tried in order. Immutable: a new config builds a new table,
 * which the {@link RouterManager} swaps in for new requests while those in flight keep this one.
 * Everything a user can get wrong (a regex, a CEL expression, a variable or cluster name) is
 * refused while building, with its path.
 */
public final class RouteTable implements Router {
    private final String name;
    private final RouterConfig config;
    private final DomainIndex<VirtualHost> domains = new DomainIndex<>();

    /** A table without per-filter config, variables or cluster checks (tests). */
    public RouteTable(RouterConfig config) {
        this(config, "", RouteDependencies.NONE);
    }

    /** Compiles {@code config} found at {@code path} with what its routes need from the proxy. */
    public RouteTable(RouterConfig config, String path, RouteDependencies deps) {
        this.name = config.routerConfigName();
        this.config = config;
        String at = path.isEmpty() ? "" : path + ".";
        HeaderMutations tableRequest = HeaderMutations.of(config.requestHeadersToAdd(), config.requestHeadersToRemove(),
                deps.variables(), path, "request");
        HeaderMutations tableResponse = HeaderMutations.of(config.responseHeadersToAdd(), config.responseHeadersToRemove(),
                deps.variables(), path, "response");
        for (int vi = 0; vi < config.virtualHosts().size(); vi++) {
            VirtualHostConfig vhc = config.virtualHosts().get(vi);
            String vhPath = at + "virtual_hosts[" + vi + "]";
            Map<String, Object> hostFilters = perFilter(vhc.perFilterConfig(), vhPath, deps.filters());
            HeaderMutations hostRequest = HeaderMutations.of(vhc.requestHeadersToAdd(), vhc.requestHeadersToRemove(),
                    deps.variables(), vhPath, "request");
            HeaderMutations hostResponse = HeaderMutations.of(vhc.responseHeadersToAdd(), vhc.responseHeadersToRemove(),
                    deps.variables(), vhPath, "response");
            VirtualHost vh = new VirtualHost(vhc.name());
            List<Route> routes = new ArrayList<>(vhc.routers().size());
            for (int ri = 0; ri < vhc.routers().size(); ri++) {
                RouteConfig rc = vhc.routers().get(ri);
                String routePath = vhPath + ".routers[" + ri + "]";
                Map<String, Object> routeFilters = new HashMap<>(hostFilters);
                routeFilters.putAll(perFilter(rc.perFilterConfig(), routePath, deps.filters()));
                routes.add(new Route(rc, routePath, vh, name, Map.copyOf(routeFilters), hostRequest, tableRequest,
                        hostResponse, tableResponse, deps));
            }
            vh.routes(routes);
            for (String domain : vhc.domains()) {
                domains.add(domain, vh);
            }
        }
        domains.freeze();
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
    public Route route(Headers request, RequestInfo info) {
        VirtualHost vh = domains.find(request.authority());
        return vh == null ? null : vh.match(request, info);
    }

    /** The route for {@code request} without its record (variable and DSL matches see no request), or null. */
    public Route match(Headers request) {
        return route(request, null);
    }

    VirtualHost virtualHost(String authority) {
        return domains.find(authority);
    }
}
