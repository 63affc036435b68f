package io.mosn4j.tls;

import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * Whether a server certificate is for the name a cluster connects to (RFC 6125): a DNS name of its
 * subject alternative names, exact or with one wildcard label ({@code *.example.com}), or an IP
 * address among its IP names; the subject's CN only when it has no DNS names. For the SM engine,
 * which has no JDK check to lean on.
 */
final class HostnameCheck {
    private HostnameCheck() {}

    static boolean matches(X509Certificate cert, String host) {
        String name = host.toLowerCase(Locale.ROOT);
        boolean ip = SmContext.isIpLiteral(name);
        boolean anyDns = false;
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    String value = String.valueOf(san.get(1)).toLowerCase(Locale.ROOT);
                    if (type == 2) {
                        anyDns = true;
                        if (!ip && dnsMatch(value, name)) {
                            return true;
                        }
                    } else if (type == 7 && ip && InetAddress.ofLiteral(value).equals(InetAddress.ofLiteral(name))) {
                        return true;
                    }
                }
            }
        } catch (CertificateParsingException | IllegalArgumentException e) {
            return false;
        }
        if (ip || anyDns) {
            return false;
        }
        String cn = commonName(cert.getSubjectX500Principal());
        return cn != null && dnsMatch(cn.toLowerCase(Locale.ROOT), name);
    }

    static boolean dnsMatch(String pattern, String name) {
        if (pattern.startsWith("*.")) {
            int dot = name.indexOf('.');
            return dot > 0 && name.substring(dot).equals(pattern.substring(1));
        }
        return pattern.equals(name);
    }

    static String commonName(X500Principal p) {
        for (String part : p.getName(X500Principal.RFC2253).split(",")) {
            if (part.regionMatches(true, 0, "CN=", 0, 3)) {
                return part.substring(3);
            }
        }
        return null;
    }
}
