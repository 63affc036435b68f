package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The names a {@code tls_context} uses for cipher suites, curves, versions and ALPN protocols, and
 * what they mean to the TLS engines: MOSN's own spellings, OpenSSL's and IANA's all map to one
 * IANA (JSSE) name. A name that is none of them, or that asks for something mosn4j refuses (3DES,
 * TLCP), is an error naming the field.
 */
final class TlsNames {
    /** RFC 8998: TLS 1.3 with SM4 and SM3, run by the Bouncy Castle engine. */
    static final String SM4_GCM_SM3 = "TLS_SM4_GCM_SM3";
    static final String SM4_CCM_SM3 = "TLS_SM4_CCM_SM3";
    static final Set<String> SM_SUITES = Set.of(SM4_GCM_SM3, SM4_CCM_SM3);
    static final Set<String> TLS13_SUITES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    static final String CURVE_SM2 = "curveSM2";

    /** Every accepted spelling (upper case) to its IANA name. */
    private static final Map<String, String> CIPHERS = new LinkedHashMap<>();

    static {
        // MOSN's names (its ciphersMap), then OpenSSL's, for the TLS 1.2 suites BoringSSL and the JDK share
        cipher("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384");
        cipher("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384");
        cipher("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256");
        cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256");
        cipher("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-WITH-CHACHA20-POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305");
        cipher("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-WITH-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305");
        cipher("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-CBC-SHA", "ECDHE-RSA-AES256-SHA");
        cipher("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-CBC-SHA", "ECDHE-RSA-AES128-SHA");
        cipher("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-CBC-SHA", "ECDHE-ECDSA-AES256-SHA");
        cipher("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-CBC-SHA", "ECDHE-ECDSA-AES128-SHA");
        cipher("TLS_RSA_WITH_AES_256_CBC_SHA", "RSA-AES256-CBC-SHA", "AES256-SHA");
        cipher("TLS_RSA_WITH_AES_128_CBC_SHA", "RSA-AES128-CBC-SHA", "AES128-SHA");
        cipher("TLS_RSA_WITH_AES_128_GCM_SHA256");
        cipher("TLS_RSA_WITH_AES_256_GCM_SHA384");
        // TLS 1.3: MOSN's "AES128-GCM-SHA256" and "AES256-GCM-SHA384" name these (OpenSSL uses the names for RSA suites)
        cipher("TLS_AES_128_GCM_SHA256", "AES128-GCM-SHA256");
        cipher("TLS_AES_256_GCM_SHA384", "AES256-GCM-SHA384");
        cipher("TLS_CHACHA20_POLY1305_SHA256");
        cipher(SM4_GCM_SM3);
        cipher(SM4_CCM_SM3);
    }

    /** Refused with a reason rather than as unknown. */
    private static final Map<String, String> REFUSED_CIPHERS = Map.of(
            "ECDHE-RSA-3DES-EDE-CBC-SHA", "3DES suites are not offered (insecure, and not in BoringSSL)",
            "RSA-3DES-EDE-CBC-SHA", "3DES suites are not offered (insecure, and not in BoringSSL)",
            "ECDHE-RSA-SM4-SM3", "MOSN's TLS 1.2 SM4 suites are not supported; use TLS_SM4_GCM_SM3 or TLS_SM4_CCM_SM3 (RFC 8998, TLS 1.3)",
            "ECDHE-ECDSA-SM4-SM3", "MOSN's TLS 1.2 SM4 suites are not supported; use TLS_SM4_GCM_SM3 or TLS_SM4_CCM_SM3 (RFC 8998, TLS 1.3)");

    /** TLCP (GB/T 38636) suite names: refused, naming what is supported instead. */
    private static final Set<String> TLCP_CIPHERS = Set.of("ECC-SM4-SM3", "ECC-SM4-CBC-SM3", "ECC-SM4-GCM-SM3", "ECDHE-SM4-SM3",
            "ECDHE-SM4-CBC-SM3", "ECDHE-SM4-GCM-SM3", "ECC_SM4_CBC_SM3", "ECC_SM4_GCM_SM3", "ECDHE_SM4_CBC_SM3", "ECDHE_SM4_GCM_SM3");
    static final String TLCP_REFUSED = "TLCP (GB/T 38636) is not supported: no maintained Java library implements it; the SM suites "
            + "supported are TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3 (RFC 8998, TLS 1.3, curveSM2, SM2 certificates)";

