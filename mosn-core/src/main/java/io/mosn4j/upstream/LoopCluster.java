package io.mosn4j.upstream;

import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.ClusterInfo;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.Connector;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import io.mosn4j.api.upstream.LoadBalancer;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.PoolContext;
import io.mosn4j.api.upstream.WorkerCluster;
import io.mosn4j.network.Transport;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One version of a cluster as one event loop sees it (Envoy's thread-local cluster): this loop's
 * balancer over the version's hosts, and this loop's pools to them. Used on its loop only. The
 * next version takes over the pools of hosts that stay (when connections would be made the same
 * way) and drains the rest.
 */
final class LoopCluster implements WorkerCluster {
    private final EventLoop loop;
    private final Transport transport;
    private final Stats stats;
    private final PartialFrameBudget partialFrames;
    private final Cluster cluster;
    /** The hosts and their health when {@link #balancer} was built; both change together when a host's health does. */
    private HostSnapshot hostSet;
    private LoadBalancer balancer;
    private final Map<Host, HostPools> pools;

    LoopCluster(EventLoop loop, Transport transport, Stats stats, PartialFrameBudget partialFrames, Cluster cluster,
                LoopCluster previous) {
        this.loop = loop;
        this.transport = transport;
        this.stats = stats;
        this.partialFrames = partialFrames;
        this.cluster = cluster;
        refresh();
        this.pools = new HashMap<>();
        if (previous != null) {
            boolean keep = cluster.sameConnections(previous.cluster);
            for (var e : previous.pools.entrySet()) {
                if (keep && cluster.hosts().contains(e.getKey())) {
                    pools.put(e.getKey(), e.getValue().forCluster(cluster));
                } else {
                    e.getValue().drain();
                }
            }
        }
    }

    /**
     * On the loop: a host's health changed, so the balancer is rebuilt over the hosts as they are
     * now (the healthy ones first). Pools stay.
     */
    void refresh() {
        hostSet = cluster.hostSet();
        balancer = cluster.newBalancer(hostSet);
    }

    /** The cluster is gone: every pool drains. */
    void drain() {
        pools.values().forEach(HostPools::drain);
        pools.clear();
    }

    Cluster cluster() {
        return cluster;
    }

    @Override
    public ClusterInfo info() {
        return cluster;
    }

    @Override
    public HostSet hostSet() {
        return hostSet;
    }

    @Override
    public HostInfo choose(LoadBalancerContext context) {
        return balancer.choose(context);
    }

    @Override
    public ConnectionPool pool(HostInfo host, ProtocolCodec codec) {
        return hostPools(host).pool(codec);
    }

    @Override
    public Connector connector(HostInfo host) {
        return hostPools(host).connector;
    }

    private static UpstreamTransport security(Cluster cluster, Host host, List<String> alpn) {
        var tls = cluster.tls(host);
        return tls == null ? UpstreamTransport.PLAINTEXT : UpstreamTransport.tls(tls, host, alpn);
    }

    private HostPools hostPools(HostInfo host) {
        HostPools p = pools.get(host);
        if (p == null) {
            Host h = (Host) host;
            p = new HostPools(h, cluster, new HostConnector(loop, transport, h, cluster, security(cluster, h, List.of())));
            pools.put(h, p);
        }
        return p;
    }

    /** This loop's pools to one host, one per protocol (a handful at most: a scanned array). */
    private final class HostPools {
        private final Host host;
        private final Cluster owner;
        final HostConnector connector;
        private ProtocolCodec[] codecs = new ProtocolCodec[0];
        private ConnectionPool[] byCodec = new ConnectionPool[0];

        HostPools(Host host, Cluster owner, HostConnector connector) {
            this.host = host;
            this.owner = owner;
            this.connector = connector;
        }

        /** The same pools under a new version of the cluster. */
        HostPools forCluster(Cluster next) {
            HostPools p = new HostPools(host, next, new HostConnector(loop, transport, host, next, security(next, host, List.of())));
            p.codecs = codecs;
            p.byCodec = byCodec;
            return p;
        }

        ConnectionPool pool(ProtocolCodec codec) {
            for (int i = 0; i < codecs.length; i++) {
                if (codecs[i] == codec) {
                    return byCodec[i];
                }
            }
            // with TLS, each protocol's connections offer its own ALPN ids (h2 for HTTP/2)
            Connector c = owner.tls(host) == null ? connector : new HostConnector(loop, transport, host, owner, security(owner, host, codec.alpn()));
            ConnectionPool pool = codec.newPool(new Context(loop, host, owner, c, owner.codecOptions(codec.name()), stats,
                    partialFrames));
            codecs = java.util.Arrays.copyOf(codecs, codecs.length + 1);
            byCodec = java.util.Arrays.copyOf(byCodec, byCodec.length + 1);
            codecs[codecs.length - 1] = codec;
            byCodec[byCodec.length - 1] = pool;
            return pool;
        }

        void drain() {
            for (ConnectionPool p : byCodec) {
                p.drain();
            }
        }
    }

    private record Context(EventLoop eventLoop, HostInfo host, ClusterInfo cluster, Connector connector, Object options, Stats stats,
                           PartialFrameBudget partialFrames) implements PoolContext {}
}
