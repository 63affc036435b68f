package io.mosn4j.filter.rbac;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.function.Predicate;
import io.mosn4j.api.network.CidrRange;

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

    private static InetAddress ip(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
