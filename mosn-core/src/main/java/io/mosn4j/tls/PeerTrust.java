package io.mosn4j.tls;

import io.mosn4j.api.tls.CertificateSource;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a context checks its peer's certificates: the JDK's PKIX check against the context's CAs
 * ({@code ca_cert}; on a cluster without one, the JDK's trusted roots), which also checks the
 * server's name when the engine asks for it, then the certificate provider's own check; or only
 * the provider's, when it replaces the standard one; or nothing ({@code insecure_skip}, or a
 * listener's {@code require_client_cert} without {@code verify_client}). Runs on the event loop.
 */
final class PeerTrust extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    private final X509ExtendedTrustManager standard;
    private final CertificateSource source;

    private PeerTrust(X509ExtendedTrustManager standard, CertificateSource source) {
        this.standard = standard;
        this.source = source;
    }

    /** Checks against {@code trusted} (null: the JDK's roots), then the provider's own check. */
    static PeerTrust standard(List<X509Certificate> trusted, CertificateSource source) throws GeneralSecurityException {
        if (source.replacesStandardVerification()) {
            return new PeerTrust(null, source);
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (trusted == null) {
            f.init((KeyStore) null);
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            try {
                ks.load(null, null);
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException(e);
            }
            for (int i = 0; i < trusted.size(); i++) {
                ks.setCertificateEntry("ca" + i, trusted.get(i));
            }
            f.init(ks);
        }
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return new PeerTrust(x, source);
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in " + f.getAlgorithm());
    }

    /** Takes any certificate: the peer's identity is not checked. */
    static PeerTrust none() {
        return new PeerTrust(null, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (standard != null) {
            standard.checkClientTrusted(chain, authType, engine);
        }
        provider(chain, true);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (standard != null) {
            standard.checkServerTrusted(chain, authType, engine);
        }
        provider(chain, false);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (standard != null) {
            standard.checkClientTrusted(chain, authType, socket);
        }
        provider(chain, true);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (standard != null) {
            standard.checkServerTrusted(chain, authType, socket);
        }
        provider(chain, false);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (standard != null) {
            standard.checkClientTrusted(chain, authType);
        }
        provider(chain, true);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (standard != null) {
            standard.checkServerTrusted(chain, authType);
        }
        provider(chain, false);
    }

    private void provider(X509Certificate[] chain, boolean server) throws CertificateException {
        if (source != null) {
            source.verifyPeer(List.of(chain), server);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return standard == null ? NONE : standard.getAcceptedIssuers();
    }
}
