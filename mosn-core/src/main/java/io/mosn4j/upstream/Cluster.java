package io.mosn4j.upstream;

import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.ConfigException;
import io.mosn4j.config.HostConfig;
import io.mosn4j.config.SocketAddresses;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An upstream cluster built from its config: hosts, load balancer and connection settings. */
public final class Cluster {
    private final String name;
    private final List<Host> hosts;
    private final LoadBalancer balancer;
    private final Duration connectTimeout;
    private final long maxRequestsPerConnection;
    private final int bufferLimitBytes;

    /** Builds a cluster; resolves host names, so call off the event loops. */
    public Cluster(ClusterConfig config, String path) {
        this.name = config.name();
        List<Host> hs = new ArrayList<>(config.hosts().size());
        for (int i = 0; i < config.hosts().size(); i++) {
            HostConfig hc = config.hosts().get(i);
            InetSocketAddress unresolved = SocketAddresses.parse(hc.address(), "address");
            InetSocketAddress resolved = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
            if (resolved.isUnresolved()) {
                throw new ConfigException(path + ".hosts[" + i + "].address", "cannot resolve host \"" + unresolved.getHostString() + "\"");
            }
            hs.add(new Host(hc.address(), resolved, hc.weight()));
        }
        this.hosts = List.copyOf(hs);
        this.balancer = config.lbType().equals(ClusterConfig.LB_RANDOM) ? new RandomBalancer(hosts) : new RoundRobinBalancer(hosts);
        this.connectTimeout = config.connectTimeout();
        this.maxRequestsPerConnection = config.maxRequestPerConn();
        this.bufferLimitBytes = (int) Math.min(Integer.MAX_VALUE, config.connBufferLimitBytes());
    }

    public String name() {
        return name;
    }

    public List<Host> hosts() {
        return hosts;
    }

    public Host chooseHost() {
        return balancer.choose();
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public long maxRequestsPerConnection() {
        return maxRequestsPerConnection;
    }

    public int bufferLimitBytes() {
        return bufferLimitBytes;
    }
}
