package io.mosn4j.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One {@code tls_context} of a listener's chain: its certificate, built into an engine context,
 * and the names it answers to (MOSN's matching: the certificate's CN and DNS names and the
 * context's {@code server_name}). Rebuilt off the event loops when its certificates change;
 * connections take whichever version is current when they start.
 */
final class ServerCertificate implements CertificateWatch.Reloadable {
    private final TlsSettings settings;
    private final String owner;
    private volatile Built built;

    /** One version: what handshakes use, and the names it matches. */
    private record Built(Credentials credentials, SslContext ssl, SmContext sm, Set<String> names) {}

    ServerCertificate(TlsSettings settings, String owner) {
        this.settings = settings;
        this.owner = owner;
        this.built = build(Credentials.read(settings));
    }

    private Built build(Credentials c) {
        if (c.own() == null) {
            throw settings.field("cert_chain").error("", "required: a listener's TLS needs cert_chain and private_key");
        }
        if (c.sm2() && !settings.sm()) {
            throw settings.field("cipher_suites").error("", "an SM2 certificate needs the SM suites: set TLS_SM4_GCM_SM3 (and/or TLS_SM4_CCM_SM3)");
        }
        SslContext ssl = settings.sm() ? null : SslContexts.server(settings, c);
        SmContext sm = settings.sm() ? new SmContext(settings, c, settings.alpn()) : null;
        return new Built(c, ssl, sm, names(c.own().chain().getFirst()));
    }

    private Set<String> names(X509Certificate leaf) {
        Set<String> names = new HashSet<>();
        String cn = HostnameCheck.commonName(leaf.getSubjectX500Principal());
        if (cn != null && !cn.isBlank()) {
            names.add(cn.toLowerCase(Locale.ROOT));
        }
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if ((Integer) san.get(0) == 2) {
                        names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a certificate whose names cannot be read matches by server_name alone
        }
        String sn = settings.config().serverName();
        if (sn != null && !sn.isBlank()) {
            names.add(sn.strip().toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(names);
    }

    List<java.nio.file.Path> files() {
        return built.credentials().files();
    }

    TlsSettings settings() {
        return settings;
    }

    /** Whether the client's server name is one of this certificate's (exact, or under a {@code *.} name). */
    boolean matchesName(String sni) {
        if (sni == null || sni.isEmpty()) {
            return false;
        }
        String name = sni.toLowerCase(Locale.ROOT);
        while (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        Set<String> names = built.names();
        if (names.contains(name)) {
            return true;
        }
        int dot = name.indexOf('.');
        return dot > 0 && names.contains("*" + name.substring(dot));
    }

    /** Whether the client offers one of this context's ALPN protocols. */
    boolean matchesAlpn(List<String> offered) {
        List<String> own = settings.alpn();
        if (own == null || offered.isEmpty()) {
            return false;
        }
        for (String p : offered) {
            if (own.contains(p.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a client certificate presented is checked in the handshake ({@code verify_client}), so that one given is verified. */
    boolean checksClients() {
        return settings.clientAuth() == TlsSettings.ClientAuth.REQUIRE || settings.clientAuth() == TlsSettings.ClientAuth.VERIFY_IF_GIVEN;
    }

    /** The TLS handler of a new connection, from the current version. */
    ChannelHandler newHandler(Channel ch) {
        Built b = built;
        return b.sm() != null ? b.sm().newServerHandler() : SslContexts.handler(b.ssl(), ch.alloc(), null, -1, settings);
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
