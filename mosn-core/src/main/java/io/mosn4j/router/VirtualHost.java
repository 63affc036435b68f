package io.mosn4j.router;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import java.util.List;

/** A virtual host: its routes, tried in order; the first that matches wins. */
public final class VirtualHost {
    private final String name;
    private Route[] routes = new Route[0];

    VirtualHost(String name) {
        this.name = name;
    }

    void routes(List<Route> list) {
        routes = list.toArray(Route[]::new);
    }

    public String name() {
        return name;
    }

    public List<Route> routes() {
        return List.of(routes);
    }

    /** The first route {@code request} matches, or null; reads the request in place. */
    public Route match(Headers request, RequestInfo info) {
        String path = request.path();
        int query = path == null ? -1 : path.indexOf('?');
        for (Route r : routes) {
            if (r.matches(request, path, query, info)) {
                return r;
            }
        }
        return null;
    }
}
