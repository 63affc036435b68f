package io.mosn4j.filter.jwtauthn;

import com.nimbusds.jwt.SignedJWT;
import io.mosn4j.api.stream.Headers;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A rule's {@code requires}: Envoy's {@code JwtRequirement}. Evaluated on the event loop with the
 * keys at hand (a remote JWKS the request needs is fetched before, see {@link #providers()}).
 */
sealed interface Requirement {

    /** What one request offers a requirement: its headers, its query string, the time; and the filter's token cache. */
    record Request(Headers headers, String query, long nowMillis, TokenCache cache) {}

    Outcome evaluate(Request r);

    /** Every provider whose tokens this requirement may verify. */
    Set<Provider> providers();

    /** {@code providerName} (or {@code providerAndAudiences}): a token of the provider must be there and verify. */
    record One(Provider provider) implements Requirement {
        @Override
        public Outcome evaluate(Request r) {
            List<Provider> only = List.of(provider);
            for (TokenSource s : provider.sources()) {
                FoundToken t = s.find(r.headers(), r.query());
                if (t != null) {
                    return verify(t, only, r); // the first token found decides, as in Envoy
                }
            }
            return Outcome.MISSING;
        }

        @Override
        public Set<Provider> providers() {
            return Set.of(provider);
        }
    }

    /** {@code requiresAny}: passes when one of them does; else the most telling failure (a bad token over a missing one). */
    record Any(List<Requirement> of) implements Requirement {
        @Override
        public Outcome evaluate(Request r) {
            Outcome worst = Outcome.MISSING;
            for (Requirement q : of) {
                Outcome o = q.evaluate(r);
                if (o.ok()) {
                    return o;
                }
                if (worst == Outcome.MISSING) {
                    worst = o;
                }
            }
            return worst;
        }

        @Override
        public Set<Provider> providers() {
            return union(of);
        }
    }

    /** {@code requiresAll}: passes when every one does; else the first failure. */
    record All(List<Requirement> of) implements Requirement {
        @Override
        public Outcome evaluate(Request r) {
            for (Requirement q : of) {
                Outcome o = q.evaluate(r);
                if (!o.ok()) {
                    return o;
                }
            }
            return Outcome.OK;
        }

        @Override
        public Set<Provider> providers() {
            return union(of);
        }
    }

    /**
     * {@code allowMissing} (a request without a token of {@code among} passes; with one, every such
     * token must verify) or {@code allowMissingOrFailed} ({@code orFailed}: always passes; tokens
     * that verify still pass on their payload).
     */
    record AllowMissing(List<Provider> among, boolean orFailed) implements Requirement {
        @Override
        public Outcome evaluate(Request r) {
            List<TokenSource> seen = new ArrayList<>();
            for (Provider p : among) {
                for (TokenSource s : p.sources()) {
                    if (seen.contains(s)) {
                        continue;
                    }
                    seen.add(s);
                    FoundToken t = s.find(r.headers(), r.query());
                    if (t == null) {
                        continue;
                    }
                    List<Provider> candidates = new ArrayList<>();
                    for (Provider q : among) {
                        if (q.sources().contains(s)) {
                            candidates.add(q);
                        }
                    }
                    Outcome o = verify(t, candidates, r);
                    if (!o.ok() && !orFailed) {
                        return o;
                    }
                }
            }
            return Outcome.OK;
        }

        @Override
        public Set<Provider> providers() {
            return new LinkedHashSet<>(among);
        }
    }

    /** Verifies {@code t} with the first of {@code candidates} whose issuer it names. */
    private static Outcome verify(FoundToken t, List<Provider> candidates, Request r) {
        TokenCache.Entry e = r.cache().get(t.token());
        if (e == null) {
            SignedJWT jwt;
            try {
                jwt = SignedJWT.parse(t.token());
            } catch (ParseException x) {
                return Outcome.BAD_FORMAT;
            }
            try {
                e = new TokenCache.Entry(jwt, jwt.getJWTClaimsSet());
            } catch (ParseException x) {
                return Outcome.BAD_PAYLOAD;
            }
            r.cache().put(t.token(), e);
        }
        String iss = e.claims.getIssuer();
        for (Provider p : candidates) {
            if (p.takes(iss)) {
                return p.verify(e, t, r.headers(), r.nowMillis());
            }
        }
        return Outcome.UNKNOWN_ISSUER;
    }

    private static Set<Provider> union(List<Requirement> of) {
        Set<Provider> all = new LinkedHashSet<>();
        for (Requirement q : of) {
            all.addAll(q.providers());
        }
        return all;
    }
}
