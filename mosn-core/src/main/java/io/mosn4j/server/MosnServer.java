package io.mosn4j.server;

import io.mosn4j.admin.AdminServer;
import io.mosn4j.config.ConfigException;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.config.NetworkFilterConfig;
import io.mosn4j.config.Protocols;
import io.mosn4j.config.ServerConfig;
import io.mosn4j.config.SocketAddresses;
import io.mosn4j.network.TcpProxyHandler;
import io.mosn4j.proxy.ProxyContext;
import io.mosn4j.proxy.ProxyStreamHandler;
import io.mosn4j.router.RouteTable;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.stream.ProtocolSniffer;
import io.mosn4j.stream.xprotocol.XProtocols;
import io.mosn4j.stream.xprotocol.XServerConnection;
import io.mosn4j.stream.http1.Http1ServerConnection;
import io.mosn4j.stream.http2.Http2ServerConnection;
import io.mosn4j.upstream.ClusterSet;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mosn4j: listeners bound on worker event loops, clusters, and the admin API, all built
 * from one loaded config. {@link #shutdown()} drains: stop accepting, let streams in flight finish
 * (up to {@code graceful_timeout}), then close everything.
 */
public final class MosnServer {
    private static final Logger log = LoggerFactory.getLogger(MosnServer.class);

    private final LoadedConfig loaded;
    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ChannelGroup connections = new DefaultChannelGroup("downstream", GlobalEventExecutor.INSTANCE);
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private volatile boolean draining;
    private AdminServer admin;

    private MosnServer(LoadedConfig loaded) {
        this.loaded = loaded;
        this.transport = Transport.best();
        ServerConfig server = loaded.config().server();
        this.acceptors = transport.newGroup(1, "mosn-accept");
        this.workers = transport.newGroup(server.eventLoops(), "mosn-worker");
    }

    /** Builds and binds everything; on failure releases what it made and throws ConfigException. */
    public static MosnServer start(LoadedConfig loaded) {
        MosnServer s = new MosnServer(loaded);
        try {
            s.bind();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void bind() {
        ServerConfig server = loaded.config().server();
        ClusterSet clusters = new ClusterSet(loaded.config().clusterManager());
        List<ListenerConfig> ls = server.listeners();
        for (int i = 0; i < ls.size(); i++) {
            ListenerConfig l = ls.get(i);
            String path = "servers[0].listeners[" + i + "]";
            if (!l.bindPort()) {
                log.info("listener {} has bind_port false: not listening on {}", l.name(), l.address());
                continue;
            }
            NetworkFilterConfig filter = loaded.filterOf(l);
            ServerBootstrap b = new ServerBootstrap()
                    .group(acceptors, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
            Duration idle = l.connectionIdleTimeout();
            switch (filter) {
                case NetworkFilterConfig.Proxy p -> {
                    ProxyCodecs codecs = new ProxyCodecs(p, clusters, server.gracefulTimeout().toMillis(), l.name());
                    b.childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.add(ch);
                            if (idle != null && !idle.isZero()) {
                                ch.pipeline().addLast(new IdleStateHandler(0, 0, idle.toNanos(), TimeUnit.NANOSECONDS));
                            }
                            codecs.install(ch);
                        }
                    });
                }
                case NetworkFilterConfig.TcpProxy t -> {
                    TcpProxyHandler.Settings settings = new TcpProxyHandler.Settings(t.config(), clusters, transport);
                    Duration tcpIdle = idle != null && !idle.isZero() ? idle : t.config().idleTimeout();
                    b.childOption(ChannelOption.AUTO_READ, false).childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                    b.childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.add(ch);
                            if (!tcpIdle.isZero()) {
                                ch.pipeline().addLast(new IdleStateHandler(0, 0, tcpIdle.toNanos(), TimeUnit.NANOSECONDS));
                            }
                            ch.pipeline().addLast(new TcpProxyHandler(settings));
                        }
                    });
                }
            }
            InetSocketAddress unresolved = SocketAddresses.parse(l.address(), path + ".address");
            InetSocketAddress addr = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
            var f = b.bind(addr).awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new ConfigException(path + ".address", "cannot listen on " + l.address() + ": " + f.cause().getMessage());
            }
            listeners.put(l.name(), f.channel());
            log.info("listener {} on {} ({}) serving {}", l.name(), f.channel().localAddress(), transport.name(), describe(filter));
        }
        if (loaded.config().admin() != null && loaded.config().admin().address() != null
                && loaded.config().admin().address().socketAddress() != null) {
            admin = AdminServer.start(loaded, acceptors, transport);
        }
    }

    /**
     * The stream codecs of a {@code proxy} listener: one protocol's, or with {@code Auto} a
     * {@link ProtocolSniffer} that picks per connection. An {@code Auto} upstream speaks what the
     * downstream connection turned out to speak.
     */
    private final class ProxyCodecs {
        private final NetworkFilterConfig.Proxy filter;
        private final long graceMillis;
        private final String listener;
        private final List<ProtocolSniffer.Detector> detectors;
        private final Map<String, ProxyStreamHandler.Factory> handlers = new HashMap<>();

        ProxyCodecs(NetworkFilterConfig.Proxy filter, ClusterSet clusters, long graceMillis, String listener) {
            this.filter = filter;
            this.graceMillis = graceMillis;
            this.listener = listener;
            // an Auto listener with a fixed upstream takes only what converts to it
            String up = filter.proxy().upstreamProtocol();
            this.detectors = DETECTORS.stream()
                    .filter(d -> up.equals(Protocols.AUTO) || Protocols.isRpc(d.protocol()) == Protocols.isRpc(up))
                    .toList();
            RouteTable routes = new RouteTable(filter.router());
            List<String> protocols = new ArrayList<>(List.of(Protocols.HTTP1, Protocols.HTTP2));
            XProtocols.all().forEach(p -> protocols.add(p.name()));
            for (String downstream : protocols) {
                String upstream = filter.proxy().upstreamProtocol().equals(Protocols.AUTO) ? downstream : filter.proxy().upstreamProtocol();
                handlers.put(downstream, new ProxyStreamHandler.Factory(new ProxyContext(routes, clusters, transport, activeStreams, upstream)));
            }
        }

        void install(Channel ch) {
            String protocol = filter.proxy().downstreamProtocol();
            if (protocol.equals(Protocols.AUTO)) {
                ch.pipeline().addLast(new ProtocolSniffer(detectors,
                        (sniffer, detected) -> install(ch, detected), listener)); // the sniffer is last: codecs go after it
                return;
            }
            install(ch, protocol);
        }

        private void install(Channel ch, String protocol) {
            ChannelPipeline target = ch.pipeline();
            ServerStreamHandler handler = handlers.get(protocol).forChannel(ch);
            if (protocol.equals(Protocols.HTTP2)) {
                Http2ServerConnection.install(target, handler, Http1ServerConnection.DRAIN, graceMillis, filter.http2());
                return;
            }
            XProtocol rpc = XProtocols.get(protocol);
            if (rpc != null) {
                target.addLast(new XServerConnection(rpc, handler, Http1ServerConnection.DRAIN));
                return;
            }
            target.addLast(new HttpRequestDecoder(new HttpDecoderConfig()
                    .setMaxInitialLineLength(8192).setMaxHeaderSize(60 * 1024).setMaxChunkSize(65536)));
            target.addLast(new Http1ServerConnection(handler, () -> draining));
        }
    }

    /** What {@code Auto} listens for: HTTP/2's preface, an HTTP/1 method, each RPC protocol's magic. */
    private static final List<ProtocolSniffer.Detector> DETECTORS = detectors();

    private static List<ProtocolSniffer.Detector> detectors() {
        List<ProtocolSniffer.Detector> d = new ArrayList<>(List.of(ProtocolSniffer.HTTP2, ProtocolSniffer.HTTP1));
        for (XProtocol p : XProtocols.all()) {
            d.add(new ProtocolSniffer.Detector(p.name(), p::detect));
        }
        return List.copyOf(d);
    }

    private static String describe(NetworkFilterConfig f) {
        return switch (f) {
            case NetworkFilterConfig.Proxy p -> "proxy " + p.proxy().downstreamProtocol() + " -> " + p.proxy().upstreamProtocol()
                    + " (router " + p.router().routerConfigName() + ")";
            case NetworkFilterConfig.TcpProxy t -> "tcp_proxy";
        };
    }

    /** The port a listener is bound to (useful with port 0), or -1. */
    public int port(String listenerName) {
        Channel ch = listeners.get(listenerName);
        return ch == null ? -1 : ((InetSocketAddress) ch.localAddress()).getPort();
    }

    public int activeStreams() {
        return activeStreams.get();
    }

    /** Drains and stops. Blocks up to graceful_timeout plus a little; call off the event loops. */
    public void shutdown() {
        Duration grace = loaded.config().server().gracefulTimeout();
        draining = true;
        List<Channel> bound = new ArrayList<>(listeners.values());
        for (Channel ch : bound) {
            ch.close().awaitUninterruptibly();
        }
        log.info("draining: listeners closed, {} requests in flight, waiting up to {}", activeStreams.get(), io.mosn4j.config.GoDuration.format(grace));
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(Http1ServerConnection.DRAIN));
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (activeStreams.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (activeStreams.get() > 0) {
            log.warn("graceful_timeout {} passed with {} requests in flight; closing them", io.mosn4j.config.GoDuration.format(grace), activeStreams.get());
        }
        close();
        log.info("mosn4j stopped");
    }

    private void close() {
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (admin != null) {
            admin.close();
        }
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        acceptors.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
