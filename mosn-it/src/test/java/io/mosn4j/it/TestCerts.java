package io.mosn4j.it;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates the TLS tests make for themselves (nothing checked in): a CA, and server and client
 * certificates it issues, written as PEM files into a directory. EC P-256 by default, RSA on ask,
 * or SM2 with SM3 signatures for the SM suites (Bouncy Castle, passed as a provider object, not
 * registered).
 */
final class TestCerts {
    static final Provider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    enum Kind { EC, RSA, SM2, ED25519 }

    /** A key and certificate, and the files they were written to. */
    record Issued(Path cert, Path key, X509Certificate certificate, PrivateKey privateKey) {
        String certPem() throws IOException {
            return Files.readString(cert);
        }

        String keyPem() throws IOException {
            return Files.readString(key);
        }
    }

    private final Path dir;
    private final Kind kind;
    private final Issued ca;

    private TestCerts(Path dir, Kind kind, String caName) throws GeneralSecurityException, IOException {
        this.dir = dir;
        this.kind = kind;
        KeyPair kp = keyPair(kind);
        X500Name name = new X500Name("CN=" + caName);
        JcaX509v3CertificateBuilder b = builder(name, name, kp);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        X509Certificate cert = sign(b, kp.getPrivate());
        this.ca = write(caName, cert, kp.getPrivate());
    }

    /** A new CA of {@code kind} named {@code caName}, writing into {@code dir}. */
    static TestCerts create(Path dir, Kind kind, String caName) throws GeneralSecurityException, IOException {
        Files.createDirectories(dir);
        return new TestCerts(dir, kind, caName);
    }

    Issued ca() {
        return ca;
    }

    /** A server certificate for {@code names} (DNS names; the first is the CN), also valid for 127.0.0.1. */
    Issued server(String... names) throws GeneralSecurityException, IOException {
        return issue(names[0], names, true, names[0]);
    }

    /** As {@link #server}, written under {@code fileName}: a second certificate for the same names. */
    Issued serverAs(String fileName, String... names) throws GeneralSecurityException, IOException {
        return issue(names[0], names, true, fileName);
    }

    /** A client certificate with CN {@code cn}. */
    Issued client(String cn) throws GeneralSecurityException, IOException {
        return issue(cn, new String[0], false, cn);
    }

    /** A workload's client certificate as Istio issues them: CN {@code cn} and the URI SAN {@code uri} (a SPIFFE id). */
    Issued workload(String cn, String uri) throws GeneralSecurityException, IOException {
        return issue(cn, new String[0], false, cn, new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    }

    private Issued issue(String cn, String[] dnsNames, boolean server, String fileName, GeneralName... more)
            throws GeneralSecurityException, IOException {
        KeyPair kp = keyPair(kind);
        JcaX509v3CertificateBuilder b = builder(new X500Name(ca.certificate().getSubjectX500Principal().getName()), new X500Name("CN=" + cn), kp);
        List<GeneralName> sans = new ArrayList<>(List.of(more));
        for (String n : dnsNames) {
            sans.add(new GeneralName(GeneralName.dNSName, n));
        }
        if (server) {
            sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate cert = sign(b, ca.privateKey());
        return write(fileName, cert, kp.getPrivate());
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
        long now = System.currentTimeMillis();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()), new Date(now - 3_600_000),
                new Date(now + 30L * 86_400_000), subject, kp.getPublic());
    }

    private X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        String alg = switch (kind) {
            case EC -> "SHA256withECDSA";
            case RSA -> "SHA256withRSA";
            case SM2 -> "SM3withSM2";
            case ED25519 -> "Ed25519";
        };
        try {
            var signer = new JcaContentSignerBuilder(alg).setProvider(BC).build(key);
            return new JcaX509CertificateConverter().setProvider(BC).getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keyPair(Kind kind) throws GeneralSecurityException {
        return switch (kind) {
            case EC -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                yield g.generateKeyPair();
            }
            case RSA -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                yield g.generateKeyPair();
            }
            case SM2 -> {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
                g.initialize(new ECGenParameterSpec("sm2p256v1"), new SecureRandom());
                yield g.generateKeyPair();
            }
            case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        };
    }

    private Issued write(String name, X509Certificate cert, PrivateKey key) throws IOException, GeneralSecurityException {
        Path c = dir.resolve(name + ".pem");
        Path k = dir.resolve(name + ".key");
        Files.writeString(c, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(k, pem("PRIVATE KEY", key.getEncoded()));
        return new Issued(c, k, cert, key);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** A JDK client context trusting this CA, presenting {@code own} when given. */
    SSLContext clientContext(Issued own) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (own != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", own.privateKey(), "x".toCharArray(), new X509Certificate[] {own.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    /** A PKCS#12 store holding this CA as a trusted entry (password {@code "changeit"}), for clients that take a store file. */
    Path trustStore() throws GeneralSecurityException, IOException {
        Path p = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca.certificate());
        try (var out = Files.newOutputStream(p)) {
            ks.store(out, "changeit".toCharArray());
        }
        return p;
    }

    static boolean isLoopback(String host) {
        return InetAddress.getLoopbackAddress().getHostAddress().equals(host);
    }
}
