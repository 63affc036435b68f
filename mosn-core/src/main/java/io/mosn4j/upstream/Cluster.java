package io.mosn4j.upstream;

import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.ConfigException;
import io.mosn4j.config.HostConfig;
import io.mosn4j.config.Http2Options;
import io.mosn4j.config.SocketAddresses;
import io.mosn4j.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
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
    private final Http2Options http2Options;

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
        this.http2Options = config.http2ProtocolOptions();
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

    /** Settings of HTTP/2 connections to this cluster's hosts ({@code http2_protocol_options}). */
    public Http2Options http2Options() {
        return http2Options;
    }

    /**
     * A bootstrap for connections to this cluster's hosts from {@code loop}: connect timeout, no
     * Nagle, and a write buffer of conn_buffer_limit_bytes (at least {@code minBufferBytes}) whose
     * high-water mark is the backpressure signal. Callers add their handler and options.
     */
    public Bootstrap bootstrap(EventLoop loop, Transport transport, int minBufferBytes) {
        int high = Math.max(bufferLimitBytes, minBufferBytes);
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high));
    }
}
