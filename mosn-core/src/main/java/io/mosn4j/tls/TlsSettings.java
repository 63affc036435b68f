package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.tls.CertificateProvider;
import io.mosn4j.api.tls.CertificateSource;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.Registry;
import io.mosn4j.config.TlsContextConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * One {@code tls_context}, checked: every field read and turned into what the engines take, or
 * refused naming it. Immutable; the certificates themselves are read by {@link Credentials}.
 *
 * @param ciphers IANA names, in preference order; empty: the engine's defaults
 * @param sm whether the context asks for the SM suites (RFC 8998), run by Bouncy Castle
 * @param minVersion index in {@link TlsNames#VERSIONS}
 * @param alpn the protocol ids offered, in preference order; empty: none offered ({@code null} on a
 *     cluster means: the upstream protocol's own)
 */
record TlsSettings(TlsContextConfig config, JsonConfigValue raw, boolean server, List<String> ciphers, boolean sm,
                   List<TlsNames.Curve> curves, int minVersion, int maxVersion, List<String> alpn, ClientAuth clientAuth,
                   CertificateSource source) {

    /** What a listener asks of clients' certificates (MOSN's verify_client and require_client_cert). */
    enum ClientAuth {
        /** None asked for. */
        NONE,
        /** Asked for, and checked against {@code ca_cert} when given (MOSN: {@code verify_client} alone). */
        VERIFY_IF_GIVEN,
        /** Required and checked ({@code verify_client} and {@code require_client_cert}). */
        REQUIRE,
        /** Asked for and not checked ({@code require_client_cert} alone; Go's RequestClientCert, as in MOSN). */
        REQUEST
    }

    /** The SM-only curve list when an SM context names none. */
    private static final List<TlsNames.Curve> SM_CURVES = List.of(new TlsNames.Curve(TlsNames.CURVE_SM2, TlsNames.CURVE_SM2, 41));

    /**
     * Checks {@code c}, found at {@code raw}.
     *
     * @param codecAlpn every ALPN id and protocol name the proxy's codecs know, for {@code alpn}
     */
    static TlsSettings parse(TlsContextConfig c, JsonConfigValue raw, boolean server, Registry<CertificateProvider> providers,
                             Collection<String> codecAlpn) {
        List<String> ciphers = TlsNames.ciphers(c.cipherSuites(), raw.get("cipher_suites"));
        long smCount = ciphers.stream().filter(TlsNames.SM_SUITES::contains).count();
        boolean sm = smCount > 0;
        if (sm && smCount != ciphers.size()) {
            throw raw.get("cipher_suites").error("", "the SM suites (TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3) run on their own engine and "
                    + "cannot be mixed with other suites in one tls_context; give SM clients a tls_context of their own (tls_context_set, "
                    + "chosen by server name)");
        }
        List<TlsNames.Curve> curves = TlsNames.curves(c.ecdhCurves(), raw.get("ecdh_curves"));
        boolean smCurve = curves.stream().anyMatch(cv -> cv.id() == 41);
        if (sm && !curves.isEmpty() && (!smCurve || curves.size() > 1)) {
            throw raw.get("ecdh_curves").error("", "the SM suites take curveSM2 only");
        }
        if (!sm && smCurve) {
            throw raw.get("ecdh_curves").error("", "curveSM2 goes with the SM suites: add cipher_suites TLS_SM4_GCM_SM3");
        }
        if (sm && curves.isEmpty()) {
            curves = SM_CURVES;
        }
        int min = TlsNames.version(c.minVersion(), raw.get("min_version"));
        int max = TlsNames.version(c.maxVersion(), raw.get("max_version"));
        if (sm) {
            if ((min >= 0 && min != 3) || (max >= 0 && max != 3)) {
                throw raw.get(min >= 0 && min != 3 ? "min_version" : "max_version").error("",
                        "the SM suites are TLS 1.3 suites (RFC 8998): leave the versions out or set TLS1.3");
            }
            min = 3;
            max = 3;
        }
        // mosn4j's default floor is TLS 1.2 (MOSN's is 1.0): older versions only when a config asks for them
        min = min < 0 ? 2 : min;
        max = max < 0 ? 3 : max;
        if (min > max) {
            throw raw.get("min_version").error("", "\"" + c.minVersion() + "\" is newer than max_version \"" + c.maxVersion() + "\"");
        }
        boolean tls13Only = ciphers.stream().allMatch(TlsNames.TLS13_SUITES::contains);
        if (!ciphers.isEmpty() && !sm && tls13Only && max < 3) {
            throw raw.get("cipher_suites").error("", "only TLS 1.3 suites, but max_version is " + c.maxVersion());
        }
        List<String> alpn = null;
        if (c.alpn() != null && !c.alpn().isBlank()) {
            alpn = new ArrayList<>();
            for (String p : TlsNames.split(c.alpn())) {
                String id = p.toLowerCase(Locale.ROOT);
                if (!TlsNames.validAlpn(id) || !(codecAlpn.contains(id) || id.equals("sofa"))) {
                    throw raw.get("alpn").error("", "ALPN protocol \"" + p + "\" is not supported (expected h2, http/1.1, sofa, or one of "
                            + String.join(", ", codecAlpn) + ")");
                }
                if (!alpn.contains(id)) {
                    alpn.add(id);
                }
            }
            alpn = List.copyOf(alpn);
        }
        ClientAuth auth = ClientAuth.NONE;
        boolean require = c.requireClientCert() != null && c.requireClientCert();
        if (server) {
            auth = c.verifyClient() && require ? ClientAuth.REQUIRE : c.verifyClient() ? ClientAuth.VERIFY_IF_GIVEN
                    : require ? ClientAuth.REQUEST : ClientAuth.NONE;
            if (c.insecureSkip()) {
                raw.warn("insecure_skip", "it concerns clusters (whether to check the server's certificate); a listener checks client "
                        + "certificates by verify_client");
            }
            if (auth == ClientAuth.REQUEST) {
                raw.warn("require_client_cert", "without verify_client, client certificates are asked for but not checked (MOSN's "
                        + "meaning); add verify_client: true to check them against ca_cert");
            }
        } else {
            if (c.verifyClient()) {
                raw.warn("verify_client", "it concerns listeners; a cluster always checks the server's certificate unless insecure_skip");
            }
            if (c.requireClientCert() != null) {
                raw.warn("require_client_cert", "it concerns listeners; a cluster presents cert_chain when the server asks");
            }
        }
        String type = c.type() == null ? "" : c.type().strip();
        CertificateSource source = new CertificateSource() {};
        if (!type.isEmpty()) {
            CertificateProvider p = providers.get(type);
            if (p == null) {
                throw raw.get("type").error("", "unknown certificate provider type \"" + type + "\""
                        + (providers.names().isEmpty() ? " (none is installed)" : " (expected " + providers.names() + ")"));
            }
            source = p.create(raw.get("extend_verify"));
        } else if (c.extendVerify() != null && UnsupportedFieldsView.isSet(c.extendVerify())) {
            throw raw.get("extend_verify").error("", "extend_verify configures a certificate provider: set type too");
        }
        return new TlsSettings(c, raw, server, List.copyOf(ciphers), sm, List.copyOf(curves), min, max, alpn, auth, source);
    }

    /** The JSSE protocol names from {@code minVersion} to {@code maxVersion}. */
    String[] protocols() {
        return TlsNames.VERSIONS.subList(minVersion, maxVersion + 1).toArray(String[]::new);
    }

    ConfigValue field(String name) {
        return raw.get(name);
    }

    /** A view of config values' "set" test for fields that turn something on. */
    private static final class UnsupportedFieldsView {
        static boolean isSet(com.fasterxml.jackson.databind.JsonNode v) {
            return v != null && !v.isNull() && !v.isMissingNode() && (v.isContainerNode() ? v.size() > 0 : !v.asText().isBlank());
        }
    }
}
