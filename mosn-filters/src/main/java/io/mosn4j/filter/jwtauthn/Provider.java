package io.mosn4j.filter.jwtauthn;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mosn4j.api.stream.Headers;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * One of the config's {@code providers}: who issues its tokens, for whom, where requests carry them,
 * the keys that sign them, and what a verified token adds to the request.
 *
 * @param name the provider's key in {@code providers}
 * @param issuer the {@code iss} a token must carry, or null for any
 * @param audiences the {@code aud} values of which a token must carry one; empty for any
 * @param localKeys the {@code localJwks}, or null when the keys are remote
 * @param remote the {@code remoteJwks}, or null when they are local
 * @param sources where tokens are looked for, in order
 * @param forward whether the token stays in the request after it verified
 * @param payloadHeader the header that gets the verified payload (base64url), or null
 * @param padPayload whether that payload keeps its base64 padding
 * @param claimHeaders claim name (dots reach into objects) → header that gets its value
 * @param skewSeconds how far {@code exp} and {@code nbf} may be off
 */
record Provider(String name, String issuer, List<String> audiences, JwksKeys localKeys, RemoteJwks remote,
        List<TokenSource> sources, boolean forward, String payloadHeader, boolean padPayload,
        Map<String, String> claimHeaders, long skewSeconds) {

    /** The same provider with other audiences (a requirement's {@code providerAndAudiences}). */
    Provider withAudiences(List<String> other) {
        return new Provider(name, issuer, List.copyOf(other), localKeys, remote, sources, forward, payloadHeader, padPayload,
                claimHeaders, skewSeconds);
    }

    /** Whether a token with {@code iss} may be this provider's. */
    boolean takes(String iss) {
        return issuer == null || issuer.equals(iss);
    }

    /**
     * Checks {@code token} (issuer already matched): times, audience, signature (unless these keys
     * verified it before). When it verifies,
     * adds the payload and claim headers to {@code headers} and, unless forwarded, removes the token.
     */
    Outcome verify(TokenCache.Entry token, FoundToken found, Headers headers, long nowMillis) {
        JWTClaimsSet claims = token.claims;
        Date exp = claims.getExpirationTime();
        if (exp != null && exp.getTime() + skewSeconds * 1000 < nowMillis) {
            return Outcome.EXPIRED;
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.getTime() - skewSeconds * 1000 > nowMillis) {
            return Outcome.NOT_YET_VALID;
        }
        if (!audiences.isEmpty()) {
            List<String> aud = claims.getAudience();
            boolean allowed = false;
            for (int i = 0; i < aud.size() && !allowed; i++) {
                allowed = audiences.contains(aud.get(i));
            }
            if (!allowed) {
                return Outcome.AUDIENCE_NOT_ALLOWED;
            }
        }
        JwksKeys keys = localKeys != null ? localKeys : remote.keys();
        if (keys == null) {
            return Outcome.JWKS_FETCH_FAILED;
        }
        if (token.verifiedBy != keys) {
            Outcome o = keys.verify(token.jwt);
            if (!o.ok()) {
                return o;
            }
            token.verifiedBy = keys;
        }
        passOn(token.jwt, claims, found, headers);
        return Outcome.OK;
    }

    private void passOn(SignedJWT jwt, JWTClaimsSet claims, FoundToken found, Headers headers) {
        if (!forward && found.header() != null) {
            headers.remove(found.header());
        }
        if (payloadHeader != null) {
            String payload = jwt.getParsedParts()[1].toString();
            if (padPayload) {
                int pad = (4 - payload.length() % 4) % 4;
                payload = payload + "=".repeat(pad == 3 ? 0 : pad);
            }
            headers.set(payloadHeader, payload);
        }
        for (Map.Entry<String, String> e : claimHeaders.entrySet()) {
            String value = claimText(claims, e.getKey());
            if (value != null) {
                headers.set(e.getValue(), value);
            }
        }
    }

    /** A claim's value as header text (string, number, boolean, or strings joined by commas), or null. */
    static String claimText(JWTClaimsSet claims, String path) {
        Object v = claims.getClaims();
        for (String part : path.split("\\.", -1)) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(part);
        }
        return switch (v) {
            case String s -> s;
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case List<?> l when l.stream().allMatch(x -> x instanceof String) -> String.join(",", l.stream().map(Object::toString).toList());
            case null, default -> null;
        };
    }
}
