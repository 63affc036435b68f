package io.mosn4j.protocol.http2;

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
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * h2c (prior knowledge) connections to one host, owned by one event loop: no locks. Streams are
 * packed onto the oldest connection with a free slot (the server's SETTINGS_MAX_CONCURRENT_STREAMS);
 * when every connection is full, requests wait for a slot (as pending requests) while one more
 * connection opens. A connection that received GOAWAY takes no new streams and closes when its
 * last one ends. At the cluster's {@code max_connections}, requests wait for a slot on the pool's
 * connections; a pool without any usable connection opens one even then, or its requests would
 * wait for connections other event loops hold. The cluster's {@code max_request_per_conn} retires a
 * connection after that many streams; its {@code idle_timeout} closes one that carried no stream
 * for that long.
 */
final class Http2Pool implements ConnectionPool, Http2ClientConnection.Owner {
    private final Connector connector;
    private final ResourceLimit pending;
    private final ChannelInitializer<Channel> initializer;
    private final List<Http2ClientConnection> connections = new ArrayList<>(2);
    /** Connections that received GOAWAY and still carry streams. */
    private int goingAway;
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    /** Connections opening: TCP connect or the server's first SETTINGS still to come. */
    private int connecting;
    private boolean draining;
    private final EventLoop loop;
    private final long idleNanos;
    private ScheduledFuture<?> idleSweep;

    Http2Pool(PoolContext context) {
        this.connector = context.connector();
        this.pending = context.cluster().resources().pendingRequests();
        this.loop = context.eventLoop();
        this.idleNanos = context.cluster().idleTimeout().toNanos();
        long settingsTimeout = Math.max(1, context.cluster().connectTimeout().toMillis());
        long maxRequests = context.cluster().maxRequestsPerConnection();
        Http2Options options = context.options() instanceof Http2Options o ? o : Http2Options.DEFAULTS;
        this.initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                Http2ClientConnection.install(ch.pipeline(), Http2Pool.this, settingsTimeout, options, maxRequests);
            }
        };
    }

    /** With {@code idle_timeout}, checks again when the connection idle the longest is due to close. */
    private void sweepLater() {
        if (idleNanos <= 0 || idleSweep != null || connections.isEmpty() || draining) {
            return;
        }
        long now = System.nanoTime();
        long oldest = now;
        for (Http2ClientConnection c : connections) {
            if (c.streams() == 0) {
                oldest = Math.min(oldest, c.idleSince);
            }
        }
        long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(10), oldest + idleNanos - now);
        idleSweep = loop.schedule(this::sweepIdle, delay, TimeUnit.NANOSECONDS);
    }

    private void sweepIdle() {
        idleSweep = null;
        long now = System.nanoTime();
        for (Http2ClientConnection c : connections.toArray(Http2ClientConnection[]::new)) {
            if (c.streams() == 0 && now - c.idleSince >= idleNanos) {
                c.channel().close(); // closed() takes it out of the pool
            }
        }
        sweepLater();
    }

    @Override
    public Cancellable acquire(PoolCallback callback) {
        if (draining) {
            callback.onFailure(ResetReason.CONNECTION_TERMINATION, null);
            return Cancellable.DONE;
        }
        Http2ClientConnection c = available();
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
        if (connecting == 0) {
            connect();
        }
        return w;
    }

    private Http2ClientConnection available() {
        for (int i = 0; i < connections.size(); i++) {
            Http2ClientConnection c = connections.get(i);
            if (c.hasCapacity()) {
                return c;
            }
        }
        return null;
    }

    private void connect() {
        boolean first = connections.isEmpty() && connecting == 0;
        if (!first && !connector.canConnect()) {
            return; // max_connections: the waiting requests wait for a slot on an existing connection
        }
        Future<Channel> f = first ? connector.connectFirst(initializer, 64 * 1024) : connector.connect(initializer, 64 * 1024);
        connecting++;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connecting--;
                if (done.cause() instanceof ConnectionLimitException && !connections.isEmpty()) {
                    return; // another event loop took the last connection meanwhile: wait for a slot on ours
                }
                connectFailed(done.cause());
            }
            // on success the connection reports ready() at the server's SETTINGS, or closed()
        });
    }

    private void connectFailed(Throwable cause) {
        if (connecting > 0) {
            return; // another connection is on its way for the waiting requests
        }
        PendingRequest w;
        while ((w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onFailure(ResetReason.CONNECT_FAILURE, cause);
            }
        }
    }

    /** Hands free slots to waiting requests; opens one more connection if some still wait. */
    private void serveWaiting() {
        while (!waiting.isEmpty()) {
            PendingRequest w = waiting.peek();
            if (w.isCancelled()) {
                waiting.poll();
                continue;
            }
            Http2ClientConnection c = available();
            if (c == null) {
                break;
            }
            waiting.poll();
            w.take();
            c.reserve();
            w.callback().onReady(c);
        }
        if (!waiting.isEmpty() && connecting == 0 && !draining) {
            connect();
        }
    }

    @Override
    public void ready(Http2ClientConnection connection) {
        connecting--;
        if (draining) {
            connection.channel().close();
            return;
        }
        connections.add(connection);
        serveWaiting();
        sweepLater();
    }

    @Override
    public void capacity(Http2ClientConnection connection) {
        if (!waiting.isEmpty()) {
            serveWaiting();
        } else if (connection.streams() == 0) {
            sweepLater();
        }
    }

    @Override
    public void goingAway(Http2ClientConnection connection) {
        if (connections.remove(connection)) {
            goingAway++;
        }
        if (!waiting.isEmpty()) {
            serveWaiting();
        }
    }

    @Override
    public void closed(Http2ClientConnection connection) {
        if (connections.remove(connection)) {
            if (!waiting.isEmpty()) {
                serveWaiting();
            }
        } else if (!connection.isReady()) {
            // connected but closed before its SETTINGS: not an h2c server, or it gave up on us
            connecting--;
            connectFailed(new ConnectException("upstream " + connector + " closed the connection before its HTTP/2 SETTINGS"));
        } else if (goingAway > 0) {
            goingAway--;
            if (!waiting.isEmpty() && !draining) {
                serveWaiting(); // its connection slot is free: requests waiting at max_connections may open one
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
        PendingRequest w;
        while ((w = waiting.poll()) != null) {
            if (w.take()) {
                w.callback().onFailure(ResetReason.CONNECTION_TERMINATION, null);
            }
        }
        for (Http2ClientConnection c : connections.toArray(Http2ClientConnection[]::new)) {
            c.goAwayReceived(); // no new streams; closes when its last one ends
            if (c.streams() == 0) {
                c.channel().close();
            }
        }
    }

    @Override
    public boolean isEmpty() {
        return connections.isEmpty() && goingAway == 0 && connecting == 0 && waiting.isEmpty();
    }

    int connectionCount() {
        return connections.size();
    }
}
