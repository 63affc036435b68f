package io.mosn4j.tls;

import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.network.PeerIdentity;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The {@link DownstreamTls} of one accepted connection, over whichever handler runs its TLS: the
 * peer's chain is read from the engine the first time a filter asks after the handshake, and its
 * identity parsed once; a connection whose filters never ask pays nothing. On the connection's
 * event loop.
 */
final class TlsConnection implements DownstreamTls {
    private final String serverName;
    private final BooleanSupplier done;
    private final Supplier<List<X509Certificate>> chain;
    /** Whether the listener checked a presented certificate (verify_client), so that one given is verified. */
    private final boolean checks;
    private List<X509Certificate> peer;
    private PeerIdentity identity;

    private TlsConnection(String serverName, BooleanSupplier done, Supplier<List<X509Certificate>> chain, boolean checks) {
        this.serverName = serverName;
        this.done = done;
        this.chain = chain;
        this.checks = checks;
    }

    /** Over {@code handler}, which {@link ServerCertificate#newHandler} made for a listener that {@code checks} client certificates. */
    static TlsConnection of(ChannelHandler handler, String serverName, boolean checks) {
        if (handler instanceof SmTlsHandler sm) {
            return new TlsConnection(serverName, () -> sm.handshakeFuture().isSuccess(), sm::peerCertificates, checks);
        }
        SslHandler ssl = (SslHandler) handler;
        return new TlsConnection(serverName, () -> ssl.handshakeFuture().isSuccess(), () -> peerOf(ssl), checks);
    }

    private static List<X509Certificate> peerOf(SslHandler ssl) {
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            List<X509Certificate> out = new ArrayList<>(certs.length);
            for (Certificate c : certs) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return List.copyOf(out);
        } catch (SSLPeerUnverifiedException e) {
            return List.of(); // the client presented none
        }
    }

    @Override
    public String serverName() {
        return serverName;
    }

    @Override
    public boolean handshakeDone() {
        return done.getAsBoolean();
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        if (peer == null) {
            if (!handshakeDone()) {
                return List.of(); // not known yet: asked again later
            }
            peer = chain.get();
        }
        return peer;
    }

    @Override
    public boolean peerVerified() {
        return checks && !peerCertificates().isEmpty();
    }

    @Override
    public PeerIdentity peerIdentity() {
        if (identity == null && peerVerified()) {
            identity = PeerIdentity.of(peerCertificates().getFirst());
        }
        return identity;
    }

    @Override
    public String toString() {
        return "TLS (server name " + serverName + ")";
    }
}
