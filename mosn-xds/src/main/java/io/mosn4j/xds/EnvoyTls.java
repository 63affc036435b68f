package io.mosn4j.xds;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mosn4j.config.ConfigWarnings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Envoy's TLS transport socket ({@code envoy.transport_sockets.tls} with an
 * {@code UpstreamTlsContext} or {@code DownstreamTlsContext}) as MOSN's {@code tls_context}.
 * Certificates and CAs are inline ({@code inline_bytes}, {@code inline_string}: PEM) or files
 * ({@code filename}: mosn4j watches them and reloads on change). Any field that would make the
 * handshake stricter or weaker than MOSN's context can express is refused, naming it (the resource
 * is NACKed): ignoring it could only mean other security than the control plane asked for. Fields
 * that only tune (session tickets, renegotiation, OCSP stapling policy) are warned about.
 */
final class EnvoyTls {
    static final String TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
    static final String DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
    static final String RAW_BUFFER = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Map<String, String> CURVES = Map.of("X25519", "x25519", "P-256", "p256", "P-384", "p384", "P-521", "p521");

    private EnvoyTls() {}

    /**
     * The secrets (SDS over the ADS stream) a conversion may use, bound while a resource from ADS
     * is converted: which names it used, and which have not arrived yet (the resource then waits,
     * warming, as Envoy's does). Unbound (a bootstrap's static resources): SDS is refused.
     */
    static final class Secrets {
        static final ScopedValue<Secrets> CURRENT = ScopedValue.newInstance();
        private final Map<String, Secret> known;
        final Set<String> used = new TreeSet<>();
        final Set<String> missing = new TreeSet<>();

        Secrets(Map<String, Secret> known) {
            this.known = known;
        }
    }

    /** The secret {@code cfg} names, or null while it has not arrived. */
    private static Secret secret(SdsSecretConfig cfg, String at) {
        Secrets s = Secrets.CURRENT.isBound() ? Secrets.CURRENT.get() : null;
        if (s == null) {
            throw new XdsRejection(at, "SDS is supported only in resources from the ADS stream, not in static resources");
        }
        if (cfg.getName().isEmpty()) {
            throw new XdsRejection(at + ".name", "required");
        }
        if (!cfg.hasSdsConfig()) {
            throw new XdsRejection(at + ".sds_config", "required: static secrets (bootstrap static_resources.secrets) are not supported");
        }
        if (!cfg.getSdsConfig().hasAds()) {
            throw new XdsRejection(at + ".sds_config", "only ads: {} is supported (secrets over the ADS stream; got "
                    + cfg.getSdsConfig().getConfigSourceSpecifierCase() + ", e.g. Istio's sds-grpc socket)");
        }
        s.used.add(cfg.getName());
        Secret v = s.known.get(cfg.getName());
        if (v == null) {
            s.missing.add(cfg.getName());
        }
        return v;
    }

    /** The certificate and validation context in force: inline, or from SDS secrets (null when absent or not arrived). */
    private record Effective(TlsCertificate cert, int certCount, CertificateValidationContext validation) {}

