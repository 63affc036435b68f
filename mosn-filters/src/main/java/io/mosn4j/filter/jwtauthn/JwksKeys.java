package io.mosn4j.filter.jwtauthn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.util.ArrayList;
import java.util.List;

/**
 * A JWK set made ready to verify with, once: a verifier per usable signing key (RSA, EC, HMAC).
 * Keys of other types (OKP) or for encryption are left out. Immutable and shared by the event loops.
 */
final class JwksKeys {

    /** One key: its id (or null), the algorithm it is pinned to (or null), and its verifier. */
    private record Key(String kid, JWSAlgorithm alg, JWSVerifier verifier) {}

    private final List<Key> keys;

    private JwksKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Parses a JWKS document.
     *
     * @throws IllegalArgumentException when it is no JWK set, or holds no key usable for signatures
     */
    static JwksKeys parse(String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a JWK set: " + e.getMessage());
        }
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            JWSVerifier v = verifier(jwk);
            if (v != null) {
                JWSAlgorithm alg = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
                keys.add(new Key(jwk.getKeyID(), alg, v));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the JWK set holds no RSA, EC or HMAC signing key");
        }
        return new JwksKeys(keys);
    }

    private static JWSVerifier verifier(JWK jwk) {
        try {
            return switch (jwk) {
                case RSAKey rsa -> new RSASSAVerifier(rsa.toRSAPublicKey());
                case ECKey ec -> new ECDSAVerifier(ec.toECPublicKey());
                case OctetSequenceKey oct -> new MACVerifier(oct.toByteArray());
                default -> null;
            };
        } catch (JOSEException e) {
            return null; // an unusable key (an HMAC secret shorter than 256 bits, a bad curve): no key
        }
    }

    /**
     * Verifies {@code jwt}'s signature with the keys its header allows: the same {@code kid} when
     * both name one, an algorithm the key takes (and is pinned to, if it is).
     */
    Outcome verify(SignedJWT jwt) {
        JWSHeader h = jwt.getHeader();
        String kid = h.getKeyID();
        boolean candidate = false;
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            if (kid != null && k.kid != null && !kid.equals(k.kid)) {
                continue;
            }
            if ((k.alg != null && !k.alg.equals(h.getAlgorithm())) || !k.verifier.supportedJWSAlgorithms().contains(h.getAlgorithm())) {
                continue;
            }
            candidate = true;
            try {
                if (jwt.verify(k.verifier)) {
                    return Outcome.OK;
                }
            } catch (JOSEException | IllegalStateException e) {
                // a key that cannot check this signature: try the next
            }
        }
        return candidate ? Outcome.VERIFICATION_FAILS : Outcome.NO_MATCHING_KEY;
    }
}
