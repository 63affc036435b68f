package io.mosn4j.server;

import io.mosn4j.api.network.AcceptedConnection;
import io.mosn4j.api.network.ListenerFilter;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.config.FilterChainMatchConfig;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.stats.ListenerMetrics;
import io.mosn4j.tls.ServerTls;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One version of a listener's processing: its listener filters, its filter chains with what each
 * matches, and MOSN's {@code downstream{listener}} metrics its connections count in, whatever their
 * filters. A listener update swaps the whole version; connections keep the one they started with.
 * Immutable.
 */
record ListenerChains(ListenerConfig config, List<ListenerFilter> listenerFilters, List<Chain> chains, ListenerMetrics metrics) {

    /** A filter chain: the connections it takes, its TLS (null: plaintext) and its network filters, in order. */
    record Chain(int index, FilterChainMatchConfig match, ServerTls tls, List<NetworkFilter> filters) {
        /** For connections that reach the chain with nothing looked at: a plaintext chain only. */
        void install(Channel channel) {
            for (NetworkFilter f : filters) {
                f.install(channel);
            }
        }

        /** Installs TLS as {@code facts} call for, then the network filters; false when TLS closed the connection instead. */
        boolean install(Channel channel, AcceptedConnection facts) {
            if (tls != null && !tls.install(channel, facts)) {
                return false;
            }
            install(channel);
            return true;
        }
    }

    /** Whether connections go straight to the one chain, with nothing to look at first. */
    boolean direct() {
        return listenerFilters.isEmpty() && chains.size() == 1 && chains.getFirst().match() == null && chains.getFirst().tls() == null;
    }

    long activeStreams() {
        long n = 0;
        for (Chain c : chains) {
            for (NetworkFilter f : c.filters) {
                n += f.activeStreams();
            }
        }
        return n;
    }

    /**
     * The chain for {@code conn} by Envoy's rules: criterion by criterion (destination port,
     * server name, transport protocol, application protocols), chains that name a matching value
     * beat chains that leave it open, and chains that name another value are out. Null when none is left.
     */
    Chain select(AcceptedConnection conn) {
        List<Chain> left = new ArrayList<>(chains);
        int port = conn.localAddress() == null ? -1 : conn.localAddress().getPort();
        left = narrow(left, m -> m.destinationPort() != null, m -> m.destinationPort() == port);
        String sni = conn.serverName() == null ? null : conn.serverName().toLowerCase(Locale.ROOT);
        left = narrowServerName(left, sni);
        String transport = conn.transportProtocol();
        left = narrow(left, m -> m.transportProtocol() != null, m -> m.transportProtocol().equals(transport));
        List<String> alpn = conn.applicationProtocols();
        left = narrow(left, m -> !m.applicationProtocols().isEmpty(), m -> m.applicationProtocols().stream().anyMatch(alpn::contains));
        return left.isEmpty() ? null : left.getFirst();
    }

    private static List<Chain> narrow(List<Chain> in, Predicate<FilterChainMatchConfig> names, Predicate<FilterChainMatchConfig> matches) {
        List<Chain> specific = new ArrayList<>();
        List<Chain> open = new ArrayList<>();
        for (Chain c : in) {
            FilterChainMatchConfig m = c.match();
            if (m == null || !names.test(m)) {
                open.add(c);
            } else if (matches.test(m)) {
                specific.add(c);
            }
        }
        return specific.isEmpty() ? open : specific;
    }

    /** Exact names first, then the longest wildcard suffix ({@code *.example.com}), then chains without names. */
    private static List<Chain> narrowServerName(List<Chain> in, String sni) {
        List<Chain> exact = new ArrayList<>();
        List<Chain> wildcard = new ArrayList<>();
        int longest = -1;
        List<Chain> open = new ArrayList<>();
        for (Chain c : in) {
            FilterChainMatchConfig m = c.match();
            if (m == null || m.serverNames().isEmpty()) {
                open.add(c);
                continue;
            }
            if (sni == null) {
                continue;
            }
            for (String n : m.serverNames()) {
                if (n.equals(sni)) {
                    exact.add(c);
                    break;
                }
                if (n.startsWith("*.") && sni.endsWith(n.substring(1)) && sni.length() > n.length() - 1) {
                    if (n.length() > longest) {
                        longest = n.length();
                        wildcard.clear();
                    }
                    if (n.length() == longest) {
                        wildcard.add(c);
                    }
                    break;
                }
            }
        }
        return !exact.isEmpty() ? exact : !wildcard.isEmpty() ? wildcard : open;
    }
}