    /** A cluster's transport socket as its {@code tls_context}; null for plaintext ({@code raw_buffer}). */
    static ObjectNode upstream(TransportSocket ts, String path) {
        Any any = typedConfig(ts);
        if (any == null) {
            return null;
        }
        if (!any.getTypeUrl().equals(TLS)) {
            throw new XdsRejection("typed_config", "transport socket " + any.getTypeUrl() + " is not supported on a cluster "
                    + "(expected UpstreamTlsContext or RawBuffer)");
        }
        UpstreamTlsContext u = unpack(any, UpstreamTlsContext.class);
        ObjectNode out = JSON.objectNode();
        out.put("status", true);
        for (Map.Entry<FieldDescriptor, Object> e : u.getAllFields().entrySet()) {
            switch (e.getKey().getName()) {
                case "common_tls_context", "sni", "auto_sni_san_validation" -> { }
                case "allow_renegotiation" -> ConfigWarnings.warn(path + ".allow_renegotiation", "renegotiation is never allowed");
                case "max_session_keys", "enforce_rsa_key_usage" -> ConfigWarnings.warn(path + "." + e.getKey().getName(),
                        "not converted; the TLS engine's default applies");
                default -> throw new XdsRejection("typed_config." + e.getKey().getName(), "not supported on a cluster's TLS context");
            }
        }
        CommonTlsContext c = u.getCommonTlsContext();
        Effective eff = common(c, out, false, "typed_config.common_tls_context");
        if (eff.certCount() > 1) {
            throw new XdsRejection("typed_config.common_tls_context.tls_certificates", "a cluster presents one client certificate");
        }
        String sni = u.getSni();
        if (eff.validation() == null && c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATIONCONTEXTTYPE_NOT_SET) {
            return out; // its secret has not arrived: the cluster waits for it
        }
        if (eff.validation() == null) {
            // Envoy checks nothing of the server's certificate without a validation context: so does the converted cluster
            out.put("insecure_skip", true);
            ConfigWarnings.warn(path + ".common_tls_context", "no validation_context: the server's certificate is not checked (as Envoy)");
            if (!sni.isEmpty()) {
                out.put("server_name", sni);
            }
            return out;
        }
        CertificateValidationContext v = eff.validation();
        String san = exactName(v, "typed_config.common_tls_context.validation_context");
        if (san != null && !sni.isEmpty() && !san.equals(sni)) {
            throw new XdsRejection("typed_config.common_tls_context.validation_context.match_typed_subject_alt_names",
                    "a subject alt name (" + san + ") other than the SNI (" + sni + ") is not supported yet: mosn4j checks the "
                            + "server's certificate against the name it sends");
        }
        String name = san != null ? san : sni;
        if (!name.isEmpty()) {
            out.put("server_name", name);
        }
        if (san == null) {
            // a deviation, stricter than Envoy: MOSN's cluster always checks the name (server_name, else the host's address)
            ConfigWarnings.warn(path + ".common_tls_context.validation_context", "the server's certificate must also carry "
                    + (name.isEmpty() ? "the host's address" : "\"" + name + "\"") + " (mosn4j checks the name; Envoy only the chain "
                    + "unless subject alt names are given)");
        }
        return out;
    }

    /** A filter chain's transport socket as its {@code tls_context}; null for plaintext. */
    static ObjectNode downstream(TransportSocket ts, String path) {
        Any any = typedConfig(ts);
        if (any == null) {
            return null;
        }
        if (!any.getTypeUrl().equals(DOWNSTREAM_TLS)) {
            throw new XdsRejection("typed_config", "transport socket " + any.getTypeUrl() + " is not supported on a listener "
                    + "(expected DownstreamTlsContext or RawBuffer)");
        }
        DownstreamTlsContext d = unpack(any, DownstreamTlsContext.class);
        ObjectNode out = JSON.objectNode();
        out.put("status", true);
        for (Map.Entry<FieldDescriptor, Object> e : d.getAllFields().entrySet()) {
            switch (e.getKey().getName()) {
                case "common_tls_context", "require_client_certificate" -> { }
                case "session_ticket_keys", "disable_stateless_session_resumption", "disable_stateful_session_resumption",
                     "session_timeout", "ocsp_staple_policy", "full_scan_certs_on_sni_mismatch", "prefer_client_ciphers" ->
                        ConfigWarnings.warn(path + "." + e.getKey().getName(), "not converted: session tickets are on with keys made "
                                + "at start, the server's cipher order applies");
                default -> throw new XdsRejection("typed_config." + e.getKey().getName(), "not supported on a listener's TLS context");
            }
        }
        CommonTlsContext c = d.getCommonTlsContext();
        Effective eff = common(c, out, true, "typed_config.common_tls_context");
        if (eff.certCount() != 1) {
            throw new XdsRejection("typed_config.common_tls_context.tls_certificates", "a listener needs exactly one certificate "
                    + "(got " + eff.certCount() + ")");
        }
        boolean require = d.hasRequireClientCertificate() && d.getRequireClientCertificate().getValue();
        boolean hasValidation = c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATIONCONTEXTTYPE_NOT_SET;
        if (hasValidation) {
            if (eff.validation() != null && exactName(eff.validation(), "typed_config.common_tls_context.validation_context") != null) {
                throw new XdsRejection("typed_config.common_tls_context.validation_context.match_typed_subject_alt_names",
                        "checking client certificates' subject alt names is not supported yet");
            }
            out.put("verify_client", true); // Envoy: a client certificate given is checked against trusted_ca
            if (require) {
                out.put("require_client_cert", true);
            }
        } else if (require) {
            throw new XdsRejection("typed_config.require_client_certificate", "needs validation_context.trusted_ca");
        }
        return out;
    }

