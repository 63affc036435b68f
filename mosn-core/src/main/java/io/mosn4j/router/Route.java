package io.mosn4j.router;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.router.HashPolicy;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.config.HashPolicyConfig;
import io.mosn4j.config.HeaderMatchConfig;
import io.mosn4j.config.Metadata;
import io.mosn4j.config.MirrorPolicyConfig;
import io.mosn4j.config.QueryParameterMatchConfig;
import io.mosn4j.config.RedirectConfig;
import io.mosn4j.config.RouteActionConfig;
import io.mosn4j.config.RouteConfig;
import io.mosn4j.config.RouteMatchConfig;
import io.mosn4j.config.WeightedClusterConfig;
import io.mosn4j.router.RequestMatchers.HeaderMatcher;
import io.mosn4j.router.RequestMatchers.QueryMatcher;
import io.mosn4j.router.RequestMatchers.VariableCondition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One route, compiled: a path matcher (prefix, then exact path, then regex, as MOSN ranks them),
 * header, query, variable and DSL conditions (all that are given must hold), and an action: a
 * cluster (fixed, weighted, or named by a header or a variable), a redirect, or a direct response,
 * with its timeout, retry policy, rewrites, header changes and mirrors.
 *
 * <p>As in MOSN, prefixes are case-sensitive, exact paths are not, and regular expressions match
 * anywhere unless anchored ({@code ^...$}); {@code case_sensitive} sets both. A request without a
 * path (an RPC call) matches no path condition: its routes match on headers. Matching allocates
 * nothing for prefix, exact path, header and query conditions without regular expressions.
 */
public final class Route implements RouteInfo {
    private final String name;
    private final String virtualHostName;
    private final String routerName;

    // ---- match
    private static final int NO_PATH = 0;
    private static final int PREFIX = 1;
    private static final int EXACT = 2;
    private static final int REGEX = 3;
    private final int pathKind;
    private final String pathValue;
    private final boolean pathIgnoreCase;
    private final Pattern regex;
    private final HeaderMatcher[] headers;
    private final QueryMatcher[] queryParams;
    private final VariableCondition variables;
    private final DslCondition dsl;

    // ---- action
    private final LocalReply directResponse;
    private final RedirectConfig redirect;
    private final String clusterName;
    private final String clusterHeader;
    private final Variables.Bound clusterVariable;
    private final String[] weightedNames;
    /** Cumulative weights: a draw below {@code cumulative[i]} (and not below the one before) picks entry i. */
    private final int[] cumulative;
    private final Map<String, String>[] weightedMetadata;
    private final Map<String, String> metadataMatch;
    private final Duration timeout;
    private final RetryPolicy retryPolicy;
    private final String prefixRewrite;
    private final Pattern regexRewrite;
    private final String regexSubstitution;
    private final String hostRewrite;
    private final boolean autoHostRewrite;
    private final String autoHostRewriteHeader;
    private final HeaderMutations requestHeaders;
    private final HeaderMutations responseHeaders;
    private final Mirror[] mirrors;
    /** Per-filter config, parsed by each filter's factory; the route's own entries over its virtual host's. */
    private final Map<String, Object> perFilterConfig;
    /** The route's {@code hash_policy}, for consistent-hashing balancers; empty when none. */
    private final List<HashPolicy> hashPolicy;

