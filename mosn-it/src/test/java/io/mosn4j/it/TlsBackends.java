package io.mosn4j.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Real TLS peers for the upstream tests, on Netty with the JDK's TLS engine (independent of the
 * proxy's BoringSSL): an HTTP/1.1 server answering {@code "NAME client=CN"} (the client certificate's
 * CN, or {@code none}) and a TCP echo server. Both speak TLS only.
 */
final class TlsBackends implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    final AtomicInteger handshakes = new AtomicInteger();

    private TlsBackends(SslContext ssl, ChannelInitializer<Channel> app) throws InterruptedException {
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                SslHandler h = ssl.newHandler(ch.alloc());
                h.handshakeFuture().addListener(f -> {
                    if (f.isSuccess()) {
                        handshakes.incrementAndGet();
                    }
                });
                ch.pipeline().addLast(h, app);
            }
        }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    /** A server context for {@code own}; with {@code clientCa}, client certificates it issued are required. */
    static SslContext serverContext(TestCerts.Issued own, TestCerts clientCa) throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(own.privateKey(), own.certificate()).sslProvider(SslProvider.JDK);
        if (clientCa != null) {
            b.clientAuth(ClientAuth.REQUIRE).trustManager(clientCa.ca().certificate());
        }
        return b.build();
    }

    static TlsBackends http(String name, SslContext ssl) throws InterruptedException {
        return new TlsBackends(ssl, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                        String cn = "none";
                        try {
                            var peer = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
                            cn = ((X509Certificate) peer[0]).getSubjectX500Principal().getName().replace("CN=", "");
                        } catch (SSLPeerUnverifiedException e) {
                            // no client certificate
                        }
                        byte[] body = (name + " client=" + cn).getBytes(StandardCharsets.UTF_8);
                        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length).set("x-backend", name);
                        boolean keep = HttpUtil.isKeepAlive(req);
                        HttpUtil.setKeepAlive(r, keep);
                        var f = ctx.writeAndFlush(r);
                        if (!keep) {
                            f.addListener(ChannelFutureListener.CLOSE);
                        }
                    }
                });
            }
        });
    }

    static TlsBackends echo(SslContext ssl) throws InterruptedException {
        return new TlsBackends(ssl, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush((ByteBuf) msg);
                    }
                });
            }
        });
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