    private static Any typedConfig(TransportSocket ts) {
        if (!ts.hasTypedConfig()) {
            if (ts.getName().equals("envoy.transport_sockets.raw_buffer") || ts.getName().equals("raw_buffer")) {
                return null;
            }
            throw new XdsRejection("typed_config", "required (transport socket " + ts.getName() + ")");
        }
        return ts.getTypedConfig().getTypeUrl().equals(RAW_BUFFER) ? null : ts.getTypedConfig();
    }

    private static <T extends Message> T unpack(Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new XdsRejection("typed_config", "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
        }
    }

    private static Effective common(CommonTlsContext c, ObjectNode out, boolean server, String at) {
        for (FieldDescriptor f : c.getAllFields().keySet()) {
            switch (f.getName()) {
                case "tls_params", "tls_certificates", "validation_context", "alpn_protocols", "tls_certificate_sds_secret_configs",
                     "validation_context_sds_secret_config", "combined_validation_context" -> { }
                default -> throw new XdsRejection(at + "." + f.getName(), "not supported");
            }
        }
        TlsCertificate t = c.getTlsCertificatesCount() > 0 ? c.getTlsCertificates(0) : null;
        int certCount = c.getTlsCertificatesCount() + c.getTlsCertificateSdsSecretConfigsCount();
        String tat = at + ".tls_certificates[0]";
        if (c.getTlsCertificateSdsSecretConfigsCount() > 0) {
            tat = at + ".tls_certificate_sds_secret_configs[0]";
            if (certCount == 1) {
                Secret sec = secret(c.getTlsCertificateSdsSecretConfigs(0), tat);
                if (sec != null && !sec.hasTlsCertificate()) {
                    throw new XdsRejection(tat, "secret " + sec.getName() + " holds no tls_certificate");
                }
                t = sec == null ? null : sec.getTlsCertificate();
                tat = tat + " (secret " + c.getTlsCertificateSdsSecretConfigs(0).getName() + ")";
            }
        }
        CertificateValidationContext validation = switch (c.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT -> c.getValidationContext();
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> validationSecret(c.getValidationContextSdsSecretConfig(),
                    at + ".validation_context_sds_secret_config");
            case COMBINED_VALIDATION_CONTEXT -> {
                var combined = c.getCombinedValidationContext();
                if (!combined.hasValidationContextSdsSecretConfig()) {
                    throw new XdsRejection(at + ".combined_validation_context.validation_context_sds_secret_config", "required");
                }
                CertificateValidationContext dynamic = validationSecret(combined.getValidationContextSdsSecretConfig(),
                        at + ".combined_validation_context.validation_context_sds_secret_config");
                // as Envoy: the secret's context merged over the default one
                yield dynamic == null ? null : combined.getDefaultValidationContext().toBuilder().mergeFrom(dynamic).build();
            }
            default -> null;
        };
        if (t != null && certCount == 1) {
            for (FieldDescriptor f : t.getAllFields().keySet()) {
                switch (f.getName()) {
                    case "certificate_chain", "private_key" -> { }
                    case "watched_directory" -> ConfigWarnings.warn(tat + ".watched_directory", "not needed: the files are watched");
                    default -> throw new XdsRejection(tat + "." + f.getName(), "not supported");
                }
            }
            if (!t.hasCertificateChain() || !t.hasPrivateKey()) {
                throw new XdsRejection(tat, "certificate_chain and private_key are required");
            }
            out.put("cert_chain", data(t.getCertificateChain(), tat + ".certificate_chain"));
            out.put("private_key", data(t.getPrivateKey(), tat + ".private_key"));
        }
        if (validation != null) {
            CertificateValidationContext v = validation;
            String vat = at + ".validation_context";
            for (FieldDescriptor f : v.getAllFields().keySet()) {
                switch (f.getName()) {
                    case "trusted_ca", "match_typed_subject_alt_names", "match_subject_alt_names" -> { }
                    case "watched_directory" -> ConfigWarnings.warn(vat + ".watched_directory", "not needed: the files are watched");
                    default -> throw new XdsRejection(vat + "." + f.getName(), "not supported");
                }
            }
            if (!v.hasTrustedCa()) {
                throw new XdsRejection(vat + ".trusted_ca", "required: mosn4j checks peer certificates against given CAs");
            }
            out.put("ca_cert", data(v.getTrustedCa(), vat + ".trusted_ca"));
        }
        if (c.hasTlsParams()) {
            tlsParams(c.getTlsParams(), out, at + ".tls_params");
        }
        if (c.getAlpnProtocolsCount() > 0) {
            out.put("alpn", String.join(",", c.getAlpnProtocolsList())); // ids the codecs do not speak are refused by the loader
        }
        return new Effective(t, certCount, validation);
    }

