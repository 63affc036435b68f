package io.mosn4j.admin;

import io.mosn4j.api.admin.AdminApi;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.AdminConfig;
import io.mosn4j.network.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MOSN's admin API on its own port: a path per {@link Handler}. Handlers run on virtual threads,
 * never on the event loop, so one may rebuild config and wait for the workers to take it.
 */
public final class AdminServer {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** The most a request body may be: an update of one listener, router or cluster. */
    private static final int MAX_BODY = 4 << 20;

    /** One admin API path. */
    @FunctionalInterface
    public interface Handler {
        /** Answers one request; a {@link ConfigException} becomes a 400 with its message. */
        AdminApi.Response handle(AdminApi.Request request) throws Exception;
    }

    /** An admin answer: {@link AdminApi.Response}. */
    public static final class Response {
        private Response() {}

        public static AdminApi.Response json(byte[] body) {
            return AdminApi.Response.json(body);
        }

        public static AdminApi.Response text(int status, String text) {
            return AdminApi.Response.text(status, text);
        }
    }

    private final Channel channel;
    /** The paths served, shared by every connection: {@link #serve} adds one while the server runs. */
    private final Map<String, Handler> routes;

    private AdminServer(Channel channel, Map<String, Handler> routes) {
        this.channel = channel;
        this.routes = routes;
    }

    /** Binds the admin port; throws ConfigException naming {@code admin.address} when it cannot. */
    public static AdminServer start(AdminConfig.SocketAddressConfig address, EventLoopGroup group, Transport transport,
                                    Map<String, Handler> routes) {
        return start(address.address(), address.portValue(), "admin.address.socket_address", "admin API", group, transport, routes);
    }

    /** Binds {@code host:port} for {@code routes}; throws ConfigException naming {@code configPath} when it cannot. */
    public static AdminServer start(String host, int port, String configPath, String what, EventLoopGroup group, Transport transport,
                                    Map<String, Handler> routes) {
        Map<String, Handler> live = new ConcurrentHashMap<>(routes);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), new Dispatcher(live));
                    }
                });
        var f = b.bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new ConfigException(configPath, "cannot listen on " + host + ":" + port + ": " + f.cause().getMessage());
        }
        log.info("{} on {}", what, f.channel().localAddress());
        return new AdminServer(f.channel(), live);
    }

    /** Serves {@code path} with {@code handler} from the next request on, replacing what served it before. */
    public void serve(String path, Handler handler) {
        routes.put(path, handler);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Whether only this host can reach the admin API (it listens on a loopback address). */
    public boolean loopbackOnly() {
        return ((InetSocketAddress) channel.localAddress()).getAddress().isLoopbackAddress();
    }

    public void close() {
        channel.close().awaitUninterruptibly();
    }

    private static final class Dispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Map<String, Handler> routes;

        Dispatcher(Map<String, Handler> routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            Handler h = routes.get(path);
            if (h == null) {
                respond(ctx, Response.text(404, "no admin API at " + path), keepAlive);
                return;
            }
            String method = req.method().name();
            byte[] body = ByteBufUtil.getBytes(req.content());
            ctx.channel().config().setAutoRead(false); // one request at a time: answers stay in order
            Thread.ofVirtual().name("mosn-admin").start(() -> {
                AdminApi.Response r;
                try {
                    r = h.handle(new AdminApi.Request(method, uri.parameters(), body));
                } catch (ConfigException e) {
                    log.info("admin {} {}: {}", method, path, e.getMessage());
                    r = Response.text(400, e.getMessage());
                } catch (Exception e) {
                    log.warn("admin {} {} failed: {}", method, path, e.toString(), e);
                    r = Response.text(500, "internal error: " + e);
                }
                AdminApi.Response answer = r;
                ctx.executor().execute(() -> {
                    respond(ctx, answer, keepAlive);
                    ctx.channel().config().setAutoRead(true);
                });
            });
        }

        private static void respond(ChannelHandlerContext ctx, AdminApi.Response r, boolean keepAlive) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                    Unpooled.wrappedBuffer(r.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType()).set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
