package io.mosn4j.router;

import io.mosn4j.api.stream.Headers;
import java.util.List;

/** A virtual host: its routes, tried in order; the first that matches wins. */
public record VirtualHost(String name, List<Route> routes) {
    public Route match(Headers request) {
        String path = request.path();
        if (path == null) {
            path = "";
        }
        int q = path.indexOf('?');
        String pathOnly = q < 0 ? path : path.substring(0, q);
        for (int i = 0, n = routes.size(); i < n; i++) {
            Route r = routes.get(i);
            if (r.matches(request, path, pathOnly)) {
                return r;
            }
        }
        return null;
    }
}
