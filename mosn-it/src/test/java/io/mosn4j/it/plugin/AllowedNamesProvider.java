package io.mosn4j.it.plugin;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.tls.CertificateProvider;
import io.mosn4j.api.tls.CertificateSource;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A certificate provider of the test plugin jar ({@link PluginJar}), {@code "type": "allowed_names"}:
 * certificates are read as usual, and after the standard check a peer's leaf must carry a common
 * name listed in {@code extend_verify.allowed_cn}. Any other {@code extend_verify} key is refused.
 */
public final class AllowedNamesProvider implements CertificateProvider {
    @Override
    public String type() {
        return "allowed_names";
    }

    @Override
    public CertificateSource create(ConfigValue extendVerify) {
        for (String k : extendVerify.keys()) {
            if (!k.equals("allowed_cn")) {
                throw extendVerify.error(k, "unknown key (expected allowed_cn)");
            }
        }
        Set<String> allowed = new HashSet<>();
        for (ConfigValue v : extendVerify.get("allowed_cn").elements()) {
            allowed.add(v.asText(""));
        }
        if (allowed.isEmpty()) {
            throw extendVerify.error("allowed_cn", "required: the common names to let in");
        }
        return new CertificateSource() {
            @Override
            public void verifyPeer(List<X509Certificate> chain, boolean server) throws CertificateException {
                String cn = commonName(chain.getFirst());
                if (!allowed.contains(cn)) {
                    throw new CertificateException("common name \"" + cn + "\" is not in allowed_cn");
                }
            }
        };
    }

    static String commonName(X509Certificate c) throws CertificateException {
        try {
            for (Rdn r : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (r.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(r.getValue());
                }
            }
            return "";
        } catch (InvalidNameException e) {
            throw new CertificateException(e);
        }
    }
}
