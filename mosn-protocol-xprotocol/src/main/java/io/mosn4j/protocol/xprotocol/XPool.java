package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.upstream.Cancellable;
import io.mosn4j.api.upstream.ClusterInfo;
import io.mosn4j.api.upstream.ConnectionLimitException;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.Connector;
import io.mosn4j.api.upstream.PendingRequest;
import io.mosn4j.api.upstream.PoolCallback;
import io.mosn4j.api.upstream.PoolContext;
import io.mosn4j.api.upstream.ResourceLimit;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connections of one RPC protocol to one host, owned by one event loop: no locks. A multiplexing
 * protocol shares a single connection among every request of the loop (requests wait for it while
 * it connects, as pending requests); a ping-pong one hands each request an idle connection of its
 * own, opening more as needed. ({@link PoolMode#BOUND} is served as multiplexing for now.) At the
 * cluster's {@code max_connections}, requests wait for a connection of the pool to be free; a pool
 * without any connection opens one even then, or its requests would wait for connections other
 * event loops hold. The cluster's {@code keepalive} times the heartbeats on quiet connections, its
 * {@code max_request_per_conn} retires a connection after that many requests, and its
 * {@code idle_timeout} closes a connection that carried no request for that long.
 */
final class XPool implements ConnectionPool, XClientConnection.Owner {
    private final Connector connector;
    private final ResourceLimit pending;
    private final boolean multiplex;
    private final ChannelInitializer<Channel> initializer;
    private final List<XClientConnection> connections = new ArrayList<>(1);
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final EventLoop loop;
    private final long idleNanos;
    private ScheduledFuture<?> idleSweep;
    /** Connects in progress. */
    private int connecting;
    private boolean draining;

    XPool(PoolContext context, XProtocol protocol) {
        var stats = context.stats();
        var budget = context.partialFrames();
        this.connector = context.connector();
        this.pending = context.cluster().resources().pendingRequests();
        this.multiplex = protocol.poolMode() != PoolMode.PING_PONG;
        this.loop = context.eventLoop();
        this.idleNanos = context.cluster().idleTimeout().toNanos();
        ClusterInfo cluster = context.cluster();
        long keepalive = cluster.keepAliveInterval().isZero() ? XClientConnection.KEEPALIVE_MILLIS : cluster.keepAliveInterval().toMillis();
        long answer = cluster.keepAliveTimeout().isZero() ? XClientConnection.HEARTBEAT_TIMEOUT_MILLIS : cluster.keepAliveTimeout().toMillis();
        long maxRequests = cluster.maxRequestsPerConnection();
        this.initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new IdleStateHandler(keepalive, 0, 0, TimeUnit.MILLISECONDS));
                ch.pipeline().addLast(new XClientConnection(protocol, XPool.this, stats, budget, answer, maxRequests));
            }
        };
    }

    @Override
    public Cancellable acquire(PoolCallback callback) {
        if (draining) {
            callback.onFailure(ResetReason.CONNECTION_TERMINATION, null);
            return Cancellable.DONE;
        }
        XClientConnection c = available();
        if (c != null) {
            c.reserve();
            callback.onReady(c);
            return Cancellable.DONE;
        }
        if (!pending.tryAcquire()) {
            callback.onFailure(ResetReason.OVERFLOW, null);
            return Cancellable.DONE;
        }
        PendingRequest w = new PendingRequest(callback, pending);
        waiting.add(w);
        if ((!multiplex || connecting == 0) && mayConnect()) {
            connect();
        }
        return w;
    }

    private boolean mayConnect() {
        return (connections.isEmpty() && connecting == 0) || connector.canConnect();
    }

    private XClientConnection available() {
        for (int i = connections.size() - 1; i >= 0; i--) {
            XClientConnection c = connections.get(i);
            if (c.isActive() && !c.exhausted() && (multiplex || c.streams() == 0)) {
                return c;
            }
        }
        return null;
    }

    private void connect() {
        boolean first = connections.isEmpty() && connecting == 0;
        Future<Channel> f = first ? connector.connectFirst(initializer, 64 * 1024) : connector.connect(initializer, 64 * 1024);
        connecting++;
        f.addListener(done -> {
            connecting--;
            if (!done.isSuccess()) {
                if (done.cause() instanceof ConnectionLimitException && !connections.isEmpty()) {
                    return; // another event loop took the last connection meanwhile: wait for one of ours
                }
                if (connecting == 0 || !multiplex) {
                    // nothing else on its way: the waiters (one, for ping-pong) learn now
                    failPendingRequests(done.cause(), multiplex ? Integer.MAX_VALUE : 1);
                }
                return;
            }
            XClientConnection c = f.getNow().pipeline().get(XClientConnection.class);
            if (draining) {
                c.channel().close();
                return;
            }
            connections.add(c);
            serveWaiting();
            sweepLater();
        });
    }

    /** With {@code idle_timeout}, checks again when the connection idle the longest is due to close. */
    private void sweepLater() {
        if (idleNanos <= 0 || idleSweep != null || connections.isEmpty() || draining) {
            return;
        }
        long oldest = Long.MAX_VALUE;
        long now = System.nanoTime();
        for (XClientConnection c : connections) {
            oldest = Math.min(oldest, c.streams() == 0 ? c.idleSince : now);
        }
        long delay = Math.max(0, oldest + idleNanos - now);
        idleSweep = loop.schedule(this::sweepIdle, Math.max(delay, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
    }

    private void sweepIdle() {
        idleSweep = null;
        long now = System.nanoTime();
        for (XClientConnection c : connections.toArray(XClientConnection[]::new)) {
            if (c.streams() == 0 && now - c.idleSince >= idleNanos) {
                c.channel().close(); // closed() takes it out of the pool
            }
        }
        sweepLater();
    }

    private void failPendingRequests(Throwable cause, int max) {
        PendingRequest w;
        while (max > 0 && (w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onFailure(ResetReason.CONNECT_FAILURE, cause);
                max--;
            }
        }
    }

    private void serveWaiting() {
        while (!waiting.isEmpty()) {
            PendingRequest w = waiting.peek();
            if (w.isCancelled()) {
                waiting.poll();
                continue;
            }
            XClientConnection c = available();
            if (c == null) {
                break;
            }
            waiting.poll();
            w.take();
            c.reserve();
            w.callback().onReady(c);
        }
        if (!waiting.isEmpty() && !draining && (!multiplex || connecting == 0) && mayConnect()) {
            connect(); // the connection closed while handing out, or ping-pong needs one more
        }
    }

    @Override
    public void released(XClientConnection connection) {
        // a ping-pong connection is free again; multiplexed ones always were
        if (draining && connection.streams() == 0) {
            connection.channel().close();
        } else if (!waiting.isEmpty()) {
            serveWaiting();
        } else if (connection.streams() == 0) {
            sweepLater();
        }
    }

    @Override
    public void closed(XClientConnection connection) {
        connections.remove(connection);
        if (!waiting.isEmpty() && !draining) {
            serveWaiting();
        }
    }

    @Override
    public void drain() {
        draining = true;
        if (idleSweep != null) {
            idleSweep.cancel(false);
            idleSweep = null;
        }
        PendingRequest w;
        while ((w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onFailure(ResetReason.CONNECTION_TERMINATION, null);
            }
        }
        for (XClientConnection c : connections.toArray(XClientConnection[]::new)) {
            if (c.streams() == 0) {
                c.channel().close();
            }
        }
    }

    @Override
    public boolean isEmpty() {
        return connections.isEmpty() && connecting == 0 && waiting.isEmpty();
    }

    int connectionCount() {
        return connections.size();
    }
}
