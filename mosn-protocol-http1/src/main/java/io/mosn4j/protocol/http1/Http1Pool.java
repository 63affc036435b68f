package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.upstream.Cancellable;
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
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to one host, owned by one event loop: no locks. Idle connections
 * are reused newest first (warmest); a connection the upstream closed leaves the pool. Each request
 * without an idle connection opens one, unless the cluster's {@code max_connections} is reached:
 * then it waits (as a pending request, bounded by {@code max_pending_requests}) for a connection to
 * come back. A pool without any connection opens one even then, or its requests would wait for
 * connections other event loops hold. With the cluster's {@code idle_timeout}, a connection idle
 * that long is closed. When the upstream closes a connection under a request, the idle ones are
 * closed too (they are likely as dead: the upstream restarted), so the retry of that request
 * opens a fresh connection rather than taking another stale one.
 */
final class Http1Pool implements ConnectionPool, Http1ClientConnection.Owner {
    private final PoolContext context;
    private final Connector connector;
    private final ResourceLimit pending;
    private final long maxRequests;
    private final ArrayDeque<Http1ClientConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private final ChannelInitializer<Channel> initializer;
    /** Connections open or opening: the pool is not empty while any is. */
    private int connections;
    private boolean draining;
    private final long idleNanos;
    private ScheduledFuture<?> idleSweep;

    Http1Pool(PoolContext context) {
        this.context = context;
        this.idleNanos = context.cluster().idleTimeout().toNanos();
        this.connector = context.connector();
        this.pending = context.cluster().resources().pendingRequests();
        this.maxRequests = context.cluster().maxRequestsPerConnection();
        this.initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Http1ResponseDecoder(SmallHeadersFactory.decoderConfig()
                        .setMaxInitialLineLength(8192).setMaxHeaderSize(65536).setMaxChunkSize(65536)));
                ch.pipeline().addLast(new Http1ClientConnection(Http1Pool.this, maxRequests));
            }
        };
    }

    @Override
    public Cancellable acquire(PoolCallback callback) {
        if (draining) {
            callback.onFailure(ResetReason.CONNECTION_TERMINATION, null);
            return Cancellable.DONE;
        }
        Http1ClientConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.isActive()) {
                callback.onReady(c);
                return Cancellable.DONE;
            }
        }
        if (!pending.tryAcquire()) {
            callback.onFailure(ResetReason.OVERFLOW, null);
            return Cancellable.DONE;
        }
        Waiter w = new Waiter(callback);
        if (mayConnect()) {
            connect(w);
        } else {
            waiting.add(w); // served when a connection comes back idle
        }
        return w;
    }

    private boolean mayConnect() {
        return connections == 0 || connector.canConnect();
    }

    private void connect(Waiter w) {
        Future<Channel> f = connections == 0 ? connector.connectFirst(initializer, 1024) : connector.connect(initializer, 1024);
        connections++;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connections--;
                if (done.cause() instanceof ConnectionLimitException && connections > 0 && !draining) {
                    // another event loop took the last connection meanwhile: wait for one of ours
                    if (w.isWaiting()) {
                        waiting.add(w);
                    }
                    return;
                }
                if (w.take()) {
                    w.callback().onFailure(ResetReason.CONNECT_FAILURE, done.cause());
                }
                connectWaiting();
                return;
            }
            Http1ClientConnection c = f.getNow().pipeline().get(Http1ClientConnection.class);
            if (w.take()) {
                w.callback().onReady(c);
            } else {
                release(c); // its request gave up meanwhile: someone else may use it
            }
        });
    }

    @Override
    public void release(Http1ClientConnection connection) {
        if (draining) {
            connection.close();
            return;
        }
        Waiter w;
        while ((w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onReady(connection);
                return;
            }
        }
        idle.addLast(connection);
        if (idleNanos > 0) {
            connection.idleSince = System.nanoTime();
            sweepLater();
        }
    }

    /** Checks again when the connection idle the longest (the first of the queue) is due to close. */
    private void sweepLater() {
        Http1ClientConnection oldest = idle.peekFirst();
        if (idleSweep != null || oldest == null || draining) {
            return;
        }
        long delay = Math.max(0, oldest.idleSince + idleNanos - System.nanoTime());
        idleSweep = context.eventLoop().schedule(this::sweepIdle, delay, TimeUnit.NANOSECONDS);
    }

    private void sweepIdle() {
        idleSweep = null;
        long now = System.nanoTime();
        Http1ClientConnection c;
        while ((c = idle.peekFirst()) != null && now - c.idleSince >= idleNanos) {
            idle.pollFirst();
            c.close(); // closed() counts it out
        }
        sweepLater();
    }

    @Override
    public void closed(Http1ClientConnection connection) {
        connections--;
        idle.remove(connection);
        if (connection.diedUnderRequest() && connection.reused()) {
            Http1ClientConnection c;
            while ((c = idle.poll()) != null) {
                c.close();
            }
        }
        connectWaiting();
    }

    /** A connection slot freed (or none of ours is left): requests waiting for one may open their own. */
    private void connectWaiting() {
        while (!draining && !waiting.isEmpty() && mayConnect()) {
            Waiter w = waiting.poll();
            if (!w.isCancelled()) {
                connect(w);
            }
        }
    }

    @Override
    public void drain() {
        draining = true;
        if (idleSweep != null) {
            idleSweep.cancel(false);
            idleSweep = null;
        }
        Http1ClientConnection c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
        Waiter w;
        while ((w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onFailure(ResetReason.CONNECTION_TERMINATION, null);
            }
        }
    }

    @Override
    public boolean isEmpty() {
        return connections == 0 && waiting.isEmpty();
    }

    int idleCount() {
        return idle.size();
    }

    /** A request waiting for a connection; a cancelled one leaves the queue. */
    private final class Waiter extends PendingRequest {
        Waiter(PoolCallback callback) {
            super(callback, pending);
        }

        @Override
        protected void onCancel() {
            waiting.remove(this);
        }
    }
}
