package io.mosn4j.network;

import io.mosn4j.config.CidrConfig;
import io.mosn4j.config.PortRanges;
import io.mosn4j.config.TcpProxyConfig;
import io.mosn4j.config.TcpRouteConfig;
import io.mosn4j.server.Transport;
import io.mosn4j.upstream.Cluster;
import io.mosn4j.upstream.ClusterSet;
import io.mosn4j.upstream.Host;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp_proxy} network filter: picks a cluster for each accepted connection (first route
 * whose source/destination addresses and ports match, else {@code cluster}), connects to a host on
 * the same event loop, and relays bytes both ways. A side whose peer cannot keep up stops reading;
 * a half-close is passed on as a half-close.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    /** The compiled filter config, shared by the listener's connections. */
    public static final class Settings {
        private final String defaultCluster;
        private final List<RouteMatch> routes;
        private final int maxConnectAttempts;
        private final ClusterSet clusters;
        private final Transport transport;

        public Settings(TcpProxyConfig config, ClusterSet clusters, Transport transport) {
            this.defaultCluster = config.cluster();
            List<RouteMatch> rs = new ArrayList<>();
            for (TcpRouteConfig r : config.routes()) {
                rs.add(new RouteMatch(r));
            }
            this.routes = List.copyOf(rs);
            this.maxConnectAttempts = config.maxConnectAttempts();
            this.clusters = clusters;
            this.transport = transport;
        }

        Cluster clusterFor(InetSocketAddress src, InetSocketAddress dst) {
            for (RouteMatch r : routes) {
                if (r.matches(src, dst)) {
                    return clusters.get(r.cluster);
                }
            }
            return clusters.get(defaultCluster);
        }
    }

    private final Settings settings;
    private Channel inbound;
    private Channel outbound;
    private boolean inboundInputShut;
    private boolean outboundInputShut;
    /** Bytes the client sent before the upstream connected (epoll reads them on a FIN even when not reading). */
    private java.util.ArrayDeque<Object> early;

    public TcpProxyHandler(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        inbound = ctx.channel();
        Cluster cluster = settings.clusterFor((InetSocketAddress) inbound.remoteAddress(), (InetSocketAddress) inbound.localAddress());
        if (cluster == null) {
            log.warn("tcp_proxy: no cluster for connection {} -> {}; closing", inbound.remoteAddress(), inbound.localAddress());
            inbound.close();
            return;
        }
        connect(cluster, 1);
        ctx.fireChannelActive();
    }

    private void connect(Cluster cluster, int attempt) {
        Host host = cluster.chooseHost();
        if (host == null) {
            log.warn("tcp_proxy: cluster {} has no hosts; closing {}", cluster.name(), inbound.remoteAddress());
            inbound.close();
            return;
        }
        Bootstrap b = cluster.bootstrap(inbound.eventLoop(), settings.transport, 1024)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new Relay());
        b.connect(host.socketAddress()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (attempt < settings.maxConnectAttempts && inbound.isActive()) {
                    connect(cluster, attempt + 1);
                    return;
                }
                log.warn("tcp_proxy: connect to {} (cluster {}) failed: {}; closing {}", host, cluster.name(), f.cause().toString(), inbound.remoteAddress());
                releaseEarly();
                inbound.close();
                return;
            }
            outbound = f.channel();
            if (!inbound.isActive()) {
                releaseEarly();
                outbound.close();
                return;
            }
            if (early != null) {
                Object m;
                while ((m = early.poll()) != null) {
                    outbound.write(m, outbound.voidPromise());
                }
                outbound.flush();
            }
            if (inboundInputShut) {
                halfClose(outbound, inbound);
            } else {
                inbound.config().setAutoRead(outbound.isWritable());
                inbound.read();
            }
            outbound.config().setAutoRead(inbound.isWritable());
            outbound.read();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (outbound == null) {
            if (early == null) {
                early = new java.util.ArrayDeque<>(2);
            }
            early.add(msg);
            return;
        }
        if (!outbound.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        outbound.write(msg, outbound.voidPromise());
    }

    private void releaseEarly() {
        if (early != null) {
            Object m;
            while ((m = early.poll()) != null) {
                ReferenceCountUtil.release(m);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (outbound != null) {
            outbound.flush();
            if (!outbound.isWritable()) {
                setAutoRead(inbound, inboundInputShut, false);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (outbound != null) {
            setAutoRead(outbound, outboundInputShut, inbound.isWritable());
        }
    }

    /** Reading is paused and resumed only while a side can still deliver bytes. */
    private static void setAutoRead(Channel ch, boolean inputShut, boolean on) {
        if (!inputShut && ch.isActive()) {
            ch.config().setAutoRead(on);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inboundInputShut = true;
            halfClose(outbound, inbound);
        } else if (evt instanceof IdleStateEvent) {
            log.debug("tcp_proxy: closing idle connection {}", inbound.remoteAddress());
            if (outbound != null) {
                outbound.close(); // idle: nothing in flight worth waiting for
            }
            inbound.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        if (outbound != null) {
            Closing.afterFlush(outbound);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("tcp_proxy: downstream {} failed: {}", inbound.remoteAddress(), cause.toString());
        closeBoth();
    }

    private void halfClose(Channel to, Channel from) {
        if (to == null) {
            return;
        }
        if (inboundInputShut && outboundInputShut) {
            closeBoth();
            return;
        }
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (to instanceof SocketChannel sc && to.isActive()) {
                sc.shutdownOutput();
            }
        });
    }

    private void closeBoth() {
        if (outbound != null) {
            Closing.afterFlush(outbound);
        }
        Closing.afterFlush(inbound);
    }

    /** The upstream side: bytes from the host go to the client. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!inbound.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            inbound.write(msg, inbound.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            inbound.flush();
            if (!inbound.isWritable()) {
                setAutoRead(outbound, outboundInputShut, false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            setAutoRead(inbound, inboundInputShut, outbound.isWritable());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                outboundInputShut = true;
                halfClose(inbound, outbound);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Closing.afterFlush(inbound);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("tcp_proxy: upstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            closeBoth();
        }
    }

    /** A route's match: every given condition must hold. */
    private static final class RouteMatch {
        private final String cluster;
        private final List<Cidr> sources;
        private final List<Cidr> destinations;
        private final PortRanges sourcePorts;
        private final PortRanges destinationPorts;

        RouteMatch(TcpRouteConfig r) {
            this.cluster = r.cluster();
            this.sources = r.sourceAddrs().stream().map(Cidr::new).toList();
            this.destinations = r.destinationAddrs().stream().map(Cidr::new).toList();
            this.sourcePorts = PortRanges.parse(r.sourcePorts(), "source_ports");
            this.destinationPorts = PortRanges.parse(r.destinationPorts(), "destination_ports");
        }

        boolean matches(InetSocketAddress src, InetSocketAddress dst) {
            return anyContains(sources, src.getAddress()) && anyContains(destinations, dst.getAddress())
                    && (sourcePorts == null || sourcePorts.contains(src.getPort()))
                    && (destinationPorts == null || destinationPorts.contains(dst.getPort()));
        }

        private static boolean anyContains(List<Cidr> cidrs, InetAddress a) {
            if (cidrs.isEmpty()) {
                return true;
            }
            for (Cidr c : cidrs) {
                if (c.contains(a)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Cidr(byte[] network, int length) {
        Cidr(CidrConfig c) {
            this(parse(c.address()), c.length());
        }

        private static byte[] parse(String literal) {
            try {
                return InetAddress.ofLiteral(literal).getAddress();
            } catch (IllegalArgumentException e) {
                throw new io.mosn4j.config.ConfigException("address", "not an IP address: \"" + literal + "\"");
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = length / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = length % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }
}
