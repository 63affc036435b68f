package io.mosn4j.upstream;

import io.mosn4j.config.Http2Options;
import io.mosn4j.server.Transport;
import io.mosn4j.stream.http2.Http2ClientConnection;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * h2c (prior knowledge) connections to one host, owned by one event loop: no locks. Streams are
 * packed onto the oldest connection with a free slot (the server's SETTINGS_MAX_CONCURRENT_STREAMS);
 * when every connection is full, requests wait for a slot while one more connection opens. A
 * connection that received GOAWAY takes no new streams and closes when its last one ends.
 */
public final class Http2Pool implements ConnectionPool, Http2ClientConnection.Owner {
    private final Bootstrap bootstrap;
    private final Host host;
    private final List<Http2ClientConnection> connections = new ArrayList<>(2);
    private final ArrayDeque<Callback> waiting = new ArrayDeque<>();
    /** Connections opening: TCP connect or the server's first SETTINGS still to come. */
    private int connecting;

    public Http2Pool(EventLoop loop, Transport transport, Host host, Cluster cluster) {
        this.host = host;
        long settingsTimeout = Math.max(1, cluster.connectTimeout().toMillis());
        Http2Options options = cluster.http2Options();
        this.bootstrap = cluster.bootstrap(loop, transport, 64 * 1024)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Http2ClientConnection.install(ch.pipeline(), Http2Pool.this, settingsTimeout, options);
                    }
                });
    }

    @Override
    public void acquire(Callback callback) {
        Http2ClientConnection c = available();
        if (c != null) {
            c.reserve();
            callback.onReady(c);
            return;
        }
        waiting.add(callback);
        if (connecting == 0) {
            connect();
        }
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
        connecting++;
        ChannelFuture f = bootstrap.connect(host.socketAddress());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connecting--;
                connectFailed(done.cause());
            }
            // on success the connection reports ready() at the server's SETTINGS, or closed()
        });
    }

    private void connectFailed(Throwable cause) {
        if (connecting > 0) {
            return; // another connection is on its way for the waiting requests
        }
        Callback cb;
        while ((cb = waiting.poll()) != null) {
            cb.onFailure(cause);
        }
    }

    /** Hands free slots to waiting requests; opens one more connection if some still wait. */
    private void serveWaiting() {
        while (!waiting.isEmpty()) {
            Http2ClientConnection c = available();
            if (c == null) {
                break;
            }
            c.reserve();
            waiting.poll().onReady(c);
        }
        if (!waiting.isEmpty() && connecting == 0) {
            connect();
        }
    }

    @Override
    public void ready(Http2ClientConnection connection) {
        connecting--;
        connections.add(connection);
        serveWaiting();
    }

    @Override
    public void capacity(Http2ClientConnection connection) {
        if (!waiting.isEmpty()) {
            serveWaiting();
        }
    }

    @Override
    public void goingAway(Http2ClientConnection connection) {
        connections.remove(connection);
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
            connectFailed(new ConnectException("upstream " + host + " closed the connection before its HTTP/2 SETTINGS"));
        }
    }

    public int connectionCount() {
        return connections.size();
    }
}
