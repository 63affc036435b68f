package io.mosn4j.router;

import io.mosn4j.api.router.HashPolicy;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.config.HashPolicyConfig;
import io.mosn4j.config.HeaderMatchConfig;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouteMatchConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One route: a path matcher (prefix, then exact path, then regex, as MOSN ranks them), header
 * matchers, and an action. As in MOSN, prefixes are case-sensitive, exact paths are not, and
 * regular expressions match anywhere unless anchored ({@code ^...$}). Matchers are compiled once when the route table is built.
 */
public final class Route implements RouteInfo {
    private final String name;
    private final String virtualHostName;
    private final String routerName;
    private final String prefix;
    private final String exactPath;
    private final Pattern regex;
    private final HeaderMatcher[] headers;
    private final String clusterName;
    private final Duration timeout;
    private final LocalReply directResponse;
    /** Per-filter config, parsed by each filter's factory; the route's own entries over its virtual host's. */
    private final Map<String, Object> perFilterConfig;
    private final List<HashPolicy> hashPolicy;

    Route(RouteConfig config, String virtualHostName, String routerName, Map<String, Object> perFilterConfig) {
        this.name = config.name();
        this.virtualHostName = virtualHostName;
        this.routerName = routerName;
        this.perFilterConfig = perFilterConfig;
        RouteMatchConfig m = config.match();
        this.prefix = empty(m.prefix()) ? null : m.prefix();
        this.exactPath = prefix != null || empty(m.path()) ? null : m.path();
        this.regex = prefix != null || exactPath != null || empty(m.regex()) ? null : Pattern.compile(m.regex());
        List<HeaderMatchConfig> hs = m.headers();
        this.headers = new HeaderMatcher[hs.size()];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = new HeaderMatcher(hs.get(i));
        }
        if (config.directResponse() != null) {
            this.directResponse = LocalReply.direct(config.directResponse().status(), config.directResponse().body());
            this.clusterName = null;
            this.timeout = null;
            this.hashPolicy = List.of();
        } else {
            this.directResponse = null;
            this.clusterName = config.route().clusterName();
            this.timeout = config.route().timeout();
            this.hashPolicy = config.route().hashPolicy() == null ? List.of() : config.route().hashPolicy().stream().map(Route::hashPolicy).toList();
        }
    }

    boolean matches(Headers request, String path, String pathOnly) {
        if (prefix != null) {
            if (!path.startsWith(prefix)) {
                return false;
            }
        } else if (exactPath != null) {
            if (!pathOnly.equalsIgnoreCase(exactPath)) { // MOSN compares exact paths ignoring case
                return false;
            }
        } else if (regex != null && !regex.matcher(pathOnly).find()) { // unanchored, as Go's MatchString
            return false;
        }
        for (HeaderMatcher h : headers) {
            if (!h.matches(request)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String virtualHostName() {
        return virtualHostName;
    }

    @Override
    public String routerName() {
        return routerName;
    }

    @Override
    public LocalReply directResponse() {
        return directResponse;
    }

    @Override
    public String clusterName() {
        return clusterName;
    }

    /** The route's timeout, or null when it has none. */
    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public Object perFilterConfig(String filterName) {
        return perFilterConfig.get(filterName);
    }

    @Override
    public List<HashPolicy> hashPolicy() {
        return hashPolicy;
    }

    private static HashPolicy hashPolicy(HashPolicyConfig c) {
        if (c.header() != null) {
            return new HashPolicy.Header(c.header().name());
        }
        if (c.cookie() != null) {
            return new HashPolicy.Cookie(c.cookie().name());
        }
        return new HashPolicy.SourceIp();
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    private static final String ANY = ".*";

    private record HeaderMatcher(String name, String value, Pattern pattern) {
        HeaderMatcher(HeaderMatchConfig c) {
            this(c.name(), c.value(), c.regex() ? Pattern.compile(c.value()) : null);
        }

        boolean matches(Headers request) {
            String v = request.get(name);
            if (v == null) {
                return false;
            }
            if (pattern == null && ANY.equals(value)) {
                return true; // MOSN's RPC routes say {"name": "service", "value": ".*"} for "any service"
            }
            return pattern == null ? v.equals(value) : pattern.matcher(v).find();
        }
    }
}
