package io.mosn4j.protocol.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2ServerConnection} and {@link Http2ServerStream} against a real h2c client (Netty's
 * frame codec, so every frame the server sends is seen in order) over a socket on 127.0.0.1, with a
 * stream handler the test scripts: what the connection handler and listener re-implement of the
 * child-channel codec they replaced.
 */
class Http2ServerConnectionTest {
    private final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** Each request's server side, by path. */
    private final Map<String, ServerStream> streams = new ConcurrentHashMap<>();
    private final Map<String, Receiver> receivers = new ConcurrentHashMap<>();
    /** Flushes that reached the socket from the server's HTTP/2 handler. */
    private final AtomicInteger flushes = new AtomicInteger();
    /** Frames the client read, as text: "H id status end", "D id bytes end", "R id code". */
    private final List<String> frames = new CopyOnWriteArrayList<>();
    /** The length of each HEADERS frame's header block the server sent, from the raw bytes. */
    private final List<Integer> headerBlocks = new CopyOnWriteArrayList<>();
    /** The server's HTTP/2 handler, once the client's connection is accepted. */
    private volatile Http2ServerConnection serverConnection;
    private Channel server;
    private Channel client;
    private Http2FrameCodec clientCodec;
    private Http2ChannelDuplexHandler clientFrames;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close().sync();
        }
        if (server != null) {
            server.close().sync();
        }
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** What the server's stream handler got for one request. */
    static class Receiver implements StreamReceiver {
        final AtomicLong bytes = new AtomicLong();
        volatile boolean ended;
        volatile ResetReason reset;

        @Override
        public void onHeaders(Headers headers, boolean endStream) {
            ended = endStream;
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            bytes.addAndGet(data.readableBytes());
            data.release();
            ended = endStream;
        }

        @Override
        public void onTrailers(Headers trailers) {
            ended = true;
        }

        @Override
        public void onReset(ResetReason reason) {
            reset = reason;
        }
    }

    private void start(Http2Options options, ServerStreamHandler handler) throws Exception {
        start(options, handler, 0);
    }

    /** With {@code idleMillis} above 0, an all-idle timer in front of the codec, as a listener's {@code connection_idle_timeout} adds. */
    private void start(Http2Options options, ServerStreamHandler handler, long idleMillis) throws Exception {
        server = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (idleMillis > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                        }
                        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void flush(ChannelHandlerContext ctx) {
                                flushes.incrementAndGet();
                                ctx.flush();
                            }
                        });
                        Http2ServerConnection.install(ch.pipeline(), handler, 1000, options, Stats.NONE, Duration.ZERO);
                        serverConnection = ch.pipeline().get(Http2ServerConnection.class);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        clientCodec = Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings()).build();
        clientFrames = new Http2ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                record(ctx, msg);
            }
        };
        client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new RawFrames(headerBlocks), clientCodec, clientFrames);
                    }
                })
                .connect(server.localAddress()).sync().channel();
    }

    /** Reads the frames off the wire as they pass to the client's codec: the HEADERS frames' block lengths. */
    private static final class RawFrames extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final List<Integer> headerBlocks;
        private final ByteBuf seen = Unpooled.buffer();
        private boolean prefaceSkipped = true; // a server sends no preface string, only frames

        RawFrames(List<Integer> headerBlocks) {
            this.headerBlocks = headerBlocks;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b && prefaceSkipped) {
                seen.writeBytes(b, b.readerIndex(), b.readableBytes());
                while (seen.readableBytes() >= 9 && seen.readableBytes() >= 9 + seen.getUnsignedMedium(seen.readerIndex())) {
                    int length = seen.readUnsignedMedium();
                    int type = seen.readUnsignedByte();
                    seen.skipBytes(1 + 4); // flags (a response's HEADERS has no padding, no priority), stream id
                    if (type == 0x1) {
                        headerBlocks.add(length);
                    }
                    seen.skipBytes(length);
                }
                seen.discardReadBytes();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            seen.release();
        }
    }

    private void record(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame h) {
                frames.add("H " + h.stream().id() + " " + h.headers().status() + " " + h.isEndStream());
            } else if (msg instanceof Http2DataFrame d) {
                frames.add("D " + d.stream().id() + " " + d.content().readableBytes() + " " + d.isEndStream());
                if (d.initialFlowControlledBytes() > 0) {
                    ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(d.initialFlowControlledBytes()).stream(d.stream()));
                }
            } else if (msg instanceof Http2ResetFrame r) {
                frames.add("R " + r.stream().id() + " " + r.errorCode());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A handler that keeps each stream and its receiver by path, and answers nothing by itself. */
    private ServerStreamHandler keeping() {
        return stream -> new Receiver() {
            @Override
            public void onHeaders(Headers headers, boolean endStream) {
                super.onHeaders(headers, endStream);
                streams.put(headers.path(), stream);
                receivers.put(headers.path(), this);
            }
        };
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("test");
    }

    private Http2FrameStream send(Http2Headers headers, boolean endStream) {
        Http2FrameStream s = clientFrames.newStream();
        client.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream).stream(s)).syncUninterruptibly();
        return s;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("waiting for " + what).isTrue();
            Thread.sleep(5);
        }
    }

    private static Headers status(int code) {
        Headers h = new Headers(1);
        h.add(Headers.STATUS, Integer.toString(code));
        return h;
    }

    @Test
    void responseHeadersAreNeverAddedToTheClientsDynamicTable() throws Exception {
        start(Http2Options.DEFAULTS, stream -> new Receiver() {
            @Override
            public void onHeaders(Headers headers, boolean endStream) {
                Headers h = status(200);
                h.add("x-served-by", "a-header-value-that-an-indexing-encoder-would-send-once");
                h.add("content-type", "text/plain");
                stream.sendHeaders(h, true);
            }
        });
        send(request("GET", "/first"), true);
        await("the first response", () -> frames.size() == 1);
        send(request("GET", "/second"), true);
        await("the second response", () -> frames.size() == 2);
        assertThat(frames).containsExactly("H 3 200 true", "H 5 200 true");
        assertThat(headerBlocks).hasSize(2);
        // an encoder adding them to the table sends the second as a few bytes of indexes; here the
        // second block is the first's literals again, less the table size update (0) that led the first
        assertThat(headerBlocks.get(1)).as("header blocks " + headerBlocks).isGreaterThanOrEqualTo(headerBlocks.get(0) - 1)
                .isGreaterThan(60);
    }

    @Test
    void responseBeforeTheRequestEndsArrivesWholeAndThenTheResetTellsTheClientToStopSending() throws Exception {
        start(Http2Options.DEFAULTS, keeping());
        Http2FrameStream s = send(request("POST", "/upload"), false);
        client.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[1000]), false).stream(s)).sync();
        await("the request", () -> streams.containsKey("/upload") && receivers.get("/upload").bytes.get() == 1000);

        // answered from outside the connection's reads, as a response from upstream is
        ServerStream stream = streams.get("/upload");
        int body = 40_000;
        serverGroup.submit(() -> {
            stream.sendHeaders(status(413), false);
            stream.sendData(Unpooled.wrappedBuffer(new byte[body]), true);
        }).sync();

        int id = s.id();
        await("the reset", () -> frames.contains("R " + id + " " + Http2Error.NO_ERROR.code()));
        List<String> seen = List.copyOf(frames);
        int reset = seen.indexOf("R " + id + " " + Http2Error.NO_ERROR.code());
        assertThat(seen.getFirst()).isEqualTo("H " + id + " 413 false");
        long bytes = 0;
        boolean endSeen = false;
        for (String f : seen.subList(0, reset)) {
            if (f.startsWith("D " + id + " ")) {
                String[] p = f.split(" ");
                bytes += Long.parseLong(p[2]);
                endSeen |= Boolean.parseBoolean(p[3]);
            }
        }
        assertThat(bytes).as("response body before the reset, frames: " + seen).isEqualTo(body);
        assertThat(endSeen).isTrue();
        assertThat(receivers.get("/upload").reset).as("the server's own answer is no reset of the request").isNull();
    }

    @Test
    void aPausedStreamWithholdsItsWindowAndResumingDeliversInOrderAndReopensIt() throws Exception {
        Http2Options options = new Http2Options(null, Http2Options.SPEC_WINDOW, null, null, null, null, null, null, null);
        start(options, stream -> new Receiver() {
            @Override
            public void onHeaders(Headers headers, boolean endStream) {
                super.onHeaders(headers, endStream);
                stream.readDisable(true);
                streams.put(headers.path(), stream);
                receivers.put(headers.path(), this);
            }
        });
        Http2FrameStream s = send(request("POST", "/paused"), false);
        int total = 300_000;
        int chunk = 16_000;
        for (int sent = 0; sent < total; sent += chunk) {
            int n = Math.min(chunk, total - sent);
            client.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[n]), sent + n == total).stream(s));
        }
        client.flush();
        await("the request", () -> receivers.containsKey("/paused"));
        Receiver r = receivers.get("/paused");
        // the client may send one stream window (65,535 bytes), which the server holds undelivered
        Thread.sleep(300);
        assertThat(r.bytes.get()).as("delivered while paused").isZero();
        assertThat(clientCodec.connection().stream(s.id()).isHeadersSent()).isTrue();

        serverGroup.submit(() -> streams.get("/paused").readDisable(false)).sync();
        await("the whole body", () -> r.bytes.get() == total && r.ended);
        assertThat(r.reset).isNull();
    }

    @Test
    void aReceiverThatThrowsCostsOnlyItsOwnStream() throws Exception {
        start(Http2Options.DEFAULTS, stream -> new Receiver() {
            @Override
            public void onHeaders(Headers headers, boolean endStream) {
                if (headers.path().equals("/boom")) {
                    throw new IllegalStateException("a bug behind the receiver");
                }
                stream.sendHeaders(status(204), true);
            }
        });
        Http2FrameStream boom = send(request("GET", "/boom"), true);
        await("the reset", () -> frames.contains("R " + boom.id() + " " + Http2Error.CANCEL.code()));
        Http2FrameStream ok = send(request("GET", "/ok"), true);
        await("the next answer on the same connection", () -> frames.contains("H " + ok.id() + " 204 true"));
        assertThat(client.isActive()).isTrue();
    }

    @Test
    void responsesWrittenOutsideAReadShareOneFlush() throws Exception {
        start(Http2Options.DEFAULTS, keeping());
        int n = 10;
        for (int i = 0; i < n; i++) {
            send(request("GET", "/r" + i), true);
        }
        await("the requests", () -> streams.size() == n);
        Thread.sleep(100); // the client's SETTINGS ack and window updates are read and flushed
        int before = flushes.get();
        int during = serverGroup.submit(() -> {
            for (int i = 0; i < n; i++) {
                streams.get("/r" + i).sendHeaders(status(200), true);
            }
            return flushes.get();
        }).get();
        assertThat(during).as("no flush per response").isEqualTo(before);
        await("the responses", () -> frames.stream().filter(f -> f.startsWith("H ") && f.endsWith(" 200 true")).count() == n);
        assertThat(flushes.get() - before).as("flushes for " + n + " responses").isEqualTo(1);
    }

    @Test
    void smallLastDataFramesWrittenAtOnceTakeTheirBytesFromTheWindows() throws Exception {
        start(Http2Options.DEFAULTS, keeping());
        int n = 40;
        int body = 2000; // each response's last (and only) DATA frame small enough to be written at once
        for (int i = 0; i < n; i++) {
            send(request("GET", "/w" + i), true);
        }
        await("the requests", () -> streams.size() == n);
        int fit = 65_535 / body; // in the connection's initial window; the others wait in the flow controller
        Http2ServerConnection h2 = serverConnection;
        serverGroup.submit(() -> { // one task on the server's loop: no WINDOW_UPDATE read in between
            int connectionWindow = h2.encoder().flowController().windowSize(h2.connection().connectionStream());
            for (int i = 0; i < n; i++) {
                ServerStream s = streams.get("/w" + i);
                s.sendHeaders(status(200), false);
                s.sendData(Unpooled.wrappedBuffer(new byte[body]), true);
            }
            assertThat(connectionWindow).as("the client's window before the responses").isEqualTo(65_535);
            assertThat(h2.encoder().flowController().windowSize(h2.connection().connectionStream()))
                    .as("the connection's window after them").isEqualTo(65_535 - fit * body);
            AtomicInteger waiting = new AtomicInteger();
            h2.connection().forEachActiveStream(st -> {
                if (h2.encoder().flowController().hasFlowControlled(st)) {
                    waiting.incrementAndGet();
                }
                return true;
            });
            assertThat(waiting.get()).as("streams whose last frame waits in the flow controller for the window").isEqualTo(n - fit);
            return null;
        }).get();
        // the client reads them, and returns the window (the closed streams' bytes at once, the rest as it reads)
        await("every response", () -> frames.stream().filter(f -> f.startsWith("D ") && f.endsWith(" true")).count() == n);
        assertThat(dataBytes()).isEqualTo((long) n * body);
        await("the streams closed", () -> serverGroup.submit(() -> h2.connection().numActiveStreams()).syncUninterruptibly().getNow() == 0);
    }

    private long dataBytes() {
        return frames.stream().filter(f -> f.startsWith("D ")).mapToLong(f -> Long.parseLong(f.split(" ")[2])).sum();
    }

    @Test
    void anIdleConnectionIsClosedOnlyWhenNoStreamIsOpen() throws Exception {
        start(Http2Options.DEFAULTS, keeping(), 100);
        send(request("POST", "/slow"), false);
        await("the request", () -> streams.containsKey("/slow"));
        Thread.sleep(400); // several idle periods with a stream open
        assertThat(client.isActive()).as("closed with a stream in flight").isTrue();

        serverGroup.submit(() -> streams.get("/slow").sendHeaders(status(200), true)).sync();
        await("the close once the stream is over", () -> !client.isActive());
        assertThat(frames.getFirst()).endsWith(" 200 true");
    }
}
