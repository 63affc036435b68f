package io.mosn4j.filter.jwtauthn;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request's JWT check, before routing: the first rule whose match holds decides what the
 * request must carry; a request that fails its requirement gets a 401 with Envoy's reason as the
 * body and a {@code www-authenticate} header (RPC protocols: their permission-denied error). When a
 * token needs a remote JWKS that is not cached, the request waits for the fetch, the event loop does not.
 */
final class JwtAuthnFilter implements StreamReceiverFilter {

    /** The counters of one configured filter (Envoy's names). */
    record Counters(Counter allowed, Counter denied, Counter corsBypassed) {}

    private final JwtAuthnConfig config;
    private final Counters counters;
    private ReceiverFilterCallbacks callbacks;

    JwtAuthnFilter(JwtAuthnConfig config, Counters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        for (int i = 0; i < config.sanitized().size(); i++) {
            headers.remove(config.sanitized().get(i)); // only a verified token sets these
        }
        if (config.bypassCorsPreflight() && "OPTIONS".equals(headers.method()) && headers.contains("origin")
                && headers.contains("access-control-request-method")) {
            counters.corsBypassed.inc();
            return FilterStatus.CONTINUE;
        }
        // RPC requests have no path: they are "/" to the rules, so a catch-all rule covers them too
        String full = headers.path();
        full = full == null || full.isEmpty() ? "/" : full;
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        String query = q < 0 ? null : full.substring(q + 1);
        JwtAuthnConfig.Rule rule = null;
        for (JwtAuthnConfig.Rule r : config.rules()) {
            if (r.match().matches(path)) {
                rule = r;
                break;
            }
        }
        if (rule == null || rule.requires() == null) {
            return FilterStatus.CONTINUE;
        }
        Requirement.Request request = new Requirement.Request(headers, query, System.currentTimeMillis(), config.tokens());
        List<CompletableFuture<Void>> fetches = fetchesFor(rule, request);
        if (fetches.isEmpty()) {
            return decide(rule.requires(), request, path);
        }
        Requirement requires = rule.requires();
        CompletableFuture<Void> all = CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new));
        // evaluated back on the stream's event loop, which owns the headers
        return callbacks.stopUntil(all.thenRunAsync(() -> decide(requires,
                new Requirement.Request(headers, query, System.currentTimeMillis(), config.tokens()), path), callbacks.executor()));
    }

    /** The fetches this request waits for: remote JWKS not cached, of providers that find a token in it. */
    private static List<CompletableFuture<Void>> fetchesFor(JwtAuthnConfig.Rule rule, Requirement.Request r) {
        List<CompletableFuture<Void>> fetches = null;
        for (Provider p : rule.remotes()) {
            if (p.remote().fresh() || !carriesToken(p, r)) {
                continue;
            }
            if (fetches == null) {
                fetches = new ArrayList<>(2);
            }
            fetches.add(p.remote().refresh());
        }
        return fetches == null ? List.of() : fetches;
    }

    private static boolean carriesToken(Provider p, Requirement.Request r) {
        for (TokenSource s : p.sources()) {
            if (s.find(r.headers(), r.query()) != null) {
                return true;
            }
        }
        return false;
    }

    private FilterStatus decide(Requirement requires, Requirement.Request r, String path) {
        Outcome o = requires.evaluate(r);
        if (o.ok()) {
            counters.allowed.inc();
            return FilterStatus.CONTINUE;
        }
        counters.denied.inc();
        callbacks.sendLocalReply(LocalReply.error(401, o.message).withHeader("www-authenticate", challenge(r.headers(), path, o)));
        return FilterStatus.STOP;
    }

    /** Envoy's challenge: the realm is the request's URL without its query; a token that failed adds {@code error="invalid_token"}. */
    static String challenge(Headers h, String path, Outcome o) {
        String scheme = h.get(Headers.SCHEME);
        String authority = h.authority();
        String realm = (scheme == null ? "http" : scheme) + "://" + (authority == null ? "" : authority) + path;
        return "Bearer realm=\"" + realm.replace("\"", "%22") + "\"" + (o == Outcome.MISSING ? "" : ", error=\"invalid_token\"");
    }
}