    private TlsNames() {}

    private static void cipher(String iana, String... aliases) {
        CIPHERS.put(iana, iana);
        for (String a : aliases) {
            CIPHERS.put(a.toUpperCase(Locale.ROOT), iana);
        }
    }

    /** The values of a MOSN list field: split on {@code :} (MOSN's cipher separator) and {@code ,}. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String s : text.split("[:,]")) {
            String t = s.strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** IANA names of {@code cipher_suites}, in the order written; empty for the engine's defaults. */
    static List<String> ciphers(String text, ConfigValue at) {
        List<String> out = new ArrayList<>();
        for (String name : split(text)) {
            String key = name.toUpperCase(Locale.ROOT);
            if (TLCP_CIPHERS.contains(key)) {
                throw at.error("", "cipher \"" + name + "\": " + TLCP_REFUSED);
            }
            String why = REFUSED_CIPHERS.get(key);
            if (why != null) {
                throw at.error("", "cipher \"" + name + "\": " + why);
            }
            String iana = CIPHERS.get(key);
            if (iana == null) {
                throw at.error("", "unknown cipher \"" + name + "\" (expected MOSN's names such as ECDHE-RSA-AES128-GCM-SHA256, "
                        + "OpenSSL's or IANA's, or TLS_SM4_GCM_SM3)");
            }
            if (!out.contains(iana)) {
                out.add(iana);
            }
        }
        return out;
    }

    /** A curve of {@code ecdh_curves}: its OpenSSL group name, JDK named group and TLS code point. */
    record Curve(String openssl, String jdk, int id) {}

    private static final Map<String, Curve> CURVES = Map.of(
            "x25519", new Curve("X25519", "x25519", 29),
            "p256", new Curve("P-256", "secp256r1", 23),
            "p384", new Curve("P-384", "secp384r1", 24),
            "p521", new Curve("P-521", "secp521r1", 25),
            "curvesm2", new Curve(CURVE_SM2, CURVE_SM2, 41),
            "sm2", new Curve(CURVE_SM2, CURVE_SM2, 41));

    static List<Curve> curves(String text, ConfigValue at) {
        List<Curve> out = new ArrayList<>();
        for (String name : split(text)) {
            String key = name.toLowerCase(Locale.ROOT).replace("-", "").replace("secp256r1", "p256").replace("secp384r1", "p384")
                    .replace("secp521r1", "p521").replace("prime256v1", "p256");
            Curve c = CURVES.get(key);
            if (c == null) {
                throw at.error("", "unknown curve \"" + name + "\" (expected x25519, p256, p384, p521 or curveSM2)");
            }
            if (!out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    /** TLS versions, oldest first, by their JSSE protocol names. */
    static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    /**
     * The index in {@link #VERSIONS} of {@code min_version}/{@code max_version}, or -1 when unset
     * ({@code TLS_AUTO}). MOSN spells them {@code TLSv1_2}; its docs {@code TLS1.2}; both are read.
     */
    static int version(String text, ConfigValue at) {
        if (text == null || text.isBlank()) {
            return -1;
        }
        String v = text.strip().toLowerCase(Locale.ROOT).replace("_", ".").replace("tlsv", "tls");
        switch (v) {
            case "tls.auto", "auto" -> {
                return -1;
            }
            case "tls1.0", "tls1", "tls10" -> {
                return 0;
            }
            case "tls1.1", "tls11" -> {
                return 1;
            }
            case "tls1.2", "tls12" -> {
                return 2;
            }
            case "tls1.3", "tls13" -> {
                return 3;
            }
            default -> {
                if (v.contains("tlcp") || v.contains("gmtls") || v.contains("gmssl") || v.contains("ntls")) {
                    throw at.error("", "\"" + text + "\": " + TLCP_REFUSED);
                }
                if (v.startsWith("ssl")) {
                    throw at.error("", "\"" + text + "\": SSL 3.0 and older are not supported (expected TLS1.0 .. TLS1.3)");
                }
                throw at.error("", "unknown TLS version \"" + text + "\" (expected TLS1.0, TLS1.1, TLS1.2, TLS1.3 or TLS_AUTO)");
            }
        }
    }

    /** Whether {@code id} could be an ALPN protocol id (RFC 7301: 1 to 255 bytes). */
    static boolean validAlpn(String id) {
        return !id.isEmpty() && id.length() <= 255 && id.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
