package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Certificates and keys from a {@code tls_context} field: PEM text written inline (it contains
 * {@code -----BEGIN}), else the path of a PEM file, read when the context is built. Keys may be
 * PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM; RSA, EC and Ed25519 keys become the JDK's key objects,
 * SM2 keys and certificates Bouncy Castle's (no JDK provider knows SM2). Errors name the field.
 */
final class Pem {
    /**
     * Bouncy Castle as a provider object, never registered with the JDK: only what asks for it by name
     * uses it, the SM2 keys and certificates. Made at the first such use: making it registers every one
     * of its algorithms (0.65-0.78 s in a JVM that has not loaded its classes before, 2 MiB of heap
     * kept), which no other TLS config needs.
     */
    static Provider bc() {
        return Bc.PROVIDER;
    }

    private static final class Bc {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    /** The SM2 curve (GB/T 32918), by its OID. */
    static final ASN1ObjectIdentifier SM2_CURVE = new ASN1ObjectIdentifier("1.2.156.10197.1.301");

    private Pem() {}

    /** The PEM text of {@code value}: itself when inline, else the file it names. */
    static String text(String value, ConfigValue at) {
        if (value.contains("-----BEGIN")) {
            return value;
        }
        try {
            return Files.readString(Path.of(value.strip()), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw at.error("", "no such file \"" + value.strip() + "\" (give PEM text, or the path of a PEM file)");
        } catch (IOException | RuntimeException e) {
            throw at.error("", "cannot read \"" + value.strip() + "\": " + e);
        }
    }

    /** Whether {@code value} names a file (rather than holding PEM text), so that it can be watched. */
    static Path file(String value) {
        return value == null || value.isBlank() || value.contains("-----BEGIN") ? null : Path.of(value.strip());
    }

    /** Every certificate in {@code pem}, in order; at least one. */
    static List<X509Certificate> certificates(String pem, ConfigValue at) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(certificate(h));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw at.error("", "not a PEM certificate: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw at.error("", "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return out;
    }

    private static X509Certificate certificate(X509CertificateHolder h) throws CertificateException, IOException {
        if (isSm2(h.getSubjectPublicKeyInfo().getAlgorithm().getParameters())) {
            return new JcaX509CertificateConverter().setProvider(bc()).getCertificate(h);
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(h.getEncoded()));
    }

    private static boolean isSm2(Object curveParameters) {
        return SM2_CURVE.equals(curveParameters);
    }

    /** The one private key in {@code pem}. */
    static PrivateKey privateKey(String pem, ConfigValue at) {
        PrivateKeyInfo info = null;
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw at.error("", "encrypted private keys are not supported (MOSN has no field for a password); decrypt it first "
                            + "(openssl pkey -in key.pem -out plain.pem)");
                }
                PrivateKeyInfo found = o instanceof PEMKeyPair kp ? kp.getPrivateKeyInfo() : o instanceof PrivateKeyInfo pk ? pk : null;
                if (found != null) {
                    if (info != null) {
                        throw at.error("", "more than one private key");
                    }
                    info = found;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof io.mosn4j.api.config.ConfigException ce) {
                throw ce;
            }
            throw at.error("", "not a PEM private key: " + e.getMessage());
        }
        if (info == null) {
            throw at.error("", "no PEM private key (-----BEGIN ... PRIVATE KEY-----) found");
        }
        try {
            ASN1ObjectIdentifier alg = info.getPrivateKeyAlgorithm().getAlgorithm();
            boolean sm2 = X9ObjectIdentifiers.id_ecPublicKey.equals(alg) && isSm2(info.getPrivateKeyAlgorithm().getParameters());
            String type = X9ObjectIdentifiers.id_ecPublicKey.equals(alg) ? "EC" : alg.getId().equals("1.3.101.112") ? "Ed25519"
                    : alg.getId().equals("1.2.840.113549.1.1.10") ? "RSASSA-PSS" : "RSA";
            KeyFactory f = sm2 ? KeyFactory.getInstance("EC", bc()) : KeyFactory.getInstance(type);
            return f.generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw at.error("", "unsupported private key: " + e.getMessage());
        }
    }

    /** Whether {@code cert} carries an SM2 key. */
    static boolean isSm2(X509Certificate cert) {
        try {
            X509CertificateHolder h = new X509CertificateHolder(cert.getEncoded());
            return isSm2(h.getSubjectPublicKeyInfo().getAlgorithm().getParameters());
        } catch (IOException | java.security.cert.CertificateEncodingException e) {
            return false;
        }
    }

    /** Refuses a key that is not the leaf certificate's: signs with one, verifies with the other. */
    static void checkPair(PrivateKey key, X509Certificate leaf, ConfigValue at) {
        PublicKey pub = leaf.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> isSm2(leaf) ? "SM3withSM2" : "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null; // RSASSA-PSS and the rest: the handshake will tell
        };
        if (alg == null) {
            return;
        }
        try {
            boolean bc = alg.equals("SM3withSM2");
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = bc ? Signature.getInstance(alg, bc()) : Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = bc ? Signature.getInstance(alg, bc()) : Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw at.error("", "the private key does not match the certificate (" + leaf.getSubjectX500Principal().getName() + ")");
            }
        } catch (GeneralSecurityException e) {
            throw at.error("", "the private key does not match the certificate (" + leaf.getSubjectX500Principal().getName() + "): "
                    + e.getMessage());
        }
    }
}
