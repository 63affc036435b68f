package io.mosn4j.network;

import io.mosn4j.api.network.CidrRange;
import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.WorkerCluster;
import io.mosn4j.api.upstream.Hashing;
import io.mosn4j.config.PortRanges;
import io.mosn4j.config.TcpProxyConfig;
import io.mosn4j.config.TcpRouteConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.Future;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp_proxy} network filter: picks a cluster for each accepted connection (first route
 * whose source/destination addresses and ports match, else {@code cluster}), connects to a host on
 * the same event loop, and relays bytes both ways. A side whose peer cannot keep up stops reading;
 * a half-close is passed on as a half-close.
 *
 * <p>When both sides are plain TCP sockets of the epoll transport on one event loop, and nothing
 * but idle timers sits in either pipeline, the bytes go by {@code splice(2)}:
 * socket to pipe to socket inside the kernel, never copied into the JVM
 * ({@link AbstractEpollStreamChannel#spliceTo}). The pipe (64 KiB) bounds what is in flight per
 * direction: a round moves what the pipe takes, and the next one waits until the other side took
 * it. Otherwise (TLS on a side, another network filter, a listener filter that read first, NIO) the
 * bytes are read into buffers and written.
 *
 * <p>Spliced bytes are not written through a channel's {@code write}, so the relay adds each round's
 * to the written bytes of the side they go to ({@link ByteCounter}: the listener's or the cluster's)
 * once they are in the pipe to it; the side they came from counts them as read by itself.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);
    /** {@code -Dmosn4j.splice=false}: always relay through buffers (the way to rule splice out when a relay misbehaves). */
    private static final boolean SPLICE = !"false".equals(System.getProperty("mosn4j.splice"));

    /** The compiled filter config, shared by the listener's connections. */
    static final class Settings {
        private final String defaultCluster;
        private final List<RouteMatch> routes;
        private final int maxConnectAttempts;
        private final ListenerContext listener;
        /** Whether the listener said yet that its connections splice. */
        private final AtomicBoolean spliceAnnounced = new AtomicBoolean();

        Settings(TcpProxyConfig config, ListenerContext listener) {
            this.defaultCluster = config.cluster();
            List<RouteMatch> rs = new ArrayList<>();
            for (int i = 0; i < config.routes().size(); i++) {
                rs.add(new RouteMatch(config.routes().get(i), "routes[" + i + "]"));
            }
            this.routes = List.copyOf(rs);
            this.maxConnectAttempts = config.maxConnectAttempts();
            this.listener = listener;
        }

        String clusterFor(InetSocketAddress src, InetSocketAddress dst) {
            for (RouteMatch r : routes) {
                if (r.matches(src, dst)) {
                    return r.cluster;
                }
            }
            return defaultCluster;
        }
    }

    private final Settings settings;
    private Channel inbound;
    private Channel outbound;
    private boolean inboundInputShut;
    private boolean outboundInputShut;
    /** Bytes the client sent before the upstream connected (epoll reads them on a FIN even when not reading). */
    private java.util.ArrayDeque<Object> early;
    /** Each side's read rounds, counted from its first read: null when the side cannot splice. */
    private ReadCounter inboundReads;
    private ReadCounter outboundReads;
    /** Bytes move by splice(2) from the upstream's connect on. */
    private boolean splicing;
    /** A side's FIN came while splicing: its input shuts once what it sent before is moved on. */
    private boolean inboundEnded;
    private boolean outboundEnded;
    /**
     * A side read into buffers that were written but not flushed yet: while splicing, a round that
     * read into buffers (splice fell back) rather than into the pipe.
     */
    private boolean inboundUnflushed;
    private boolean outboundUnflushed;
    /** The connection's idle timers, told of each splice round (no bytes pass them). */
    private List<IdleStateHandler> idleTimers = List.of();
    /** Each side's byte counter, told of each splice round; null where the side has none. */
    private ByteCounter inboundBytes;
    private ByteCounter outboundBytes;

    TcpProxyHandler(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // bytes are read only as fast as the upstream takes them; a FIN is passed on as a FIN
        ctx.channel().config().setAutoRead(false);
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (SPLICE && ctx.channel() instanceof AbstractEpollStreamChannel) {
            inboundReads = ReadCounter.install(ctx.channel());
        }
        if (ctx.channel().isActive()) {
            start(ctx); // added after the connection was accepted (listener filters ran first)
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (inbound != null) {
            return;
        }
        inbound = ctx.channel();
        InetSocketAddress src = Addresses.remote(inbound);
        InetSocketAddress dst = Addresses.local(inbound);
        String name = settings.clusterFor(src, dst);
        WorkerCluster cluster = name == null ? null : settings.listener.clusterManager().forEventLoop(inbound.eventLoop()).get(name);
        if (cluster == null) {
            log.warn("tcp_proxy: no cluster for connection {} -> {}; closing", src, dst);
            inbound.close();
            return;
        }
        connect(cluster, 1);
    }

    /**
     * What the balancer sees for a connection: the client's address for consistent hashing
     * (maglev, ring hash), and the host whose connect just failed, for the next attempt to avoid.
     */
    private final class ConnectionChoice implements LoadBalancerContext {
        HostInfo failed;

        @Override
        public long hashKey() {
            InetSocketAddress src = Addresses.remote(inbound);
            return src == null || src.getAddress() == null ? -1 : Hashing.hash(src.getAddress().getAddress()) & Long.MAX_VALUE;
        }

        @Override
        public java.util.Map<String, String> metadataMatch() {
            return java.util.Map.of();
        }

        @Override
        public boolean shouldAvoid(HostInfo host) {
            return host == failed;
        }

        @Override
        public io.mosn4j.api.stream.Headers requestHeaders() {
            return null;
        }

        @Override
        public io.mosn4j.api.stream.RequestInfo requestInfo() {
            return null;
        }
    }

    private final ConnectionChoice choice = new ConnectionChoice();

    private void connect(WorkerCluster cluster, int attempt) {
        HostInfo host = cluster.choose(choice);
        if (host == null) {
            log.warn("tcp_proxy: cluster {} has no hosts; closing {}", cluster.info().name(), inbound.remoteAddress());
            inbound.close();
            return;
        }
        cluster.connector(host).connect(new Relay(), 1024).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                choice.failed = host; // the next attempt tries another host when there is one
                if (attempt < settings.maxConnectAttempts && inbound.isActive()) {
                    connect(cluster, attempt + 1);
                    return;
                }
                log.warn("tcp_proxy: connect to {} (cluster {}) failed: {}; closing {}", host, cluster.info().name(), f.cause().toString(), inbound.remoteAddress());
                releaseEarly();
                inbound.close();
                return;
            }
            outbound = f.getNow();
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
                inboundUnflushed = false;
            }
            if (!inboundInputShut && canSplice()) {
                startSplice();
            } else if (inboundInputShut) {
                halfClose(outbound, inbound);
            } else {
                inbound.config().setAutoRead(outbound.isWritable());
                inbound.read();
            }
            outbound.config().setAutoRead(inbound.isWritable());
            outbound.read();
        });
    }

    /** Whether both sides are plain epoll sockets of one loop with nothing but idle timers in their pipelines. */
    private boolean canSplice() {
        return inboundReads != null && outboundReads != null && inbound.eventLoop() == outbound.eventLoop()
                && onlyRelayIn(inbound, this) && onlyRelayIn(outbound, outbound.pipeline().last());
    }

    private static boolean onlyRelayIn(Channel ch, ChannelHandler relay) {
        for (var e : ch.pipeline()) {
            if (e.getValue() != relay && !(e.getValue() instanceof IdleStateHandler)) {
                return false;
            }
        }
        return true;
    }

    private void startSplice() {
        splicing = true;
        List<IdleStateHandler> timers = new ArrayList<>(2);
        for (var e : inbound.pipeline()) {
            if (e.getValue() instanceof IdleStateHandler t) {
                timers.add(t);
            }
        }
        idleTimers = timers;
        inboundBytes = ByteCounter.of(inbound);
        outboundBytes = ByteCounter.of(outbound);
        if (settings.spliceAnnounced.compareAndSet(false, true)) {
            log.info("tcp_proxy on listener {}: plain TCP both ways on epoll, bytes move with splice(2)", settings.listener.listenerName());
        }
        AbstractEpollStreamChannel in = (AbstractEpollStreamChannel) inbound;
        AbstractEpollStreamChannel out = (AbstractEpollStreamChannel) outbound;
        // Integer.MAX_VALUE: for the connection's life; Netty pauses the source (autoRead) while
        // the pipe's bytes wait for the target, and resumes it once they are out
        in.spliceTo(out, Integer.MAX_VALUE).addListener(this::spliceEnded);
        out.spliceTo(in, Integer.MAX_VALUE).addListener(this::spliceEnded);
        inbound.config().setAutoRead(true);
        outbound.config().setAutoRead(true);
    }

    /** A splice fails when a side breaks or closes: the other goes too. */
    private void spliceEnded(Future<? super Void> f) {
        if (!f.isSuccess()) {
            log.debug("tcp_proxy: splice {} <-> {} ended: {}", inbound.remoteAddress(), outbound.remoteAddress(), f.cause().toString());
            closeBoth();
        }
    }

    /** A read round spliced {@code bytes} into the pipe to the side of {@code to} (the side they came from counted them). */
    private static void spliced(long bytes, ByteCounter to) {
        if (bytes > 0 && to != null) {
            to.written(bytes);
        }
    }


    /**
     * After a read round of {@code from} while splicing: a round that moved bytes is activity; once
     * {@code from}'s FIN came, the first round that moves nothing into an empty pipe means all it
     * sent was taken (after the FIN, a socket without data reads as its end, and only a full pipe
     * makes an empty round otherwise), so its input is done and the FIN goes on.
     */
    private void spliceRound(Channel from, ReadCounter reads, Channel to, boolean fromInbound) {
        if (reads.lastRound() > 0) {
            for (IdleStateHandler t : idleTimers) {
                t.resetReadTimeout();
            }
            return;
        }
        if (!(fromInbound ? inboundEnded && !inboundInputShut : outboundEnded && !outboundInputShut)) {
            return;
        }
        ChannelOutboundBuffer pending = to.unsafe().outboundBuffer();
        from.config().setAutoRead(false);
        if (pending == null || pending.isEmpty()) {
            if (fromInbound) {
                inboundInputShut = true;
            } else {
                outboundInputShut = true;
            }
            halfClose(to, from);
            return;
        }
        // the pipe may be full: once what is queued to `to` left, one more round tells
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                closeBoth();
            } else if (from.isActive()) {
                from.config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inboundUnflushed = true;
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
        if (splicing) {
            if (inboundUnflushed) { // the round read into buffers, counted as they passed the pipelines
                inboundUnflushed = false;
                outbound.flush();
            } else {
                spliced(inboundReads.lastRound(), outboundBytes);
            }
            spliceRound(inbound, inboundReads, outbound, true);
            return;
        }
        if (outbound != null) {
            inboundUnflushed = false;
            outbound.flush();
            if (!outbound.isWritable()) {
                setAutoRead(inbound, inboundInputShut, false);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (outbound != null && !splicing) {
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
            if (splicing) {
                inboundEnded = true; // the bytes before the FIN may still be in the socket
                spliceRound(inbound, inboundReads, outbound, true);
                return;
            }
            inboundInputShut = true;
            halfClose(outbound, inbound);
        } else if (evt instanceof IdleStateEvent) {
            log.debug("tcp_proxy: closing idle connection {}", inbound.remoteAddress());
            if (outbound != null) {
                outbound.close(); // idle: nothing in flight worth waiting for
            }
            inbound.close();
        } else if (!(evt instanceof DrainEvent)) {
            // a draining listener closes its relayed connections when its grace period ends
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
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(false);
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            if (inboundReads != null && ctx.channel() instanceof AbstractEpollStreamChannel) {
                outboundReads = ReadCounter.install(ctx.channel());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            outboundUnflushed = true;
            if (!inbound.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            inbound.write(msg, inbound.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (splicing) {
                if (outboundUnflushed) {
                    outboundUnflushed = false;
                    inbound.flush();
                } else {
                    spliced(outboundReads.lastRound(), inboundBytes);
                }
                spliceRound(outbound, outboundReads, inbound, false);
                return;
            }
            outboundUnflushed = false;
            inbound.flush();
            if (!inbound.isWritable()) {
                setAutoRead(outbound, outboundInputShut, false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (splicing) {
                return;
            }
            setAutoRead(inbound, inboundInputShut, outbound.isWritable());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (splicing) {
                    outboundEnded = true;
                    spliceRound(outbound, outboundReads, inbound, false);
                    return;
                }
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
        private final List<CidrRange> sources;
        private final List<CidrRange> destinations;
        private final PortRanges sourcePorts;
        private final PortRanges destinationPorts;

        RouteMatch(TcpRouteConfig r, String path) {
            this.cluster = r.cluster();
            this.sources = cidrs(r.sourceAddrs(), path + ".source_addrs");
            this.destinations = cidrs(r.destinationAddrs(), path + ".destination_addrs");
            this.sourcePorts = PortRanges.parse(r.sourcePorts(), "source_ports");
            this.destinationPorts = PortRanges.parse(r.destinationPorts(), "destination_ports");
        }

        boolean matches(InetSocketAddress src, InetSocketAddress dst) {
            return anyContains(sources, src.getAddress()) && anyContains(destinations, dst.getAddress())
                    && (sourcePorts == null || sourcePorts.contains(src.getPort()))
                    && (destinationPorts == null || destinationPorts.contains(dst.getPort()));
        }

        private static List<CidrRange> cidrs(List<io.mosn4j.config.CidrConfig> configs, String path) {
            List<CidrRange> out = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                String at = path + "[" + i + "]";
                io.mosn4j.config.CidrConfig c = configs.get(i);
                out.add(CidrRange.of(CidrRange.parse(c.address(), at + ".address").network(), c.length(), at + ".length"));
            }
            return List.copyOf(out);
        }

        private static boolean anyContains(List<CidrRange> cidrs, InetAddress a) {
            if (cidrs.isEmpty()) {
                return true;
            }
            for (CidrRange c : cidrs) {
                if (c.contains(a)) {
                    return true;
                }
            }
            return false;
        }
    }
}
