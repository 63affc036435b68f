package io.mosn4j.upstream;

import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.server.Transport;
import io.mosn4j.stream.xprotocol.XClientConnection;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connections of one RPC protocol to one host, owned by one event loop: no locks. A multiplexing
 * protocol shares a single connection among every request of the loop (requests wait for it while
 * it connects); a ping-pong one hands each request an idle connection of its own, opening more as
 * needed. ({@link PoolMode#BOUND} is served as multiplexing for now.)
 */
public final class XPool implements ConnectionPool, XClientConnection.Owner {
    private final Bootstrap bootstrap;
    private final Host host;
    private final boolean multiplex;
    private final List<XClientConnection> connections = new ArrayList<>(1);
    private final ArrayDeque<Callback> waiting = new ArrayDeque<>();
    private boolean connecting;

    public XPool(EventLoop loop, Transport transport, Host host, Cluster cluster, XProtocol protocol) {
        this.host = host;
        this.multiplex = protocol.poolMode() != PoolMode.PING_PONG;
        this.bootstrap = cluster.bootstrap(loop, transport, 64 * 1024)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(XClientConnection.KEEPALIVE_MILLIS, 0, 0, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast(new XClientConnection(protocol, XPool.this));
                    }
                });
    }

    @Override
    public void acquire(Callback callback) {
        XClientConnection c = available();
        if (c != null) {
            c.reserve();
            callback.onReady(c);
            return;
        }
        if (multiplex) {
            waiting.add(callback);
            if (!connecting) {
                connecting = true;
                connect(null);
            }
        } else {
            connect(callback);
        }
    }

    private XClientConnection available() {
        for (int i = connections.size() - 1; i >= 0; i--) {
            XClientConnection c = connections.get(i);
            if (c.isActive() && (multiplex || c.streams() == 0)) {
                return c;
            }
        }
        return null;
    }

    /** Opens a connection: for {@code callback} alone (ping-pong), or for everyone waiting (null). */
    private void connect(Callback callback) {
        ChannelFuture f = bootstrap.connect(host.socketAddress());
        f.addListener(done -> {
            if (callback == null) {
                connecting = false;
            }
            if (!done.isSuccess()) {
                if (callback != null) {
                    callback.onFailure(done.cause());
                    return;
                }
                Callback cb;
                while ((cb = waiting.poll()) != null) {
                    cb.onFailure(done.cause());
                }
                return;
            }
            XClientConnection c = f.channel().pipeline().get(XClientConnection.class);
            connections.add(c);
            if (callback != null) {
                c.reserve();
                callback.onReady(c);
                return;
            }
            Callback cb;
            while ((cb = waiting.poll()) != null && c.isActive()) {
                c.reserve();
                cb.onReady(c);
            }
            if (cb != null) {
                waiting.addFirst(cb); // closed while handing out: try again
                connecting = true;
                connect(null);
            }
        });
    }

    @Override
    public void released(XClientConnection connection) {
        // a ping-pong connection is free again; multiplexed ones always were
    }

    @Override
    public void closed(XClientConnection connection) {
        connections.remove(connection);
    }

    public int connectionCount() {
        return connections.size();
    }
}