    /** A cluster to copy requests to, and the share of requests copied. */
    public record Mirror(String cluster, int percent) {
        /** Whether this request is one of the copied share. */
        public boolean sample() {
            return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent);
        }
    }

    @SuppressWarnings("unchecked")
    Route(RouteConfig config, String path, VirtualHost host, String routerName, Map<String, Object> perFilterConfig,
          HeaderMutations hostRequestHeaders, HeaderMutations tableRequestHeaders,
          HeaderMutations hostResponseHeaders, HeaderMutations tableResponseHeaders, RouteDependencies deps) {
        this.name = config.name();
        this.virtualHostName = host.name();
        this.routerName = routerName;
        this.perFilterConfig = perFilterConfig;
        RouteMatchConfig m = config.match();
        String matchPath = path + ".match";
        if (!empty(m.prefix())) {
            pathKind = PREFIX;
            pathValue = m.prefix();
            pathIgnoreCase = Boolean.FALSE.equals(m.caseSensitive());
        } else if (!empty(m.path())) {
            pathKind = EXACT;
            pathValue = m.path();
            pathIgnoreCase = !Boolean.TRUE.equals(m.caseSensitive()); // MOSN compares exact paths ignoring case
        } else if (!empty(m.regex())) {
            pathKind = REGEX;
            pathValue = m.regex();
            pathIgnoreCase = false;
        } else {
            pathKind = NO_PATH;
            pathValue = null;
            pathIgnoreCase = false;
        }
        this.regex = pathKind == REGEX ? Pattern.compile(m.regex()) : null;
        List<HeaderMatchConfig> hs = m.headers();
        this.headers = new HeaderMatcher[hs.size()];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = HeaderMatcher.of(hs.get(i), pathKind != NO_PATH);
        }
        List<QueryParameterMatchConfig> qs = m.queryParameters();
        this.queryParams = new QueryMatcher[qs.size()];
        for (int i = 0; i < queryParams.length; i++) {
            queryParams[i] = QueryMatcher.of(qs.get(i));
        }
        this.variables = m.variables().isEmpty() ? null : new VariableCondition(m.variables(), deps.variables(), matchPath + ".variables");
        this.dsl = m.dslExpressions().isEmpty() ? null : new DslCondition(m.dslExpressions(), deps.variables(), matchPath + ".dsl_expressions");

        this.mirrors = new Mirror[config.requestMirrorPolicies().size()];
        for (int i = 0; i < mirrors.length; i++) {
            MirrorPolicyConfig mc = config.requestMirrorPolicies().get(i);
            checkCluster(mc.cluster(), path + ".request_mirror_policies[" + i + "].cluster", deps);
            mirrors[i] = new Mirror(mc.cluster(), mc.percent());
        }
        // MOSN: a direct response wins over a redirect, which wins over forwarding
        this.directResponse = config.directResponse() == null ? null
                : LocalReply.direct(config.directResponse().status(), config.directResponse().body());
        this.redirect = directResponse == null ? config.redirect() : null;
        RouteActionConfig a = directResponse == null && redirect == null ? config.route() : null;
        String actionPath = path + ".route";
        if (a == null) {
            clusterName = null;
            clusterHeader = null;
            clusterVariable = null;
            weightedNames = null;
            cumulative = null;
            weightedMetadata = null;
            metadataMatch = Map.of();
            hashPolicy = List.of();
            timeout = null;
            retryPolicy = null;
            prefixRewrite = null;
            regexRewrite = null;
            regexSubstitution = null;
            hostRewrite = null;
            autoHostRewrite = false;
            autoHostRewriteHeader = null;
            requestHeaders = HeaderMutations.NONE;
            responseHeaders = HeaderMutations.NONE;
            return;
        }
        metadataMatch = Metadata.parse(a.metadataMatch(), actionPath + ".metadata_match");
        hashPolicy = a.hashPolicy() == null ? List.of() : a.hashPolicy().stream().map(Route::hashPolicy).toList();
        // MOSN: cluster_name wins over cluster_variable; weighted clusters over both
        List<WeightedClusterConfig> weighted = a.weightedClusters();
        if (!weighted.isEmpty()) {
            int n = weighted.size();
            weightedNames = new String[n];
            cumulative = new int[n];
            weightedMetadata = new Map[n];
            int sum = 0;
            for (int i = 0; i < n; i++) {
                var c = weighted.get(i).cluster();
                String at = actionPath + ".weighted_clusters[" + i + "].cluster";
                checkCluster(c.name(), at + ".name", deps);
                weightedNames[i] = c.name();
                sum += c.weight();
                cumulative[i] = sum;
                // Envoy's rule: the cluster's own metadata_match over the route's
                Map<String, String> merged = new HashMap<>(metadataMatch);
                merged.putAll(Metadata.parse(c.metadataMatch(), at + ".metadata_match"));
                weightedMetadata[i] = Map.copyOf(merged);
            }
            clusterName = null;
            clusterHeader = null;
            clusterVariable = null;
        } else {
            weightedNames = null;
            cumulative = null;
            weightedMetadata = null;
            clusterName = a.clusterName();
            if (clusterName != null) {
                checkCluster(clusterName, actionPath + ".cluster_name", deps);
            }
            clusterHeader = clusterName == null ? a.clusterHeader() : null;
            if (clusterName == null && clusterHeader == null && a.clusterVariable() != null) {
                Variables.Bound b = deps.variables() == null ? null : deps.variables().resolve(a.clusterVariable());
                if (b == null) {
                    throw new ConfigException(actionPath + ".cluster_variable", "unknown variable \"" + a.clusterVariable() + "\"");
                }
                clusterVariable = b;
            } else {
                clusterVariable = null;
            }
        }
        timeout = a.timeout();
        retryPolicy = a.retryPolicy() != null && a.retryPolicy().retryOn() ? new RetryPolicy(a.retryPolicy()) : null;
        prefixRewrite = a.prefixRewrite();
        // MOSN: prefix_rewrite wins over regex_rewrite
        regexRewrite = prefixRewrite == null && a.regexRewrite() != null ? Pattern.compile(a.regexRewrite().pattern().regex()) : null;
        regexSubstitution = regexRewrite == null ? null : a.regexRewrite().substitution();
        hostRewrite = a.hostRewrite();
        autoHostRewriteHeader = hostRewrite == null ? a.autoHostRewriteHeader() : null;
        autoHostRewrite = hostRewrite == null && autoHostRewriteHeader == null && a.autoHostRewrite();
        requestHeaders = chain(HeaderMutations.of(a.requestHeadersToAdd(), a.requestHeadersToRemove(), deps.variables(), actionPath, "request"),
                hostRequestHeaders, tableRequestHeaders);
        responseHeaders = chain(HeaderMutations.of(a.responseHeadersToAdd(), a.responseHeadersToRemove(), deps.variables(), actionPath, "response"),
                hostResponseHeaders, tableResponseHeaders);
    }

    private static void checkCluster(String cluster, String field, RouteDependencies deps) {
        if (deps.clusters() != null && !deps.clusters().test(cluster)) {
            throw new ConfigException(field, "unknown cluster \"" + cluster + "\"");
        }
    }

    /** The route's, its virtual host's and its table's changes, applied in that order (MOSN's). */
    private static HeaderMutations chain(HeaderMutations route, HeaderMutations host, HeaderMutations table) {
        return HeaderMutations.chain(route, host, table);
    }

    // ---------------------------------------------------------------- matching

    /**
     * Whether the request matches. {@code path} is its {@code :path} (null when it has none) and
     * {@code query} the index of its {@code ?}, or -1.
     */
    boolean matches(Headers request, String path, int query, RequestInfo info) {
        if (pathKind != NO_PATH) {
            if (path == null || !pathMatches(path, query)) {
                return false;
            }
        }
        for (HeaderMatcher h : headers) {
            if (!h.matches(request)) {
                return false;
            }
        }
        if (queryParams.length > 0) {
            if (path == null || query < 0) {
                return false;
            }
            for (QueryMatcher q : queryParams) {
                if (!q.matches(path, query + 1)) {
                    return false;
                }
            }
        }
        if (variables != null && !variables.matches(info)) {
            return false;
        }
        return dsl == null || dsl.matches(request, info);
    }

    private boolean pathMatches(String path, int query) {
        int pathEnd = query < 0 ? path.length() : query;
        return switch (pathKind) {
            case PREFIX -> path.regionMatches(pathIgnoreCase, 0, pathValue, 0, pathValue.length());
            case EXACT -> pathEnd == pathValue.length() && path.regionMatches(pathIgnoreCase, 0, pathValue, 0, pathEnd);
            default -> regex.matcher(query < 0 ? path : path.subSequence(0, pathEnd)).find(); // unanchored, as Go's MatchString
        };
    }

    // ---------------------------------------------------------------- the action

    /** Whether requests go to a cluster (not a redirect or a direct response). */
    public boolean forwards() {
        return directResponse == null && redirect == null;
    }

    /** For weighted clusters, a draw among them by weight; else -1. */
    public int pickWeighted() {
        if (cumulative == null) {
            return -1;
        }
        int draw = ThreadLocalRandom.current().nextInt(cumulative[cumulative.length - 1]);
        for (int i = 0; i < cumulative.length; i++) {
            if (draw < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    /**
     * The cluster for a request: the weighted cluster {@code pick}, else {@code cluster_name}, else
     * the value of {@code cluster_header} or {@code cluster_variable}; null when the request has none.
     */
    public String clusterFor(int pick, Headers request, RequestInfo info) {
        if (pick >= 0) {
            return weightedNames[pick];
        }
        if (clusterName != null) {
            return clusterName;
        }
        String v = null;
        if (clusterHeader != null) {
            v = request.get(clusterHeader);
        } else if (clusterVariable != null && info != null) {
            v = clusterVariable.get(info);
        }
        return v == null || v.isEmpty() ? null : v;
    }

    /** The route's own {@code metadata_match}, empty when none. */
    @Override
    public Map<String, String> metadataMatch() {
        return metadataMatch;
    }

    /**
     * The host metadata the request's hosts must carry (for subset load balancing): for weighted
     * cluster {@code pick} its own {@code metadata_match} over the route's, else the route's.
     */
    public Map<String, String> metadataMatch(int pick) {
        return pick >= 0 ? weightedMetadata[pick] : metadataMatch;
    }

    /** Whether the cluster is chosen per request from a header or variable (and may name no cluster). */
    public boolean clusterFromRequest() {
        return clusterName == null && weightedNames == null;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    public Mirror[] mirrors() {
        return mirrors;
    }

    /** The redirect's answer for {@code request}, or null when the route does not redirect. */
    public LocalReply redirectFor(Headers request) {
        if (redirect == null) {
            return null;
        }
        String scheme = request.get(Headers.SCHEME);
        if (scheme == null || scheme.isEmpty()) {
            scheme = "http";
        }
        String host = request.authority();
        String path = request.path();
        if (path == null) {
            path = "/";
        }
        int q = path.indexOf('?');
        String query = q < 0 ? null : path.substring(q + 1);
        String onlyPath = q < 0 ? path : path.substring(0, q);
        String toScheme = redirect.schemeRedirect() != null ? redirect.schemeRedirect() : scheme;
        String toHost = redirect.hostRedirect() != null ? redirect.hostRedirect() : host == null ? "" : host;
        String toPath = redirect.pathRedirect() != null ? redirect.pathRedirect() : onlyPath;
        if (!toScheme.equals(scheme)) {
            // MOSN drops a port that only made sense for the other scheme
            if ((toScheme.equals("http") && toHost.endsWith(":443")) || (toScheme.equals("https") && toHost.endsWith(":80"))) {
                toHost = toHost.substring(0, toHost.lastIndexOf(':'));
            }
        }
        String location = toScheme + "://" + toHost + toPath + (query == null || query.isEmpty() ? "" : "?" + query);
        return LocalReply.direct(redirect.responseCode(), "").withHeader("location", location);
    }

    /**
     * Changes the request before it goes upstream, in MOSN's order: headers added and removed (the
     * route's, its virtual host's, its table's), then the path (prefix_rewrite, else regex_rewrite,
     * keeping the query; the original path goes in {@code x-mosn-original-path}), then the host
     * (host_rewrite, else auto_host_rewrite_header). auto_host_rewrite depends on the chosen host:
     * see {@link #autoHostRewrite()}.
     */
    public void finalizeRequest(Headers request, RequestInfo info) {
        if (!requestHeaders.isEmpty()) {
            requestHeaders.apply(request, info);
        }
        if (prefixRewrite != null || regexRewrite != null) {
            rewritePath(request);
        }
        if (hostRewrite != null) {
            request.set(Headers.AUTHORITY, hostRewrite);
        } else if (autoHostRewriteHeader != null) {
            String v = request.get(autoHostRewriteHeader);
            if (v != null && !v.isEmpty()) {
                request.set(Headers.AUTHORITY, v);
            }
        }
    }

    private void rewritePath(Headers request) {
        String path = request.path();
        if (path == null || path.isEmpty()) {
            return;
        }
        int q = path.indexOf('?');
        String onlyPath = q < 0 ? path : path.substring(0, q);
        String rest = q < 0 ? "" : path.substring(q);
        String rewritten;
        if (prefixRewrite != null) {
            // the part the route matched is replaced: its prefix, or its exact path
            if (pathKind != PREFIX && pathKind != EXACT) {
                return;
            }
            int n = pathValue.length();
            if (!onlyPath.regionMatches(pathIgnoreCase, 0, pathValue, 0, Math.min(n, onlyPath.length())) || onlyPath.length() < n) {
                return;
            }
            rewritten = prefixRewrite + onlyPath.substring(n);
        } else {
            rewritten = regexRewrite.matcher(onlyPath).replaceAll(regexSubstitution);
            if (rewritten.equals(onlyPath)) {
                return;
            }
        }
        request.set("x-mosn-original-path", onlyPath);
        request.set(Headers.PATH, rewritten + rest);
    }

    /** Whether the request's host becomes the chosen upstream host's name (its {@code hostname}, else its address). */
    public boolean autoHostRewrite() {
        return autoHostRewrite;
    }

    /** Changes the upstream's response headers before the response filters see them. */
    public void finalizeResponse(Headers response, RequestInfo info) {
        if (!responseHeaders.isEmpty()) {
            responseHeaders.apply(response, info);
        }
    }

    // ---------------------------------------------------------------- RouteInfo

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

    /** The route's {@code cluster_name}; null for weighted clusters, a cluster from a header or variable, a redirect or a direct response. */
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
}
