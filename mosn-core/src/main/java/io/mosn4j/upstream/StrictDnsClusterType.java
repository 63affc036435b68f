package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.DnsResolverConfig;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsCache;
import io.netty.resolver.dns.DnsCacheEntry;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.resolver.dns.UnixResolverDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code STRICT_DNS}: each host's name is resolved, and resolved again every
 * {@code dns_refresh_rate} (or, with {@code respect_dns_ttl}, when the answer's TTL runs out); the
 * cluster's hosts are every address of every name, with the port, weight and metadata of the host
 * that named it. When the answers change the hosts are replaced; addresses that stay keep their
 * host, connections and health. A failed query keeps the last answer (as MOSN and Envoy do).
 *
 * <p>Queries go through Netty's non-blocking DNS resolver on one event loop, to the servers of
 * {@code dns_resolvers} ({@code servers} and {@code port}), else those of {@code dns_resolver_file}
 * (a resolv.conf, with {@code dns_resolver_port}), else the system's. Nothing is cached between
 * rounds: each round asks the servers.
 */
public final class StrictDnsClusterType implements ClusterType {
    private static final Logger log = LoggerFactory.getLogger(StrictDnsClusterType.class);

    @Override
    public String name() {
        return "STRICT_DNS";
    }

    @Override
    public Discovery start(ClusterConfig config, ConfigValue raw, Context context) {
        List<HostSpec> written = StaticClusterType.specs(config, raw, false);
        DnsServerAddressStreamProvider servers = servers(config, raw);
        List<Target> targets = new ArrayList<>();
        for (HostSpec h : written) {
            targets.add(new Target(h));
        }
        if (!context.active()) {
            return () -> literalHosts(targets); // a config check: nothing is queried
        }
        Resolution r = new Resolution(config, context, servers, targets);
        r.firstRound(Math.max(1, (long) raw(config).timeout() * raw(config).attempts()) * 1000 + 500);
        return r;
    }

    private static DnsResolverConfig raw(ClusterConfig config) {
        return config.dnsResolvers() != null ? config.dnsResolvers() : new DnsResolverConfig(null, null, null, null, null, null);
    }

    private static List<HostSpec> literalHosts(List<Target> targets) {
        List<HostSpec> out = new ArrayList<>();
        for (Target t : targets) {
            if (t.literal != null) {
                out.add(t.literal);
            }
        }
        return out;
    }

    /** Where queries go: {@code dns_resolvers}, else {@code dns_resolver_file}, else the system's servers. */
    private static DnsServerAddressStreamProvider servers(ClusterConfig config, ConfigValue raw) {
        DnsResolverConfig r = config.dnsResolvers();
        if (r != null && !r.servers().isEmpty()) {
            int defaultPort = Integer.parseInt(r.port());
            List<InetSocketAddress> list = new ArrayList<>();
            for (int i = 0; i < r.servers().size(); i++) {
                list.add(server(r.servers().get(i), defaultPort, raw.path() + ".dns_resolvers.servers[" + i + "]"));
            }
            return new SequentialDnsServerAddressStreamProvider(list);
        }
        String file = config.dnsResolverFile();
        if (file != null && !file.isBlank()) {
            String port = config.dnsResolverPort() == null || config.dnsResolverPort().isBlank() ? "53" : config.dnsResolverPort().trim();
            try {
                int p = Integer.parseInt(port);
                List<InetSocketAddress> list = new ArrayList<>();
                for (String line : java.nio.file.Files.readAllLines(new File(file).toPath())) {
                    String[] parts = line.trim().split("\\s+");
                    if (parts.length >= 2 && parts[0].equals("nameserver")) {
                        list.add(server(parts[1], p, raw.path() + ".dns_resolver_file"));
                    }
                }
                if (list.isEmpty()) {
                    throw new ConfigException(raw.path() + ".dns_resolver_file", "no nameserver line in " + file);
                }
                return new SequentialDnsServerAddressStreamProvider(list);
            } catch (NumberFormatException e) {
                throw new ConfigException(raw.path() + ".dns_resolver_port", "invalid port \"" + port + "\"");
            } catch (IOException e) {
                throw new ConfigException(raw.path() + ".dns_resolver_file", "cannot read " + file + ": " + e.getMessage());
            }
        }
        return DnsServerAddressStreamProviders.platformDefault();
    }

    /** A name server: an IP address, with the default port or its own ({@code 127.0.0.1:5353}, {@code [::1]:53}). */
    private static InetSocketAddress server(String s, int defaultPort, String path) {
        String host = s.trim();
        int port = defaultPort;
        int colon = host.lastIndexOf(':');
        if (host.startsWith("[") && host.contains("]")) {
            int end = host.indexOf(']');
            if (end + 1 < host.length() && host.charAt(end + 1) == ':') {
                port = parsePort(host.substring(end + 2), s, path);
            }
            host = host.substring(1, end);
        } else if (colon > 0 && host.indexOf(':') == colon) {
            port = parsePort(host.substring(colon + 1), s, path);
            host = host.substring(0, colon);
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            throw new ConfigException(path, "a name server must be an IP address, got \"" + s + "\"");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (IOException e) {
            throw new ConfigException(path, "invalid address \"" + s + "\"");
        }
    }

    private static int parsePort(String p, String s, String path) {
        try {
            int port = Integer.parseInt(p);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new ConfigException(path, "invalid port in \"" + s + "\"");
    }

    /** One host of the config: a name to resolve (or an IP address, taken as it is). */
    private static final class Target {
        final HostSpec written;
        final String name;
        final HostSpec literal;
        /** The last answer's hosts (on the resolver's loop). */
        List<HostSpec> hosts = List.of();
        ScheduledFuture<?> next;

        Target(HostSpec written) {
            this.written = written;
            this.name = written.socketAddress().getHostString();
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(name);
            HostSpec lit = null;
            if (ip != null) {
                try {
                    lit = new HostSpec(written.address(), new InetSocketAddress(InetAddress.getByAddress(ip), written.socketAddress().getPort()),
                            written.weight(), written.metadata(), written.hostname());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            this.literal = lit;
            if (lit != null) {
                hosts = List.of(lit);
            }
        }

        HostSpec at(InetAddress a) {
            InetSocketAddress sa = new InetSocketAddress(a, written.socketAddress().getPort());
            String ip = NetUtil.toAddressString(a);
            String address = a instanceof java.net.Inet6Address ? "[" + ip + "]:" + sa.getPort() : ip + ":" + sa.getPort();
            return new HostSpec(address, sa, written.weight(), written.metadata(), written.hostname());
        }
    }

    /**
     * Whether a failed resolution is the server's answer that the name has no address (NXDOMAIN or
     * an empty answer), rather than no answer (a timeout, a network error, SERVFAIL): only then do
     * the name's hosts leave; otherwise the last answer stands, as MOSN keeps it.
     */
    static boolean nameGone(Throwable failure) {
        boolean transientError = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.netty.resolver.dns.DnsErrorCauseException e) {
                return e.getCode() == io.netty.handler.codec.dns.DnsResponseCode.NXDOMAIN;
            }
            if (t instanceof io.netty.resolver.dns.DnsNameResolverException || (t instanceof IOException
                    && !(t instanceof java.net.UnknownHostException))) {
                transientError = true;
            }
        }
        return failure instanceof java.net.UnknownHostException && !transientError;
    }

    /** The resolver of one cluster version and its rounds of queries, all on one event loop. */
    private static final class Resolution implements Discovery {
        private final ClusterConfig config;
        private final Context context;
        private final EventLoop loop;
        private final List<Target> targets;
        private final DnsNameResolver resolver;
        private final TtlWatch ttls = new TtlWatch();
        private final long refreshNanos;
        private volatile List<HostSpec> hosts = List.of();
        /** The first round is over: the cluster was built from {@link #hosts()}, later changes are reported. */
        private volatile boolean started;
        private volatile boolean closed;

        Resolution(ClusterConfig config, Context context, DnsServerAddressStreamProvider servers, List<Target> targets) {
            this.config = config;
            this.context = context;
            this.loop = context.eventLoop();
            this.targets = targets;
            this.refreshNanos = config.dnsRefresh().toNanos();
            DnsResolverConfig r = raw(config);
            DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                    .datagramChannelType(context.transport().datagramChannel())
                    .nameServerProvider(servers)
                    .resolveCache(ttls)
                    .cnameCache(NoopDnsCnameCache.INSTANCE)
                    .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                    .queryTimeoutMillis(TimeUnit.SECONDS.toMillis(r.timeout()))
                    .maxQueriesPerResolve(Math.max(1, r.attempts()) * 4)
                    .ndots(r.ndots())
                    .resolvedAddressTypes(switch (config.dnsFamily()) {
                        case "V6_ONLY" -> ResolvedAddressTypes.IPV6_ONLY;
                        case "ALL" -> ResolvedAddressTypes.IPV4_PREFERRED;
                        default -> ResolvedAddressTypes.IPV4_ONLY;
                    });
            if (!r.search().isEmpty()) {
                b.searchDomains(r.search());
            }
            this.resolver = b.build();
            this.hosts = all();
        }

        /** Asks for every name now and waits (bounded) for the first answers, so the cluster starts with hosts. */
        void firstRound(long waitMillis) {
            CountDownLatch answered = new CountDownLatch((int) targets.stream().filter(t -> t.literal == null).count());
            loop.execute(() -> {
                for (Target t : targets) {
                    if (t.literal == null) {
                        resolve(t, answered);
                    }
                }
            });
            try {
                if (!answered.await(waitMillis, TimeUnit.MILLISECONDS)) {
                    log.warn("cluster {}: no DNS answer within {} ms; it starts with {} hosts and keeps asking every {}",
                            config.name(), waitMillis, hosts.size(), config.dnsRefresh());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            started = true;
        }

        private void resolve(Target t, CountDownLatch first) {
            if (closed) {
                return;
            }
            ttls.reset();
            Future<List<InetAddress>> f = resolver.resolveAll(t.name);
            f.addListener(done -> {
                long nextNanos = refreshNanos;
                if (done.isSuccess()) {
                    @SuppressWarnings("unchecked")
                    List<InetAddress> addrs = (List<InetAddress>) done.getNow();
                    Map<String, HostSpec> found = new LinkedHashMap<>();
                    for (InetAddress a : addrs) {
                        HostSpec h = t.at(a);
                        found.putIfAbsent(h.address(), h);
                    }
                    List<HostSpec> next = found.values().stream().sorted(Comparator.comparing(HostSpec::address)).toList();
                    if (!next.equals(t.hosts)) {
                        t.hosts = next;
                        List<HostSpec> all = all();
                        hosts = all;
                        log.info("cluster {}: {} resolves to {}", config.name(), t.name,
                                next.stream().map(HostSpec::address).toList());
                        if (!closed && started) {
                            context.hostsChanged(all);
                        }
                    }
                    long ttl = ttls.minTtlSeconds();
                    if (config.respectTtl() && ttl > 0) {
                        nextNanos = TimeUnit.SECONDS.toNanos(ttl + 1); // as MOSN: a TTL of 0 must not spin
                    }
                } else if (!closed && nameGone(done.cause()) && t.literal == null) {
                    // the server says the name has no address (NXDOMAIN, or no record): as in Envoy, its hosts go
                    if (!t.hosts.isEmpty()) {
                        log.info("cluster {}: {} no longer resolves ({}); its hosts leave", config.name(), t.name, done.cause().getMessage());
                        t.hosts = List.of();
                        List<HostSpec> all = all();
                        hosts = all;
                        if (started) {
                            context.hostsChanged(all);
                        }
                    }
                } else if (!closed) {
                    log.info("cluster {}: resolving {} failed ({}); keeping its {} addresses", config.name(), t.name,
                            done.cause() == null ? "?" : done.cause().toString(), t.hosts.size());
                }
                if (first != null) {
                    first.countDown();
                }
                if (!closed) {
                    t.next = loop.schedule(() -> resolve(t, null), nextNanos, TimeUnit.NANOSECONDS);
                }
            });
        }

        private List<HostSpec> all() {
            Map<String, HostSpec> m = new LinkedHashMap<>();
            for (Target t : targets) {
                for (HostSpec h : t.hosts) {
                    m.putIfAbsent(h.address(), h);
                }
            }
            return m.values().stream().sorted(Comparator.comparing(HostSpec::address)).toList();
        }

        @Override
        public List<HostSpec> hosts() {
            return hosts;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            loop.execute(() -> {
                for (Target t : targets) {
                    if (t.next != null) {
                        t.next.cancel(false);
                    }
                }
                resolver.close();
            });
        }
    }

    /**
     * The resolver's cache, used to learn the answers' TTLs, not to cache: every round asks the
     * servers again, as MOSN's resolver does.
     */
    private static final class TtlWatch implements DnsCache {
        private volatile long minTtl = -1;

        void reset() {
            minTtl = -1;
        }

        long minTtlSeconds() {
            return minTtl;
        }

        @Override
        public void clear() {}

        @Override
        public boolean clear(String hostname) {
            return false;
        }

        @Override
        public List<? extends DnsCacheEntry> get(String hostname, DnsRecord[] additionals) {
            return null;
        }

        @Override
        public DnsCacheEntry cache(String hostname, DnsRecord[] additionals, InetAddress address, long originalTtl, EventLoop loop) {
            long m = minTtl;
            if (m < 0 || originalTtl < m) {
                minTtl = originalTtl;
            }
            return new Entry(address, null);
        }

        @Override
        public DnsCacheEntry cache(String hostname, DnsRecord[] additionals, Throwable cause, EventLoop loop) {
            return new Entry(null, cause);
        }

        private record Entry(InetAddress address, Throwable cause) implements DnsCacheEntry {}
    }
}
