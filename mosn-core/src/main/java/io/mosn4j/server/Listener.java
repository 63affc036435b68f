package io.mosn4j.server;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.config.SocketAddresses;
import io.mosn4j.network.ByteCounter;
import io.mosn4j.network.Transport;
import io.mosn4j.stats.ListenerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener of the running proxy: its bound socket, the current version of its processing
 * ({@link ListenerChains}) and the connections it accepted, grouped by the version they started
 * with. An update swaps the version: new connections get it, connections of older versions are
 * asked to drain ({@link DrainEvent}) and closed when they are done or the grace period ends.
 */
final class Listener {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);

    /**
     * One read of at most 64 KiB per connection per event-loop turn. Netty's default reads up to 16
     * times (1 MiB) before the loop moves on, so one client packing cheap frames (HTTP/2 PING or
     * SETTINGS, pipelined requests) could hold every other connection of its loop for the time
     * ~100,000 frames take; with one read the loop serves the others between reads. Bulk bodies lose
     * nothing: 64 KiB is also the write high-water mark that pauses reading when the peer lags.
     */
    private static final RecvByteBufAllocator FAIR_READS =
            new AdaptiveRecvByteBufAllocator(64, 2048, 64 * 1024).maxMessagesPerRead(1);

    private final String name;
    private final Duration grace;
    /** This listener's {@code max_connections}, across the versions of its config. */
    private final ConnectionLimit connections;
    private volatile Generation current;
    private final List<Generation> draining = new ArrayList<>();
    /** The bound sockets: one per worker loop (SO_REUSEPORT), or one on one of the worker loops. */
    private final List<Channel> servers = new java.util.concurrent.CopyOnWriteArrayList<>();

    Listener(ListenerChains chains, Duration grace) {
        this.name = chains.config().name();
        this.grace = grace;
        this.current = new Generation(chains);
        this.connections = new ConnectionLimit(chains.config().maxConnections());
    }

    String name() {
        return name;
    }

    ListenerConfig config() {
        return current.chains.config();
    }

    /**
     * Binds the listener's address; throws ConfigException when it cannot. Accepted connections pass
     * {@code shared}'s limits first ({@link AcceptGate}).
     *
     * <p>With {@code reuseport} (and the epoll transport) each worker loop gets a socket of its own
     * on the address ({@code SO_REUSEPORT}): the kernel spreads new connections over the sockets, and
     * a loop accepts and serves its own, without handing any to another loop (a task queued to
     * another thread and a wake-up of its loop per connection). Otherwise one socket, read by one of
     * the worker loops, which hands connections to the workers in turn (itself included). Not by a
     * thread of its own: on a machine with as many workers as cores that thread takes turns on a
     * worker's core, and its switches in and out cost each new connection ~11% more CPU than
     * accepting on the worker (README, "new connection per request").
     */
    void bind(Transport transport, EventLoopGroup workers, String path, AcceptGate.Shared shared) {
        ListenerConfig config = config();
        InetSocketAddress unresolved = SocketAddresses.parse(config.address(), path + ".address");
        InetSocketAddress addr = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        if (Boolean.TRUE.equals(config.reuseport()) && !transport.reusePort()) {
            log.warn("listener {}: reuseport needs the epoll transport ({} here); one socket accepts for every worker", name, transport.name());
        }
        if (!config.reusesPort() || !transport.reusePort()) {
            servers.add(bindOne(bootstrap(transport, workers.next(), workers, shared), addr, config, path));
            return;
        }
        if (addr.getPort() != 0) {
            refuseIfHeld(addr, config, path);
        }
        try {
            for (EventExecutor e : workers) {
                EventLoop loop = (EventLoop) e;
                ServerBootstrap b = bootstrap(transport, loop, loop, shared).option(EpollChannelOption.SO_REUSEPORT, true);
                Channel ch = bindOne(b, addr, config, path);
                servers.add(ch);
                if (addr.getPort() == 0) {
                    addr = new InetSocketAddress(addr.getAddress(), ((InetSocketAddress) ch.localAddress()).getPort()); // the rest share the port chosen
                }
            }
        } catch (ConfigException e) {
            unbind();
            throw e;
        }
    }

    /**
     * Fails as a plain bind would when another socket already listens on {@code addr}: sockets with
     * {@code SO_REUSEPORT} of the same user share an address without a word, so a second mosn
     * started on the same config (or anything else of that user asking for the option) would
     * otherwise take half the connections unnoticed. A socket without the option (and with
     * SO_REUSEADDR, so that connections in TIME_WAIT do not count) binds only where no socket
     * listens; it is closed at once. It is a TCP socket bound but never listening: a listening
     * probe would take a client's connection made in that moment (one polling the port while mosn
     * starts) and reset it as it closes.
     */
    private static void refuseIfHeld(InetSocketAddress addr, ListenerConfig config, String path) {
        try (Socket probe = new Socket()) {
            probe.setReuseAddress(true);
            probe.bind(addr);
        } catch (IOException e) {
            throw new ConfigException(path + ".address", "cannot listen on " + config.address() + ": " + e.getMessage());
        }
    }

    private ServerBootstrap bootstrap(Transport transport, EventLoopGroup parent, EventLoopGroup children, AcceptGate.Shared shared) {
        return new ServerBootstrap()
                .group(parent, children)
                .channel(transport.serverChannel())
                .handler(new AcceptGate(name, connections, shared))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // TCP_NODELAY: on for every accepted connection without asking (the epoll listener sets
                // it on the listening socket, which Linux copies; NIO's socket config sets it)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, FAIR_READS)
                .childHandler(new Accept());
    }

    /**
     * Sets up each accepted connection as it registers with its loop, and leaves its pipeline. Netty's
     * {@code ChannelInitializer} does the same but keeps a concurrent set of the contexts it is
     * initialising (an entry and an identity hash per connection) in case it runs twice for one
     * channel, which cannot happen here: the acceptor adds it to a channel not yet registered, so
     * its {@code handlerAdded} runs once, at the registration.
     */
    @ChannelHandler.Sharable
    private final class Accept extends ChannelHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            ctx.pipeline().remove(this);
            try {
                accept(ch);
            } catch (RuntimeException e) {
                log.warn("listener {}: closing connection {}, which could not be set up", name, ch, e);
                ch.close();
            }
        }
    }

    private static Channel bindOne(ServerBootstrap b, InetSocketAddress addr, ListenerConfig config, String path) {
        var f = b.bind(addr).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new ConfigException(path + ".address", "cannot listen on " + config.address() + ": " + f.cause().getMessage());
        }
        return f.channel();
    }

    /** A new connection: it belongs to the current version for its whole life. */
    private void accept(Channel ch) {
        Generation g = current;
        g.connections.add(ch);
        if (g.bytes != null) {
            ListenerMetrics m = g.chains.metrics();
            m.connectionTotal.inc();
            m.connectionActive.inc();
            g.bytes.install(ch); // at the socket: the listener filters' bytes and TLS records count too
            ch.closeFuture().addListener(g.closed);
        }
        ListenerConfig config = g.chains.config();
        Duration idle = config.connectionIdleTimeout();
        if (idle != null && !idle.isZero()) {
            ch.pipeline().addLast(new IdleStateHandler(0, 0, idle.toNanos(), TimeUnit.NANOSECONDS));
        }
        if (g.chains.direct()) {
            g.chains.chains().getFirst().install(ch);
        } else {
            ch.pipeline().addLast(new ListenerFilterHandler(g.chains));
        }
    }

    boolean isBound() {
        return !servers.isEmpty();
    }

    /** The port bound (useful with port 0), or -1. */
    int port() {
        return servers.isEmpty() ? -1 : ((InetSocketAddress) servers.getFirst().localAddress()).getPort();
    }

    String boundAddress() {
        return servers.isEmpty() ? config().address() : String.valueOf(servers.getFirst().localAddress());
    }

    /** Takes {@code chains} for new connections; the connections of the version before drain. */
    synchronized void update(ListenerChains chains) {
        Generation old = current;
        current = new Generation(chains);
        connections.max(chains.config().maxConnections());
        retire(old);
    }

    private synchronized void retire(Generation g) {
        draining.add(g);
        g.drain();
        io.netty.util.concurrent.ScheduledFuture<?> graceOver = GlobalEventExecutor.INSTANCE.schedule(() -> {
            if (!g.connections.isEmpty()) {
                log.info("listener {}: grace period over; closing {} connections of its previous config", name, g.connections.size());
                g.connections.close();
            }
            forget(g);
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
        // once they all closed, the timer goes: its (non-daemon) thread would hold a stopping process for the grace period
        g.connections.newCloseFuture().addListener(done -> {
            graceOver.cancel(false);
            forget(g);
        });
    }

    private synchronized void forget(Generation g) {
        if (g.connections.isEmpty()) {
            draining.remove(g);
        }
    }

    /** Stops accepting; blocks until the socket is closed. */
    void unbind() {
        for (Channel ch : servers) {
            ch.close().awaitUninterruptibly();
        }
        servers.clear();
    }

    /** Asks every connection to finish what it is doing and close. */
    synchronized void drain() {
        current.drain();
        draining.forEach(Generation::drain);
    }

    /** Requests in flight on every version's connections. */
    synchronized long activeStreams() {
        long n = current.chains.activeStreams();
        for (Generation g : draining) {
            n += g.chains.activeStreams();
        }
        return n;
    }

    synchronized int connections() {
        int n = current.connections.size();
        for (Generation g : draining) {
            n += g.connections.size();
        }
        return n;
    }

    /** Closes every connection now. */
    synchronized void closeConnections() {
        current.connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Generation g : draining) {
            g.connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** One version of the listener and the connections that started with it. */
    private static final class Generation {
        final ListenerChains chains;
        final ChannelGroup connections = new DefaultChannelGroup("downstream", GlobalEventExecutor.INSTANCE);
        /** Counts its connections' bytes (shared by them), or null: the listener's metrics are not kept. */
        final ByteCounter bytes;
        /** A connection's end, in the listener's metrics. */
        final ChannelFutureListener closed;

        Generation(ListenerChains chains) {
            this.chains = chains;
            ListenerMetrics m = chains.metrics();
            this.bytes = m.enabled() ? new ByteCounter(m.bytesReadTotal, m.bytesWriteTotal) : null;
            this.closed = f -> {
                m.connectionActive.dec();
                m.connectionDestroy.inc();
            };
        }

        void drain() {
            for (Channel ch : connections) {
                ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE));
            }
        }
    }
}
