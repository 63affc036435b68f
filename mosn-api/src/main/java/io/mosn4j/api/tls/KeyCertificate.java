package io.mosn4j.api.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key and its certificate chain, leaf first. Immutable. */
public record KeyCertificate(PrivateKey key, List<X509Certificate> chain) {
    public KeyCertificate {
        if (key == null || chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("a key and at least one certificate are required");
        }
        chain = List.copyOf(chain);
    }
}
