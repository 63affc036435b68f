package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.tls.KeyCertificate;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The certificates of one {@code tls_context} as read at one moment: the key and chain to present
 * (null when the context has none: a cluster without a client certificate) and the CAs to check
 * peers against (null: the JDK's trusted roots for a cluster, none for a listener). Read off the
 * event loops, at load and again when the files or the provider change. Immutable.
 */
record Credentials(KeyCertificate own, List<X509Certificate> trusted, List<Path> files) {

    /** Reads what {@code s} names; a field that cannot be read is refused with its path. */
    static Credentials read(TlsSettings s) {
        var c = s.config();
        List<Path> files = new ArrayList<>();
        KeyCertificate own = null;
        boolean hasCert = c.certChain() != null && !c.certChain().isBlank();
        boolean hasKey = c.privateKey() != null && !c.privateKey().isBlank();
        ConfigValue certAt = s.field("cert_chain");
        ConfigValue keyAt = s.field("private_key");
        try {
            own = s.source().certificate(hasCert ? c.certChain() : "", hasKey ? c.privateKey() : "");
        } catch (CertificateException e) {
            throw certAt.error("", "the certificate provider could not supply it: " + e.getMessage());
        }
        if (own == null) {
            if (hasCert != hasKey) {
                throw (hasCert ? keyAt : certAt).error("", "required with " + (hasCert ? "cert_chain" : "private_key"));
            }
            if (hasCert) {
                List<X509Certificate> chain = Pem.certificates(Pem.text(c.certChain(), certAt), certAt);
                var key = Pem.privateKey(Pem.text(c.privateKey(), keyAt), keyAt);
                Pem.checkPair(key, chain.getFirst(), keyAt);
                own = new KeyCertificate(key, chain);
                addFile(files, c.certChain());
                addFile(files, c.privateKey());
            }
        }
        List<X509Certificate> trusted;
        ConfigValue caAt = s.field("ca_cert");
        boolean hasCa = c.caCert() != null && !c.caCert().isBlank();
        try {
            trusted = s.source().trustedCertificates(hasCa ? c.caCert() : "");
        } catch (CertificateException e) {
            throw caAt.error("", "the certificate provider could not supply it: " + e.getMessage());
        }
        if (trusted == null && hasCa) {
            trusted = Pem.certificates(Pem.text(c.caCert(), caAt), caAt);
            addFile(files, c.caCert());
        }
        return new Credentials(own, trusted == null ? null : List.copyOf(trusted), List.copyOf(files));
    }

    private static void addFile(List<Path> files, String value) {
        Path p = Pem.file(value);
        if (p != null && !files.contains(p)) {
            files.add(p);
        }
    }

    /** Whether the key and chain presented are SM2. */
    boolean sm2() {
        return own != null && Pem.isSm2(own.chain().getFirst());
    }
}
