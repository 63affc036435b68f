package io.mosn4j.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/** Small h2c (prior knowledge) peers for the HTTP/2 tests: a client and an echoing server. */
final class H2Peers {
    private H2Peers() {}

    /** A response as the client saw it; {@code resetCode} is set when the stream was reset instead. */
    record Response(Http2Headers headers, byte[] body, Http2Headers trailers, Long resetCode) {
        int status() {
            return headers == null ? -1 : Integer.parseInt(headers.status().toString());
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Http2Headers get(String path, int port) {
        return new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("127.0.0.1:" + port);
    }

    /** An h2c client on one connection; streams run concurrently. */
    static final class Client implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel channel;
        private Http2FrameCodec codec;
        /** The server's first SETTINGS frame. */
        final CompletableFuture<Http2Settings> peerSettings = new CompletableFuture<>();
        /** The error code of the first GOAWAY the server sent. */
        final CompletableFuture<Long> goAway = new CompletableFuture<>();
        /** Every GOAWAY received: "ERROR_CODE DEBUG_DATA". */
        final List<String> goAways = new java.util.concurrent.CopyOnWriteArrayList<>();

        Client(int port) throws InterruptedException {
            this(port, false);
        }

        /**
         * With {@code ignorePeerLimits}, once the server's SETTINGS arrived the client's codec no
         * longer enforces the server's MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE: requests
         * that break them go out, so the server's own enforcement is what the test sees.
         */
        Client(int port, boolean ignorePeerLimits) throws InterruptedException {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    codec = Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build();
                    ch.pipeline().addLast(codec, new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                            new ConnectionFrames(ignorePeerLimits));
                }
            });
            channel = b.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
        }

        /** Connection-level frames the multiplexer passes on: SETTINGS, PING, GOAWAY. */
        private final class ConnectionFrames extends ChannelInboundHandlerAdapter {
            private final boolean ignorePeerLimits;

            ConnectionFrames(boolean ignorePeerLimits) {
                this.ignorePeerLimits = ignorePeerLimits;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof Http2SettingsFrame s) {
                        if (ignorePeerLimits) {
                            // the codec applied the peer's limits before passing the frame on: lift them again
                            codec.connection().local().maxActiveStreams(Integer.MAX_VALUE);
                            try {
                                codec.encoder().configuration().headersConfiguration().maxHeaderListSize(Http2CodecUtil.MAX_HEADER_LIST_SIZE);
                            } catch (Http2Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        peerSettings.complete(s.settings());
                    } else if (msg instanceof Http2GoAwayFrame g) {
                        goAways.add(g.errorCode() + " " + g.content().toString(StandardCharsets.UTF_8));
                        goAway.complete(g.errorCode());
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        /** How many bytes the server currently lets this client send on the connection (its connection window). */
        int connectionSendWindow() throws Exception {
            return channel.eventLoop().submit(() -> codec.connection().remote().flowController()
                    .windowSize(codec.connection().connectionStream())).get(5, TimeUnit.SECONDS);
        }

        boolean isOpen() {
            return channel.isActive();
        }

        CompletableFuture<Response> request(Http2Headers headers, byte[] body, Http2Headers trailers) {
            return request(headers, body, trailers, -1);
        }

        /** Sends a request; with {@code cancelAfter >= 0} resets the stream (CANCEL) once that many body bytes arrived. */
        CompletableFuture<Response> request(Http2Headers headers, byte[] body, Http2Headers trailers, long cancelAfter) {
            return request(headers, body, trailers, cancelAfter, null);
        }

        /** As above; {@code opened} gets the stream's channel (e.g. to stop reading it: flow control). */
        CompletableFuture<Response> request(Http2Headers headers, byte[] body, Http2Headers trailers, long cancelAfter,
                                            java.util.function.Consumer<Http2StreamChannel> opened) {
            CompletableFuture<Response> result = new CompletableFuture<>();
            Collector collector = new Collector(result, cancelAfter);
            new Http2StreamChannelBootstrap(channel).handler(collector).open().addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                    return;
                }
                Http2StreamChannel ch = (Http2StreamChannel) f.getNow();
                if (opened != null) {
                    opened.accept(ch);
                }
                boolean noBody = body == null || body.length == 0;
                ch.write(new DefaultHttp2HeadersFrame(headers, noBody && trailers == null));
                if (!noBody) {
                    for (int off = 0; off < body.length; off += 16384) {
                        int n = Math.min(16384, body.length - off);
                        ch.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body, off, n), off + n == body.length && trailers == null));
                    }
                }
                if (trailers != null) {
                    ch.write(new DefaultHttp2HeadersFrame(trailers, true));
                }
                ch.flush();
            });
            return result;
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> result;
        private final long cancelAfter;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers headers;
        private Http2Headers trailers;

        Collector(CompletableFuture<Response> result, long cancelAfter) {
            this.result = result;
            this.cancelAfter = cancelAfter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame f) {
                    if (headers == null) {
                        headers = f.headers();
                    } else {
                        trailers = f.headers();
                    }
                    if (f.isEndStream()) {
                        done();
                    }
                } else if (msg instanceof Http2DataFrame f) {
                    body.writeBytes(ByteBufUtil.getBytes(f.content()));
                    if (f.isEndStream()) {
                        done();
                    } else if (cancelAfter >= 0 && body.size() >= cancelAfter && !result.isDone()) {
                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
                        done();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void done() {
            result.complete(new Response(headers, body.toByteArray(), trailers, null));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                result.complete(new Response(headers, body.toByteArray(), trailers, r.errorCode()));
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("stream closed before the response ended"));
        }
    }

    /**
     * An h2c server. It answers each request once the request ended, after {@code delayMillis}
     * (or the request's {@code x-delay-ms}): 200 with {@code x-backend: NAME} and
     * {@code x-authority}, the request body echoed (or "NAME METHOD PATH"), and, when the request
     * had trailers, response trailers {@code x-echo-NAME} for each of them. It counts per
     * connection (numbered from 1 in accept order) the requests started, the RST_STREAMs received,
     * and whether the connection has closed. Netty's own rapid-reset defence is on, as in any
     * Netty server: more than 200 RST_STREAMs in 30 s on one connection end it with GOAWAY.
     */
    static final class Backend implements AutoCloseable {
        private final String name;
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        private final Channel server;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicLong resets = new AtomicLong();
        final AtomicInteger closedConnections = new AtomicInteger();
        /** Per connection number (1, 2, ...): requests whose HEADERS arrived, RST_STREAMs received, closed. */
        final Map<Integer, AtomicInteger> requestsByConnection = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> resetsByConnection = new ConcurrentHashMap<>();
        final Set<Integer> closedConnectionNumbers = ConcurrentHashMap.newKeySet();
        /** The :path of every request whose HEADERS arrived. */
        final java.util.concurrent.ConcurrentLinkedQueue<String> paths = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** GOAWAY error codes this server sent (its codec's, e.g. ENHANCE_YOUR_CALM from the rapid-reset defence). */
        final List<Long> goAwaysSent = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** When set, the first request ever received makes the server send GOAWAY on its connection. */
        final java.util.concurrent.atomic.AtomicBoolean goAwayOnFirstRequest = new java.util.concurrent.atomic.AtomicBoolean();
        /** PING frames (not ACKs) received, all connections. */
        final AtomicInteger pings = new AtomicInteger();
        /** Whether connections opened from now on answer PINGs (false: PINGs are dropped, never ACKed). */
        volatile boolean ackPings = true;
        /**
         * Given the number of the request (1-based, counted by {@link #requests}), whether to answer
         * its HEADERS with RST_STREAM(REFUSED_STREAM) instead of serving it; null refuses nothing.
         */
        volatile IntPredicate refuse;
        final AtomicInteger refused = new AtomicInteger();
        /**
         * When N > 0, the next connection opened waits until N requests on it have ended, then sends
         * GOAWAY with the lowest of their stream ids as last stream id, answers that stream only, and
         * closes (gracefully) after it. Later connections are served normally.
         */
        final AtomicInteger goAwayAfter = new AtomicInteger();

        Backend(String name, long maxConcurrentStreams, long delayMillis) throws InterruptedException {
            this.name = name;
            ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            int number = connections.incrementAndGet();
                            requestsByConnection.put(number, new AtomicInteger());
                            resetsByConnection.put(number, new AtomicInteger());
                            ch.closeFuture().addListener(f -> {
                                closedConnectionNumbers.add(number);
                                closedConnections.incrementAndGet();
                            });
                            boolean ack = ackPings;
                            Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().autoAckPingFrame(ack)
                                    .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(maxConcurrentStreams)).build();
                            codec.connection().addListener(new io.netty.handler.codec.http2.Http2ConnectionAdapter() {
                                @Override
                                public void onGoAwaySent(int lastStreamId, long errorCode, io.netty.buffer.ByteBuf debugData) {
                                    goAwaysSent.add(errorCode);
                                }
                            });
                            ConnState state = new ConnState(ch, codec, goAwayAfter.getAndSet(0), number);
                            ch.pipeline().addLast(codec,
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel sc) {
                                            sc.pipeline().addLast(new Echo(delayMillis, state));
                                        }
                                    }),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            // connection-level frames; with ackPings false a PING is dropped here, unanswered
                                            if (msg instanceof Http2PingFrame p && !p.ack()) {
                                                pings.incrementAndGet();
                                            }
                                            ReferenceCountUtil.release(msg);
                                        }
                                    });
                        }
                    });
            server = b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        }

        String address() {
            return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }

        /** One server connection, for the GOAWAY-with-streams-in-flight mode ({@link #goAwayAfter}). */
        private static final class ConnState {
            final Channel channel;
            final Http2FrameCodec codec;
            int goAwayAt;
            final int number;
            final List<Object[]> held = new ArrayList<>();

            ConnState(Channel channel, Http2FrameCodec codec, int goAwayAt, int number) {
                this.channel = channel;
                this.codec = codec;
                this.goAwayAt = goAwayAt;
                this.number = number;
            }
        }

        private final class Echo extends ChannelInboundHandlerAdapter {
            private final long delayMillis;
            private final ConnState state;
            private final ByteArrayOutputStream body = new ByteArrayOutputStream();
            private Http2Headers headers;
            private Http2Headers trailers;
            private boolean refusedHere;

            Echo(long delayMillis, ConnState state) {
                this.delayMillis = delayMillis;
                this.state = state;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (refusedHere) {
                        return;
                    }
                    boolean end = false;
                    if (msg instanceof Http2HeadersFrame f) {
                        if (headers == null) {
                            headers = f.headers();
                            int n = requests.incrementAndGet();
                            requestsByConnection.get(state.number).incrementAndGet();
                            paths.add(String.valueOf(headers.path()));
                            IntPredicate r = refuse;
                            if (r != null && r.test(n)) {
                                refusedHere = true;
                                refused.incrementAndGet();
                                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                                return;
                            }
                            if (goAwayOnFirstRequest.compareAndSet(true, false)) {
                                ctx.channel().parent().writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                            }
                            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                        } else {
                            trailers = f.headers();
                        }
                        end = f.isEndStream();
                    } else if (msg instanceof Http2DataFrame f) {
                        body.writeBytes(ByteBufUtil.getBytes(f.content()));
                        end = f.isEndStream();
                    }
                    if (end && state.goAwayAt > 0) {
                        hold(ctx);
                    } else if (end) {
                        CharSequence delay = headers.get("x-delay-ms");
                        long ms = delay == null ? delayMillis : Long.parseLong(delay.toString());
                        ctx.executor().schedule(() -> respond(ctx), ms, TimeUnit.MILLISECONDS);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            /** GOAWAY mode: keep the request until N arrived, then GOAWAY(lowest id), answer that one, close. */
            private void hold(ChannelHandlerContext ctx) {
                state.held.add(new Object[] {this, ctx});
                if (state.held.size() < state.goAwayAt) {
                    return;
                }
                state.goAwayAt = 0;
                Object[] lowest = state.held.stream()
                        .min(Comparator.comparingInt(e -> ((Http2StreamChannel) ((ChannelHandlerContext) e[1]).channel()).stream().id()))
                        .orElseThrow();
                ChannelHandlerContext lowestCtx = (ChannelHandlerContext) lowest[1];
                int lastStreamId = ((Http2StreamChannel) lowestCtx.channel()).stream().id();
                ChannelHandlerContext codecCtx = state.channel.pipeline().context(state.codec);
                // closes our side of the streams above lastStreamId: they are never answered
                state.codec.goAway(codecCtx, lastStreamId, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, codecCtx.newPromise());
                state.channel.flush();
                ((Echo) lowest[0]).respond(lowestCtx);
                state.channel.close(); // graceful: after the answered stream
            }

            private void respond(ChannelHandlerContext ctx) {
                active.decrementAndGet();
                if (!ctx.channel().isActive()) {
                    return; // reset meanwhile
                }
                byte[] out = body.size() > 0 ? body.toByteArray()
                        : (name + " " + headers.method() + " " + headers.path()).getBytes(StandardCharsets.UTF_8);
                Http2Headers h = new DefaultHttp2Headers().status("200").add("x-backend", name)
                        .add("x-authority", String.valueOf(headers.authority()));
                ctx.write(new DefaultHttp2HeadersFrame(h, false));
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(out), trailers == null));
                if (trailers != null) {
                    Http2Headers t = new DefaultHttp2Headers();
                    trailers.forEach(e -> t.add("x-echo-" + e.getKey(), e.getValue()));
                    ctx.write(new DefaultHttp2HeadersFrame(t, true));
                }
                ctx.flush();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof Http2ResetFrame) {
                    resets.incrementAndGet();
                    resetsByConnection.get(state.number).incrementAndGet();
                }
                ReferenceCountUtil.release(evt);
            }
        }
    }
}
