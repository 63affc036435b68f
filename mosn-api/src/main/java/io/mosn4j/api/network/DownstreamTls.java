package io.mosn4j.api.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The TLS a listener terminated on a downstream connection, as filters see it whichever engine ran
 * it (BoringSSL, the JDK's, Bouncy Castle's for the SM suites): the server name the client asked
 * for and, once the handshake is done, the certificate it presented. Attached to the connection
 * when the listener installs its TLS, before the chain's network filters; plaintext connections
 * (and TLS passed through undecrypted) have none. Stream filters reach it by
 * {@link io.mosn4j.api.stream.RequestInfo#downstreamTls()}, network filters by {@link #of}.
 *
 * <p>Read on the connection's event loop. Nothing is read from the engine until asked, and what
 * is read is kept for the connection's life: the cost falls on connections whose filters look.
 */
public interface DownstreamTls {

    /** Where the listener keeps it on the connection's channel; set by the listener only. */
    AttributeKey<DownstreamTls> ATTRIBUTE = AttributeKey.valueOf("mosn.downstream-tls");

    /** The TLS of {@code channel}, or null when the listener did not terminate TLS on it. */
    static DownstreamTls of(Channel channel) {
        // hasAttr first: attr() would add an empty attribute to every plaintext connection
        return channel.hasAttr(ATTRIBUTE) ? channel.attr(ATTRIBUTE).get() : null;
    }

    /** The server name (SNI) the client asked for, or null when it sent none. */
    String serverName();

    /** Whether the handshake has completed successfully (the peer's certificate is known). */
    boolean handshakeDone();

    /**
     * The chain the client presented, leaf first; empty when it presented none or the handshake is
     * not done. Presented is not checked: see {@link #peerVerified()}.
     */
    List<X509Certificate> peerCertificates();

    /**
     * Whether {@link #peerCertificates()} was checked against the listener's CAs (or its certificate
     * provider) during the handshake: false without a certificate, and when the listener only asks
     * for one ({@code require_client_cert} without {@code verify_client}).
     */
    boolean peerVerified();

    /** The identity of a verified client certificate's leaf, or null (no certificate, or not verified). */
    PeerIdentity peerIdentity();
}
