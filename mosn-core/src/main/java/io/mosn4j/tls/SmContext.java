package io.mosn4j.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Vector;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The SM suites of RFC 8998 (TLS 1.3 with SM4-GCM or SM4-CCM, SM3, key exchange on curveSM2,
 * signatures sm2sig_sm3 with SM2 certificates) on Bouncy Castle's TLS protocol engine, which
 * {@link SmTlsHandler} drives without blocking. One context per {@code tls_context}: it makes the
 * protocol and peer of each connection. Immutable but for the engine's random source.
 */
final class SmContext {
    private static final BcTlsCrypto CRYPTO = new BcTlsCrypto(new SecureRandom());
    private static final SignatureAndHashAlgorithm SM2_SM3 = SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.sm2sig_sm3);

    private final TlsSettings settings;
    private final int[] suites;
    private final Certificate chain;
    private final AsymmetricKeyParameter key;
    private final Set<TrustAnchor> anchors;
    private final Vector<ProtocolName> alpn;

    SmContext(TlsSettings s, Credentials c, List<String> alpn) {
        this.settings = s;
        List<String> names = s.ciphers();
        this.suites = names.stream().mapToInt(n -> n.equals(TlsNames.SM4_CCM_SM3) ? CipherSuite.TLS_SM4_CCM_SM3 : CipherSuite.TLS_SM4_GCM_SM3).toArray();
        if (c.own() != null) {
            if (!c.sm2()) {
                throw s.field("cert_chain").error("", "the SM suites need an SM2 certificate (this one's key is "
                        + c.own().key().getAlgorithm() + " on another curve)");
            }
            try {
                CertificateEntry[] entries = new CertificateEntry[c.own().chain().size()];
                for (int i = 0; i < entries.length; i++) {
                    entries[i] = new CertificateEntry(CRYPTO.createCertificate(c.own().chain().get(i).getEncoded()), null);
                }
                this.chain = new Certificate(TlsUtils.EMPTY_BYTES, entries);
                this.key = PrivateKeyFactory.createKey(c.own().key().getEncoded());
            } catch (IOException | GeneralSecurityException e) {
                throw s.field("private_key").error("", "cannot use the SM2 key: " + e.getMessage());
            }
        } else {
            this.chain = null;
            this.key = null;
        }
        if (s.server() && chain == null) {
            throw s.field("cert_chain").error("", "required: a listener's TLS needs a certificate and private_key");
        }
        Set<TrustAnchor> a = new HashSet<>();
        if (c.trusted() != null) {
            c.trusted().forEach(t -> a.add(new TrustAnchor(t, null)));
        }
        this.anchors = a;
        boolean verify = s.server() ? s.clientAuth() == TlsSettings.ClientAuth.REQUIRE || s.clientAuth() == TlsSettings.ClientAuth.VERIFY_IF_GIVEN
                : !s.config().insecureSkip();
        if (verify && anchors.isEmpty() && !s.source().replacesStandardVerification()) {
            throw s.field(s.server() ? "verify_client" : "ca_cert").error("", s.server() ? "needs ca_cert: the CAs client certificates must chain to"
                    : "required with the SM suites (the JDK's trusted roots hold no SM2 CA); or set insecure_skip");
        }
        Vector<ProtocolName> protocols = new Vector<>();
        if (alpn != null) {
            alpn.forEach(p -> protocols.add(ProtocolName.asUtf8Encoding(p)));
        }
        this.alpn = protocols;
    }

    /** A server-side handler for one accepted connection. */
    SmTlsHandler newServerHandler() {
        Server peer = new Server();
        return new SmTlsHandler(new TlsServerProtocol(), peer, false, () -> peer.done, peer::clientChain);
    }

    /** A client-side handler for one upstream connection to {@code peerHost}. */
    SmTlsHandler newClientHandler(String peerHost) {
        Client peer = new Client(peerHost);
        return new SmTlsHandler(new TlsClientProtocol(), peer, true, () -> peer.done, List::of);
    }

    private TlsCredentials signer(org.bouncycastle.tls.TlsContext context) {
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO, key, chain, SM2_SM3);
    }

    /** Checks a peer's SM2 chain (leaf first) against the trusted CAs, then the provider's own check. */
    private void verify(Certificate peerChain, boolean peerIsClient, String expectedHost) throws IOException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509", Pem.bc());
            List<X509Certificate> certs = x509(peerChain, cf);
            if (!settings.source().replacesStandardVerification()) {
                PKIXParameters params = new PKIXParameters(anchors);
                params.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX", Pem.bc()).validate(cf.generateCertPath(certs), params);
                if (expectedHost != null && !HostnameCheck.matches(certs.getFirst(), expectedHost)) {
                    throw new CertificateException("the certificate is not for \"" + expectedHost + "\"");
                }
            }
            settings.source().verifyPeer(certs, peerIsClient);
        } catch (GeneralSecurityException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage(), e);
        }
    }

    /** {@code chain} (leaf first) as JCA certificates. */
    private static List<X509Certificate> x509(Certificate chain, CertificateFactory cf) throws IOException, GeneralSecurityException {
        List<X509Certificate> certs = new ArrayList<>(chain.getLength());
        for (int i = 0; i < chain.getLength(); i++) {
            certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(chain.getCertificateAt(i).getEncoded())));
        }
        return certs;
    }

    /** The server side of one connection. */
    private final class Server extends DefaultTlsServer {
        volatile boolean done;
        /** What the client presented (null: none), and as JCA certificates once asked for. */
        private Certificate clientCertificate;
        private List<X509Certificate> clientChain;

        Server() {
            super(CRYPTO);
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return suites;
        }

        @Override
        public int[] getSupportedGroups() {
            return new int[] {NamedGroup.curveSM2};
        }

        @Override
        protected Vector<ProtocolName> getProtocolNames() {
            return alpn;
        }

        @Override
        public TlsCredentials getCredentials() {
            return signer(context);
        }

        @Override
        public CertificateRequest getCertificateRequest() throws IOException {
            if (settings.clientAuth() == TlsSettings.ClientAuth.NONE) {
                return null;
            }
            Vector<SignatureAndHashAlgorithm> algs = new Vector<>();
            algs.add(SM2_SM3);
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, algs, null, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            boolean empty = clientCertificate == null || clientCertificate.isEmpty();
            this.clientCertificate = empty ? null : clientCertificate;
            switch (settings.clientAuth()) {
                case REQUIRE -> {
                    if (empty) {
                        throw new TlsFatalAlert(AlertDescription.certificate_required, "no client certificate");
                    }
                    verify(clientCertificate, true, null);
                }
                case VERIFY_IF_GIVEN -> {
                    if (!empty) {
                        verify(clientCertificate, true, null);
                    }
                }
                default -> { }
            }
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            done = true;
        }

        /** The client's chain, leaf first (empty: none presented), converted on the first ask. */
        List<X509Certificate> clientChain() {
            if (clientChain == null) {
                if (clientCertificate == null) {
                    return List.of();
                }
                try {
                    clientChain = List.copyOf(x509(clientCertificate, CertificateFactory.getInstance("X.509", Pem.bc())));
                } catch (IOException | GeneralSecurityException e) {
                    clientChain = List.of(); // the handshake parsed it; a failure here means no usable certificate
                }
            }
            return clientChain;
        }
    }

    /** The client side of one upstream connection. */
    private final class Client extends DefaultTlsClient {
        private final String host;
        volatile boolean done;

        Client(String host) {
            super(CRYPTO);
            this.host = host;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return suites;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        protected Vector getSupportedGroups(Vector namedGroupRoles) {
            Vector v = new Vector();
            v.add(NamedGroup.curveSM2);
            return v;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        protected Vector getSupportedSignatureAlgorithms() {
            Vector v = new Vector();
            v.add(SM2_SM3);
            return v;
        }

        @Override
        protected Vector<ProtocolName> getProtocolNames() {
            return alpn.isEmpty() ? null : alpn;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        protected Vector getSNIServerNames() {
            if (host == null || isIpLiteral(host)) {
                return null;
            }
            Vector v = new Vector();
            v.add(new ServerName(NameType.host_name, host.getBytes(StandardCharsets.US_ASCII)));
            return v;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    if (!settings.config().insecureSkip()) {
                        verify(serverCertificate.getCertificate(), false, host);
                    }
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) {
                    return chain == null ? null : signer(context);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            done = true;
        }
    }

    static boolean isIpLiteral(String host) {
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** For log lines: the protocol's state. */
    static String describe(TlsProtocol p) {
        return p.isHandshaking() ? "handshaking" : p.isConnected() ? "connected" : "closed";
    }
}
