package io.mosn4j.filter.jwtauthn;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens seen lately, parsed, and which key set verified their signature (Envoy's JWT cache): a
 * client that sends the same token again costs a lookup, not an RSA check. The claims (times,
 * audiences, issuer) are checked on every request; a signature counts only for the key set that
 * verified it, so a refreshed remote JWKS verifies again. At most {@link #MAX} tokens: a full
 * cache starts over. Shared by the event loops.
 */
final class TokenCache {
    static final int MAX = 256;

    /** One token: parsed once; {@code verifiedBy} is the key set its signature verified with, or null. */
    static final class Entry {
        final SignedJWT jwt;
        final JWTClaimsSet claims;
        volatile JwksKeys verifiedBy;

        Entry(SignedJWT jwt, JWTClaimsSet claims) {
            this.jwt = jwt;
            this.claims = claims;
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    Entry get(String token) {
        return entries.get(token);
    }

    void put(String token, Entry e) {
        if (entries.size() >= MAX) {
            entries.clear();
        }
        entries.put(token, e);
    }

    int size() {
        return entries.size();
    }
}