    private static CertificateValidationContext validationSecret(SdsSecretConfig cfg, String at) {
        Secret sec = secret(cfg, at);
        if (sec != null && !sec.hasValidationContext()) {
            throw new XdsRejection(at, "secret " + sec.getName() + " holds no validation_context");
        }
        return sec == null ? null : sec.getValidationContext();
    }

    private static void tlsParams(TlsParameters p, ObjectNode out, String at) {
        for (FieldDescriptor f : p.getAllFields().keySet()) {
            switch (f.getName()) {
                case "tls_minimum_protocol_version", "tls_maximum_protocol_version", "cipher_suites", "ecdh_curves" -> { }
                default -> throw new XdsRejection(at + "." + f.getName(), "not supported");
            }
        }
        version(p.getTlsMinimumProtocolVersion(), out, "min_version");
        version(p.getTlsMaximumProtocolVersion(), out, "max_version");
        if (p.getCipherSuitesCount() > 0) {
            List<String> suites = new ArrayList<>();
            for (String s : p.getCipherSuitesList()) {
                if (s.startsWith("[")) {
                    // BoringSSL's equal-preference group: kept in the order written
                    ConfigWarnings.warn(at + ".cipher_suites", "equal-preference group " + s + " kept in the order written");
                    suites.addAll(List.of(s.substring(1, s.length() - 1).split("\\|")));
                } else {
                    suites.add(s);
                }
            }
            out.put("cipher_suites", String.join(":", suites));
        }
        if (p.getEcdhCurvesCount() > 0) {
            List<String> curves = new ArrayList<>();
            for (String s : p.getEcdhCurvesList()) {
                String m = CURVES.get(s);
                if (m == null) {
                    throw new XdsRejection(at + ".ecdh_curves", "curve " + s + " is not supported (expected " + CURVES.keySet() + ")");
                }
                curves.add(m);
            }
            out.put("ecdh_curves", String.join(",", curves));
        }
    }

    private static void version(TlsParameters.TlsProtocol v, ObjectNode out, String field) {
        switch (v) {
            case TLS_AUTO -> { }
            case TLSv1_0 -> out.put(field, "TLS1.0");
            case TLSv1_1 -> out.put(field, "TLS1.1");
            case TLSv1_2 -> out.put(field, "TLS1.2");
            case TLSv1_3 -> out.put(field, "TLS1.3");
            default -> throw new XdsRejection(field, "unknown TLS version " + v);
        }
    }

    /** A certificate, key or CA: PEM inline, or a file path. */
    private static String data(DataSource d, String at) {
        return switch (d.getSpecifierCase()) {
            case FILENAME -> d.getFilename();
            case INLINE_BYTES -> d.getInlineBytes().toStringUtf8();
            case INLINE_STRING -> d.getInlineString();
            default -> throw new XdsRejection(at, "only filename, inline_bytes and inline_string are supported (got " + d.getSpecifierCase() + ")");
        };
    }

    /**
     * The one name the peer's certificate must carry when the subject alt name matchers ask for
     * exactly that (one exact DNS or IP name, case-sensitive); null when none is given. Anything
     * else (Istio's SPIFFE URIs, several names, prefixes, regexes) is refused.
     */
    private static String exactName(CertificateValidationContext v, String at) {
        List<StringMatcher> matchers = new ArrayList<>(v.getMatchSubjectAltNamesList());
        for (SubjectAltNameMatcher m : v.getMatchTypedSubjectAltNamesList()) {
            if (m.getSanType() != SubjectAltNameMatcher.SanType.DNS && m.getSanType() != SubjectAltNameMatcher.SanType.IP_ADDRESS) {
                throw new XdsRejection(at + ".match_typed_subject_alt_names", "matching " + m.getSanType() + " subject alt names "
                        + "(Istio's SPIFFE identities) is not supported yet");
            }
            matchers.add(m.getMatcher());
        }
        if (matchers.isEmpty()) {
            return null;
        }
        if (matchers.size() > 1 || matchers.getFirst().getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT
                || matchers.getFirst().getIgnoreCase()) {
            throw new XdsRejection(at + ".match_typed_subject_alt_names", "only one exact DNS or IP name is supported");
        }
        return matchers.getFirst().getExact();
    }

    static final Set<String> TYPES = Set.of(TLS, DOWNSTREAM_TLS, RAW_BUFFER);
}
