package io.mosn4j.upstream;

import io.mosn4j.server.Transport;
import io.mosn4j.stream.http1.Http1ClientConnection;
import io.mosn4j.stream.http1.Http1ResponseDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.util.ArrayDeque;

/**
 * Keep-alive HTTP/1.1 connections to one host, owned by one event loop: no locks. Idle
 * connections are reused newest first (warmest); a connection the upstream closed leaves the pool.
 */
public final class Http1Pool implements ConnectionPool, Http1ClientConnection.Owner {

    /** The result of {@link #acquire}: called on the pool's event loop. */
    public interface Callback extends ConnectionPool.Callback {}

    private final Bootstrap bootstrap;
    private final Host host;
    private final long maxRequests;
    private final ArrayDeque<Http1ClientConnection> idle = new ArrayDeque<>();

    public Http1Pool(EventLoop loop, Transport transport, Host host, Cluster cluster) {
        this.host = host;
        this.maxRequests = cluster.maxRequestsPerConnection();
        this.bootstrap = cluster.bootstrap(loop, transport, 1024)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Http1ResponseDecoder(new HttpDecoderConfig()
                                .setMaxInitialLineLength(8192).setMaxHeaderSize(65536).setMaxChunkSize(65536)));
                        ch.pipeline().addLast(new Http1ClientConnection(Http1Pool.this, maxRequests));
                    }
                });
    }

    @Override
    public void acquire(ConnectionPool.Callback callback) {
        Http1ClientConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.isActive()) {
                callback.onReady(c);
                return;
            }
        }
        ChannelFuture f = bootstrap.connect(host.socketAddress());
        f.addListener(done -> {
            if (done.isSuccess()) {
                callback.onReady(f.channel().pipeline().get(Http1ClientConnection.class));
            } else {
                callback.onFailure(done.cause());
            }
        });
    }

    @Override
    public void release(Http1ClientConnection connection) {
        idle.addLast(connection);
    }

    @Override
    public void closed(Http1ClientConnection connection) {
        idle.remove(connection);
    }

    public int idleCount() {
        return idle.size();
    }
}
