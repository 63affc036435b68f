package io.mosn4j.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small Netty HTTP/1.1 server: aggregated requests, a handler function per request, keep-alive.
 * Every response carries {@code x-backend: NAME}. The default handler echoes: the request body if
 * there is one, else {@code "NAME METHOD URI"}.
 */
final class NettyHttpBackend implements AutoCloseable {

    record Request(String method, String uri, HttpHeaders headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Response(int status, Map<String, String> headers, byte[] body, long delayMillis, boolean chunked) {
        static Response text(int status, String body) {
            return new Response(status, Map.of("content-type", "text/plain"), body.getBytes(StandardCharsets.UTF_8), 0, false);
        }

        Response delayed(long millis) {
            return new Response(status, headers, body, millis, chunked);
        }

        Response asChunked() {
            return new Response(status, headers, body, delayMillis, true);
        }

        Response withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Response(status, h, body, delayMillis, chunked);
        }
    }

    private final String name;
    private final EventLoopGroup group;
    private final Channel server;
    final AtomicInteger connections = new AtomicInteger();
    /** Connections open now. */
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    /** Connections that carried at least one request (a health check's bare TCP connect does not count). */
    final AtomicInteger requestConnections = new AtomicInteger();
    private static final io.netty.util.AttributeKey<Boolean> SERVED = io.netty.util.AttributeKey.valueOf("served");
    final ConcurrentLinkedQueue<Request> seen = new ConcurrentLinkedQueue<>();
    /** The URI of every request whose head arrived, complete or not (a body may never end). */
    final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();

    private NettyHttpBackend(String name, Function<Request, Response> handler) throws InterruptedException {
        this(name, 0, handler);
    }

    private NettyHttpBackend(String name, int port, Function<Request, Response> handler) throws InterruptedException {
        this.name = name;
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true) // a backend restarted on its port binds again at once
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HttpRequest r) {
                                    started.add(r.uri());
                                }
                                ctx.fireChannelRead(msg);
                            }
                        }, new HttpObjectAggregator(64 << 20), new Handler(handler));
                    }
                });
        this.server = b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
    }

    static NettyHttpBackend start(String name) throws InterruptedException {
        return start(name, null);
    }

    static NettyHttpBackend start(String name, Function<Request, Response> handler) throws InterruptedException {
        return new NettyHttpBackend(name, handler);
    }

    /** A backend on a given port (0: any), e.g. one started again where a stopped one was. */
    static NettyHttpBackend start(String name, int port, Function<Request, Response> handler) throws InterruptedException {
        return new NettyHttpBackend(name, port, handler);
    }

    /** While set and not complete, every response waits for it (a test's "hold the backend" switch); null: none. */
    private volatile java.util.concurrent.CompletableFuture<Void> gate;

    /**
     * Holds every response from now until the returned future is completed (by the test), so
     * requests stay in flight for exactly as long as the test needs, however slow the machine.
     */
    java.util.concurrent.CompletableFuture<Void> holdResponses() {
        java.util.concurrent.CompletableFuture<Void> g = new java.util.concurrent.CompletableFuture<>();
        gate = g;
        return g;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    String name() {
        return name;
    }

    void resetCounters() {
        requests.set(0);
        seen.clear();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Function<Request, Response> handler;

        Handler(Function<Request, Response> handler) {
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            requests.incrementAndGet();
            if (ctx.channel().attr(SERVED).setIfAbsent(true) == null) {
                requestConnections.incrementAndGet();
            }
            Request r = new Request(req.method().name(), req.uri(), req.headers().copy(), ByteBufUtil.getBytes(req.content()));
            seen.add(r);
            Response resp;
            if (!req.decoderResult().isSuccess()) {
                resp = Response.text(400, "bad request\n");
            } else if (handler != null) {
                resp = handler.apply(r);
            } else {
                resp = r.body().length > 0
                        ? new Response(200, Map.of("content-type", "application/octet-stream"), r.body(), 0, false)
                        : Response.text(200, name + " " + r.method() + " " + r.uri());
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            boolean head = r.method().equals("HEAD");
            Response fr = resp;
            Runnable write = () -> write(ctx, fr, keepAlive, head);
            java.util.concurrent.CompletableFuture<Void> g = gate;
            if (g != null && !g.isDone()) {
                g.whenComplete((v, e) -> ctx.executor().execute(write));
            } else if (resp.delayMillis() > 0) {
                ctx.executor().schedule(write, resp.delayMillis(), TimeUnit.MILLISECONDS);
            } else {
                write.run();
            }
        }

        private void write(ChannelHandlerContext ctx, Response resp, boolean keepAlive, boolean head) {
            if (!ctx.channel().isActive()) {
                return;
            }
            HttpResponseStatus status = HttpResponseStatus.valueOf(resp.status());
            boolean bodyless = head || resp.status() == 204 || resp.status() == 304;
            io.netty.channel.ChannelFuture last;
            if (resp.chunked() && !bodyless) {
                DefaultHttpResponse h = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
                resp.headers().forEach((k, v) -> h.headers().set(k, v));
                h.headers().set("x-backend", name).set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                HttpUtil.setKeepAlive(h, keepAlive);
                ctx.write(h);
                int half = resp.body().length / 2;
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(resp.body(), 0, half)));
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(resp.body(), half, resp.body().length - half)));
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        bodyless ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(resp.body()));
                resp.headers().forEach((k, v) -> full.headers().set(k, v));
                full.headers().set("x-backend", name);
                if (resp.status() != 204 && !full.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                    full.headers().set(HttpHeaderNames.CONTENT_LENGTH, resp.body().length);
                }
                HttpUtil.setKeepAlive(full, keepAlive);
                last = ctx.writeAndFlush(full);
            }
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
