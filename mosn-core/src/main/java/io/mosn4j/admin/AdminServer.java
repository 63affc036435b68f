package io.mosn4j.admin;

import io.mosn4j.config.AdminConfig;
import io.mosn4j.config.ConfigException;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.server.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** MOSN's admin API on its own port. Today: {@code GET /api/v1/config_dump}. */
public final class AdminServer {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final Channel channel;

    private AdminServer(Channel channel) {
        this.channel = channel;
    }

    public static AdminServer start(LoadedConfig loaded, EventLoopGroup group, Transport transport) {
        AdminConfig.SocketAddressConfig sa = loaded.config().admin().address().socketAddress();
        byte[] dump;
        try {
            dump = ConfigLoader.mapper().writeValueAsBytes(loaded.config());
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Handler(dump));
                    }
                });
        var f = b.bind(new InetSocketAddress(sa.address(), sa.portValue())).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new ConfigException("admin.address.socket_address", "cannot listen on " + sa.address() + ":" + sa.portValue() + ": " + f.cause().getMessage());
        }
        log.info("admin API on {}", f.channel().localAddress());
        return new AdminServer(f.channel());
    }

    public void close() {
        channel.close().awaitUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] configDump;

        Handler(byte[] configDump) {
            this.configDump = configDump;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).path();
            FullHttpResponse resp;
            if (path.equals("/api/v1/config_dump")) {
                resp = req.method().equals(HttpMethod.GET)
                        ? respond(HttpResponseStatus.OK, "application/json", configDump)
                        : respond(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "use GET\n".getBytes(StandardCharsets.UTF_8));
            } else {
                resp = respond(HttpResponseStatus.NOT_FOUND, "text/plain", ("no admin API at " + path + "\n").getBytes(StandardCharsets.UTF_8));
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse respond(HttpResponseStatus status, String type, byte[] body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return r;
        }
    }
}
