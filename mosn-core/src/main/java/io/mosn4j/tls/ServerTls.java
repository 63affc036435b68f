package io.mosn4j.tls;

import io.mosn4j.api.network.AcceptedConnection;
import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.log.Throttle;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one filter chain of a listener: its certificates ({@code tls_context} and {@code
 * tls_context_set}), of which each connection gets the one its server name matches, else the
 * first whose ALPN protocols it offers, else the first. A connection that does not start with a
 * TLS handshake is served in plaintext when the listener has {@code inspector: true}, otherwise
 * closed. Each TLS connection carries its {@link DownstreamTls} (server name, the client's
 * certificate) for the filters. Immutable; the certificates inside rotate.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger("tls");

    private final String listener;
    private final boolean inspector;
    private final List<ServerCertificate> certificates;
    private final HandshakeOutcome.Sink outcome;
    private final Counter plaintext;
    private final Counter refused;
    private final Throttle refusedLog = new Throttle(1, java.util.concurrent.TimeUnit.SECONDS);

    ServerTls(String listener, boolean inspector, List<ServerCertificate> certificates, HandshakeOutcome.Sink outcome, Counter plaintext,
              Counter refused) {
        this.listener = listener;
        this.inspector = inspector;
        this.certificates = List.copyOf(certificates);
        this.outcome = outcome;
        this.plaintext = plaintext;
        this.refused = refused;
    }

    /**
     * Adds the TLS handler {@code facts} call for to {@code ch} (on its event loop, before the
     * chain's network filters), or lets a plaintext client through ({@code inspector}); false when
     * the connection was closed instead.
     */
    public boolean install(Channel ch, AcceptedConnection facts) {
        if (!"tls".equals(facts.transportProtocol())) {
            if (inspector) {
                plaintext.inc();
                return true;
            }
            refused.inc();
            long swallowed = refusedLog.due();
            if (swallowed >= 0) {
                log.info("listener {}: connection from {} does not start with a TLS handshake; closing it (inspector: true serves "
                        + "plaintext clients too){}", listener, facts.remoteAddress(), Throttle.more(swallowed, "such connections"));
            }
            ch.close();
            return false;
        }
        ServerCertificate c = select(facts.serverName(), facts.applicationProtocols());
        ChannelHandler h = c.newHandler(ch);
        ch.pipeline().addLast(h);
        ch.pipeline().addLast(new HandshakeOutcome(outcome));
        ch.attr(DownstreamTls.ATTRIBUTE).set(TlsConnection.of(h, facts.serverName(), c.checksClients()));
        return true;
    }

    /** Server name first, then ALPN, then the first context (MOSN's choice, server names over ALPN across all contexts). */
    ServerCertificate select(String sni, List<String> alpn) {
        if (certificates.size() == 1) {
            return certificates.getFirst();
        }
        for (ServerCertificate c : certificates) {
            if (c.matchesName(sni)) {
                return c;
            }
        }
        for (ServerCertificate c : certificates) {
            if (c.matchesAlpn(alpn)) {
                return c;
            }
        }
        return certificates.getFirst();
    }

    @Override
    public String toString() {
        return "TLS (" + certificates.size() + (certificates.size() == 1 ? " certificate" : " certificates") + (inspector ? ", inspector" : "") + ")";
    }
}
