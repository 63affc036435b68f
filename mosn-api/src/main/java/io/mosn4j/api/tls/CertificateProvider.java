package io.mosn4j.api.tls;

import io.mosn4j.api.config.ConfigValue;

/**
 * A kind of certificate source, by the {@code type} a {@code tls_context} names (MOSN's config
 * hooks): it supplies the certificate and key, the trusted CAs, and may add its own check of the
 * peer's certificates, reading its settings from the context's {@code extend_verify}. Registered for
 * {@link java.util.ServiceLoader} under {@code META-INF/services/io.mosn4j.api.tls.CertificateProvider};
 * a context without {@code type} uses the built-in one (PEM text or file paths).
 */
public interface CertificateProvider {
    /** The {@code type} configs use; matched ignoring case. */
    String type();

    /**
     * Parses {@code extendVerify} once, at load, for one {@code tls_context}; throw
     * {@link io.mosn4j.api.config.ConfigException} naming the bad field. Called off the event loops.
     */
    CertificateSource create(ConfigValue extendVerify);
}
