package io.mosn4j.filter.rbac;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.function.Predicate;
import io.mosn4j.api.network.CidrRange;
import io.mosn4j.api.network.PeerIdentity;

/** A compiled permission or principal: whether it holds for a request. */
@FunctionalInterface
interface Matcher {
    boolean matches(RequestView r);

    Matcher ANY = r -> true;

    static Matcher and(List<Matcher> all) {
        Matcher[] a = all.toArray(Matcher[]::new);
        return r -> {
            for (Matcher m : a) {
                if (!m.matches(r)) {
                    return false;
                }
            }
            return true;
        };
    }

    static Matcher or(List<Matcher> any) {
        Matcher[] a = any.toArray(Matcher[]::new);
        return r -> {
            for (Matcher m : a) {
                if (m.matches(r)) {
                    return true;
                }
            }
            return false;
        };
    }

    static Matcher not(Matcher m) {
        return r -> !m.matches(r);
    }

    /** Envoy's {@code url_path}: the path without query and fragment. */
    static Matcher path(Predicate<String> p) {
        return r -> p.test(r.path());
    }

    /** The connection's peer address ({@code direct_remote_ip}, {@code source_ip}, {@code remote_ip}) in {@code range}. */
    static Matcher peerIn(CidrRange range) {
        return r -> range.contains(ip(r.peer()));
    }

    /** The address the request arrived at ({@code destination_ip}) in {@code range}. */
    static Matcher localIn(CidrRange range) {
        return r -> range.contains(ip(r.local()));
    }

    /** The port the request arrived at, in {@code [from, to)}. */
    static Matcher localPort(int from, int to) {
        return r -> r.local() instanceof InetSocketAddress a && a.getPort() >= from && a.getPort() < to;
    }

    /** Envoy's {@code requested_server_name}: the TLS server name the client sent, "" when none (or plaintext). */
    static Matcher serverName(Predicate<String> name) {
        return r -> {
            String sni = r.tls() == null ? null : r.tls().serverName();
            return name.test(sni == null ? "" : sni);
        };
    }

    /**
     * Envoy's {@code authenticated}: the connection has a verified client certificate, and when
     * {@code name} is given, it names the certificate (see {@link #principalNamed}).
     */
    static Matcher authenticated(Predicate<String> name) {
        return r -> {
            PeerIdentity id = r.peerIdentity();
            return id != null && (name == null || principalNamed(id, name));
        };
    }

    /**
     * Envoy's {@code principal_name} as documented: the certificate's URI SANs, then its DNS SANs;
     * only a certificate with neither is named by its subject (RFC 2253).
     */
    static boolean principalNamed(PeerIdentity id, Predicate<String> name) {
        List<String> uris = id.uriSans();
        for (int i = 0; i < uris.size(); i++) {
            if (name.test(uris.get(i))) {
                return true;
            }
        }
        List<String> dns = id.dnsSans();
        for (int i = 0; i < dns.size(); i++) {
            if (name.test(dns.get(i))) {
                return true;
            }
        }
        return uris.isEmpty() && dns.isEmpty() && name.test(id.subject());
    }

    private static InetAddress ip(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
