package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code tls_context} (MOSN's TLSConfig): on a listener's filter chain ({@code tls_context} and
 * the entries of {@code tls_context_set}) or on a cluster. Values are kept as written; they are
 * checked, and certificates read, when the listener or cluster is built ({@code io.mosn4j.tls}),
 * where every error names its field. {@code status} absent or false means plaintext.
 *
 * @param cipherSuites MOSN's names ({@code ECDHE-RSA-AES128-GCM-SHA256}), OpenSSL's or IANA's,
 *     separated by {@code :} (MOSN) or {@code ,}
 * @param ecdhCurves {@code x25519}, {@code p256}, {@code p384}, {@code p521}, {@code curveSM2}
 * @param minVersion {@code TLS1.0} .. {@code TLS1.3} (also MOSN's {@code TLSv1_2} spelling, {@code TLS_AUTO})
 * @param alpn protocol ids offered, comma-separated ({@code h2,http/1.1})
 * @param fallBack MOSN's fall-back: a cluster whose handshake fails connects again in plaintext,
 *     and a context whose certificate cannot be read is served as plaintext
 * @param extendVerify the settings of the certificate provider {@code type} names
 */
public record TlsContextConfig(
        Boolean status,
        String type,
        String serverName,
        String caCert,
        String certChain,
        String privateKey,
        Boolean verifyClient,
        Boolean requireClientCert,
        Boolean insecureSkip,
        String cipherSuites,
        String ecdhCurves,
        String minVersion,
        String maxVersion,
        String alpn,
        Boolean fallBack,
        JsonNode extendVerify,
        JsonNode sdsSource) {

    public TlsContextConfig {
        status = status != null && status;
        verifyClient = verifyClient != null && verifyClient;
        insecureSkip = insecureSkip != null && insecureSkip;
        fallBack = fallBack != null && fallBack;
        if (sdsSource != null && !sdsSource.isNull() && UnsupportedFields.isSet(sdsSource)) {
            throw new io.mosn4j.api.config.ConfigException("sds_source", "SDS (certificates from an xDS server) is not supported yet; "
                    + "give cert_chain and private_key (rotated by replacing the files) or a certificate provider type");
        }
    }

    /** Whether TLS is on ({@code status: true}); MOSN reads {@code {}} and {@code status: false} as plaintext. */
    public boolean enabled() {
        return status;
    }
}
