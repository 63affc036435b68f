package io.mosn4j.api.network;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * The names a TLS peer's certificate gives it, read once from the leaf: its URI SANs (Istio's and
 * SPIFFE's {@code spiffe://cluster.local/ns/NS/sa/SA}), its DNS SANs, and its subject in RFC 2253
 * form ({@code CN=client,O=example}), Envoy's principal names in that order. Immutable.
 *
 * @param uriSans the URI subject alternative names, in certificate order
 * @param dnsSans the DNS subject alternative names, in certificate order
 * @param subject the subject distinguished name (RFC 2253), "" when empty
 */
public record PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject) {
    private static final int DNS = 2;
    private static final int URI = 6;

    public PeerIdentity {
        uriSans = List.copyOf(uriSans);
        dnsSans = List.copyOf(dnsSans);
    }

    /** Reads {@code leaf}'s names; a certificate whose SAN extension cannot be parsed has only its subject. */
    public static PeerIdentity of(X509Certificate leaf) {
        List<String> uris = new ArrayList<>(1);
        List<String> dns = new ArrayList<>(1);
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer type && san.get(1) instanceof String name) {
                        if (type == URI) {
                            uris.add(name);
                        } else if (type == DNS) {
                            dns.add(name);
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no SANs to go by: the subject names the peer
        }
        return new PeerIdentity(uris, dns, leaf.getSubjectX500Principal().getName(X500Principal.RFC2253));
    }
}
