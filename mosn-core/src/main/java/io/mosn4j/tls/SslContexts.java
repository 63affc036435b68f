package io.mosn4j.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty {@link SslContext}s for the standard suites from checked settings and read certificates,
 * on the engine {@link TlsEngine} chose: versions, suites (refused at load when the engine lacks
 * one), curves, ALPN, client certificates, session resumption. Built off the event loops.
 */
final class SslContexts {
    /**
     * Session ticket keys shared by every server context of the process, so that a session stays
     * resumable across a certificate rotation; made at start, kept in memory only.
     */
    private static final OpenSslSessionTicketKey[] TICKET_KEYS = ticketKeys();
    private static final Logger log = LoggerFactory.getLogger("tls");
    /** The contexts (by config path) already said to run on the JDK's engine for their key. */
    private static final Set<String> SAID_JDK = ConcurrentHashMap.newKeySet();

    private SslContexts() {}

    private static OpenSslSessionTicketKey[] ticketKeys() {
        SecureRandom r = new SecureRandom();
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        r.nextBytes(name);
        r.nextBytes(hmac);
        r.nextBytes(aes);
        return new OpenSslSessionTicketKey[] {new OpenSslSessionTicketKey(name, hmac, aes)};
    }

    /** The server context of one listener {@code tls_context}. */
    static SslContext server(TlsSettings s, Credentials c) {
        SslProvider provider = engineFor(s, c);
        checkCiphers(s, provider);
        SslContextBuilder b = SslContextBuilder.forServer(c.own().key(), c.own().chain())
                .sslProvider(provider)
                .protocols(s.protocols());
        common(b, s, provider, s.alpn());
        switch (s.clientAuth()) {
            // no client certificate asked for, so no CAs to trust: without a trust manager of its own the
            // context would load the JDK's ~150 default CAs and hand them to BoringSSL (~50 ms of a start)
            case NONE -> b.clientAuth(ClientAuth.NONE).trustManager(PeerTrust.none());
            case REQUEST -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(PeerTrust.none());
            case VERIFY_IF_GIVEN, REQUIRE -> {
                if (c.trusted() == null && !s.source().replacesStandardVerification()) {
                    throw s.field("verify_client").error("", "needs ca_cert: the CAs client certificates must chain to");
                }
                b.clientAuth(s.clientAuth() == TlsSettings.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
                b.trustManager(trust(s, c));
            }
        }
        SslContext ctx = build(b, s);
        if (ctx instanceof OpenSslContext o) {
            o.sessionContext().setTicketKeys(TICKET_KEYS); // BoringSSL's tickets, off in Netty unless given keys
            o.sessionContext().setSessionCacheEnabled(true);
        }
        return ctx;
    }

    /** The client context of one cluster {@code tls_context}, offering {@code alpn}. */
    static SslContext client(TlsSettings s, Credentials c, List<String> alpn) {
        SslProvider provider = engineFor(s, c);
        checkCiphers(s, provider);
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider).protocols(s.protocols());
        common(b, s, provider, alpn);
        if (c.own() != null) {
            b.keyManager(c.own().key(), c.own().chain());
        }
        if (s.config().insecureSkip()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            b.trustManager(trust(s, c));
            // the provider's own check replaces the standard one, name check included (MOSN's ClientHandshakeVerify)
            b.endpointIdentificationAlgorithm(s.source().replacesStandardVerification() ? null : "HTTPS");
        }
        return build(b, s);
    }

    /**
     * The process's engine, except for a context whose own key BoringSSL cannot be handed: netty-tcnative
     * passes it EC and RSA keys only, and with an Ed25519 or RSASSA-PSS key every handshake failed (or the
     * context could not be built). Such a context runs on the JDK's engine, said once per context.
     */
    private static SslProvider engineFor(TlsSettings s, Credentials c) {
        SslProvider provider = TlsEngine.provider();
        if (provider == SslProvider.OPENSSL && c.own() != null) {
            String alg = c.own().key().getAlgorithm();
            if (!alg.equals("EC") && !alg.equals("RSA")) {
                if (SAID_JDK.add(s.raw().path())) {
                    log.info("{}: the key is {}; this context runs on the JDK's TLS engine (BoringSSL, through netty-tcnative, "
                            + "takes EC and RSA keys)", s.raw().path(), alg);
                }
                return SslProvider.JDK;
            }
        }
        return provider;
    }

    private static PeerTrust trust(TlsSettings s, Credentials c) {
        try {
            return PeerTrust.standard(c.trusted(), s.source());
        } catch (GeneralSecurityException e) {
            throw s.field("ca_cert").error("", "cannot use these CAs: " + e.getMessage());
        }
    }

    private static void common(SslContextBuilder b, TlsSettings s, SslProvider provider, List<String> alpn) {
        // Netty hands our key to the engine through a KeyStore that never leaves memory; PKCS12, the JDK's
        // default type, seals and unseals the key with 10,000 rounds of PBKDF2 (~100 ms of a start per
        // context, twice at start: the config check builds every context once), JKS with one hash
        b.keyStoreType("JKS");
        if (!s.ciphers().isEmpty()) {
            b.ciphers(s.ciphers(), IdentityCipherSuiteFilter.INSTANCE);
        }
        if (alpn != null && !alpn.isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        if (!s.curves().isEmpty() && provider == SslProvider.OPENSSL) {
            b.option(OpenSslContextOption.GROUPS, s.curves().stream().map(TlsNames.Curve::openssl).toArray(String[]::new));
        }
    }

    private static SslContext build(SslContextBuilder b, TlsSettings s) {
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw s.raw().error("", "cannot build the TLS context: " + e.getMessage());
        }
    }

    /** Refuses suites or versions the engine does not have, naming the field, instead of failing every handshake later. */
    private static void checkCiphers(TlsSettings s, SslProvider provider) {
        Set<String> available;
        if (provider == SslProvider.OPENSSL) {
            available = new HashSet<>(OpenSsl.availableJavaCipherSuites());
        } else {
            try {
                available = new HashSet<>(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
            } catch (GeneralSecurityException e) {
                available = Set.of();
            }
        }
        for (String c : s.ciphers()) {
            if (!available.contains(c)) {
                throw s.field("cipher_suites").error("", "cipher \"" + c + "\" is not available in the " + TlsEngine.name(provider) + " TLS engine");
            }
        }
        if (provider == SslProvider.JDK && s.minVersion() < 2) {
            s.raw().warn("min_version", "TLS 1.0 and 1.1 are disabled in the JDK's engine (jdk.tls.disabledAlgorithms); clients "
                    + "that cannot do TLS 1.2 will fail");
        }
    }

    /** A handler of {@code ctx} with the JDK engine's curve list applied (BoringSSL takes it on the context). */
    static SslHandler handler(SslContext ctx, io.netty.buffer.ByteBufAllocator alloc, String peerHost, int peerPort, TlsSettings s) {
        SslHandler h = peerHost == null ? ctx.newHandler(alloc) : ctx.newHandler(alloc, peerHost, peerPort);
        if (!s.curves().isEmpty() && !(ctx instanceof OpenSslContext)) {
            SSLEngine e = h.engine();
            SSLParameters p = e.getSSLParameters();
            p.setNamedGroups(s.curves().stream().map(TlsNames.Curve::jdk).toArray(String[]::new));
            e.setSSLParameters(p);
        }
        return h;
    }
}
