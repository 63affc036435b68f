package io.mosn4j.api.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where one {@code tls_context}'s certificates come from, made by a {@link CertificateProvider}.
 * Every method has the built-in behaviour as its default: return null to keep it. Called off the
 * event loops (at load, and when {@link #watch} reports a change), except {@link #verifyPeer},
 * which runs on a connection's event loop during its handshake and must not block.
 */
public interface CertificateSource {

    /**
     * The certificate chain and key to present, given the context's {@code cert_chain} and
     * {@code private_key} as written (by default PEM text or file paths; a provider may read them
     * as names in a key store of its own). Null: the built-in reading.
     *
     * @throws CertificateException when they cannot be had; the config is refused naming the field
     */
    default KeyCertificate certificate(String certChain, String privateKey) throws CertificateException {
        return null;
    }

    /**
     * The CAs that peer certificates must chain to, given {@code ca_cert} as written. Null: the
     * built-in reading (PEM text or a file path; none configured means the JDK's trusted roots for
     * clusters, and no client certificates accepted for listeners).
     */
    default List<X509Certificate> trustedCertificates(String caCert) throws CertificateException {
        return null;
    }

    /**
     * Whether {@link #verifyPeer} replaces the standard check of the peer's chain against the
     * trusted CAs (MOSN's handshake-verify hooks replace it), rather than running after it.
     */
    default boolean replacesStandardVerification() {
        return false;
    }

    /**
     * A check of the peer's certificate chain (leaf first) of the provider's own: throw to fail
     * the handshake. {@code server} is true when mosn4j is the TLS server (the peer is a client).
     * On the event loop: must not block.
     */
    default void verifyPeer(List<X509Certificate> chain, boolean server) throws CertificateException {}

    /**
     * Registers {@code changed}, to be run (from any thread) whenever the provider's certificates
     * change: mosn4j then reads them again, off the event loops, and new handshakes use them while
     * established connections carry on. The built-in source watches its files.
     */
    default void watch(Runnable changed) {}
}
