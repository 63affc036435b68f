package io.mosn4j.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TLS of a cluster's upstream connections: the server's certificate checked against
 * {@code ca_cert} (or the JDK's roots) and {@code server_name}, or not at all with {@code
 * insecure_skip}; a client certificate when {@code cert_chain} is given; the ALPN protocols of
 * {@code alpn}, or else of the protocol the connection will speak ({@code h2} for HTTP/2). Engine
 * contexts for every protocol are built at load, so opening a connection builds nothing; they are
 * rebuilt off the event loops when the certificates change.
 */
public final class ClientTls implements CertificateWatch.Reloadable {
    private final TlsSettings settings;
    private final String owner;
    private final Set<List<String>> alpnLists;
    private final HandshakeOutcome.Sink outcome;
    private final io.mosn4j.api.stats.Counter fallbacks;
    private volatile Built built;

    private record Built(Credentials credentials, Map<List<String>, SslContext> ssl, Map<List<String>, SmContext> sm) {}

    ClientTls(TlsSettings settings, String owner, Collection<List<String>> codecAlpn, HandshakeOutcome.Sink outcome,
              io.mosn4j.api.stats.Counter fallbacks) {
        this.fallbacks = fallbacks;
        this.settings = settings;
        this.owner = owner;
        Set<List<String>> lists = new LinkedHashSet<>();
        if (settings.alpn() != null) {
            lists.add(settings.alpn());
        } else {
            lists.add(List.of());
            lists.addAll(codecAlpn);
        }
        this.alpnLists = Set.copyOf(lists);
        this.outcome = outcome;
        this.built = build(Credentials.read(settings));
    }

    private Built build(Credentials c) {
        if (c.own() != null && c.sm2() != settings.sm()) {
            throw settings.field("cipher_suites").error("", c.sm2() ? "an SM2 client certificate needs the SM suites (TLS_SM4_GCM_SM3)"
                    : "the SM suites need an SM2 client certificate");
        }
        Map<List<String>, SslContext> ssl = new HashMap<>();
        Map<List<String>, SmContext> sm = new HashMap<>();
        for (List<String> alpn : alpnLists) {
            if (settings.sm()) {
                sm.put(alpn, new SmContext(settings, c, alpn));
            } else {
                ssl.put(alpn, SslContexts.client(settings, c, alpn));
            }
        }
        return new Built(c, Map.copyOf(ssl), Map.copyOf(sm));
    }

    List<java.nio.file.Path> files() {
        return built.credentials().files();
    }

    /** Whether a failed handshake is followed by a plaintext connection (MOSN's {@code fall_back}). */
    public boolean fallBack() {
        return settings.config().fallBack();
    }

    /** A connection to {@code host} goes plaintext after its handshake failed: logged loudly and counted. */
    public void fellBack(Object host, Throwable cause) {
        fallbacks.inc();
        org.slf4j.LoggerFactory.getLogger("tls").warn("{}: TLS handshake with {} failed ({}); connecting again in PLAINTEXT because "
                + "fall_back is set", owner, host, HandshakeOutcome.reason(cause));
    }

    /** The name the server's certificate must carry, and the SNI sent: {@code server_name}, else {@code host}. */
    public String peerName(String host) {
        String sn = settings.config().serverName();
        return sn == null || sn.isBlank() ? host : sn.strip();
    }

    /**
     * Adds the TLS handlers to a new upstream connection to {@code host}:{@code port} (before it
     * connects); the future is done when the handshake is. {@code protocolAlpn} is the ALPN of the
     * protocol it will speak (ignored when the context names its own).
     */
    public Future<?> install(Channel ch, String host, int port, List<String> protocolAlpn) {
        Built b = built;
        List<String> alpn = settings.alpn() != null ? settings.alpn() : protocolAlpn;
        String peer = peerName(host);
        Future<?> handshake;
        if (settings.sm()) {
            SmContext sm = b.sm().getOrDefault(alpn, b.sm().get(List.<String>of()));
            SmTlsHandler h = sm.newClientHandler(peer);
            ch.pipeline().addLast(h);
            handshake = h.handshakeFuture();
        } else {
            SslContext ctx = b.ssl().getOrDefault(alpn, b.ssl().get(List.<String>of()));
            SslHandler h = SslContexts.handler(ctx, ch.alloc(), peer, port, settings);
            ch.pipeline().addLast(h);
            handshake = h.handshakeFuture();
        }
        ch.pipeline().addLast(new HandshakeOutcome(outcome));
        return handshake;
    }

    @Override
    public void reload() {
        built = build(Credentials.read(settings));
    }

    @Override
    public String describe() {
        return owner;
    }
}
