package io.mosn4j.bench;

import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The downstream HTTP/1.1 server codec's own work for a keep-alive client such as wrk, without
 * sockets and without the proxy behind it: a read carrying one request ({@code GET /} with the
 * {@code Host} wrk sends, or a browser-like request with eight headers), the stream's response (a
 * 200 with three headers and a 12-byte body, as the proxy hands it the backend's answer), and the
 * end of the read, which flushes it; {@code requests} times per operation, on the connection's
 * event loop, and the client side takes the bytes off and releases them.
 *
 * <p>The codec is the {@code Http1} {@link ProtocolCodec} found by ServiceLoader, installed as the
 * proxy installs it, on a channel of a real event loop (a local channel pair), in a JVM with
 * {@code bin/mosn}'s collector and Netty settings. Per request: the score divided by
 * {@code requests}; one hand-off to the loop per operation is part of it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {
    "-XX:+UseSerialGC", "-Xmn8m", "-Xss512k", "-XX:+UseCompactObjectHeaders",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    // bin/mosn's: without them Netty's leak detector's stack traces are ~4% of the score
    "-Dio.netty.jfr.enabled=false", "-Dio.netty.allocator.lowMemory=false", "-Dio.netty.leakDetection.samplingInterval=4096"})
public class Http1ServerBench {
    private static final byte[] BODY = "hello world\n".getBytes(StandardCharsets.US_ASCII);
    private static final String WRK = "GET / HTTP/1.1\r\nHost: 127.0.0.1:18082\r\n\r\n";
    private static final String BROWSER = "GET /static/app.js?v=3 HTTP/1.1\r\nHost: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
            + "Referer: https://www.example.com/\r\nCookie: session=8f14e45fceea167a5a36dedd4bea2543\r\n"
            + "X-Request-Id: 6e1b0c1e-2f3a-4a5b-9c8d-0e1f2a3b4c5d\r\n\r\n";

    @Param({"wrk", "browser"})
    public String request;

    @Param({"100"})
    public int requests;

    private EventLoopGroup group;
    private Channel server;
    private Channel client;
    private Channel connection;
    private byte[] requestBytes;
    private ServerStream pending;
    private int answered;
    private Headers response;
    private int resets;
    /** Bytes the client side took off, on the loop. */
    private long received;
    private final Runnable readAndRespond = this::readAndRespond;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ProtocolCodec codec = ServiceLoader.load(ProtocolCodec.class).stream().map(ServiceLoader.Provider::get)
                .filter(c -> c.name().equals("Http1")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Http1 codec on the class path"));
        requestBytes = switch (request) {
            case "wrk" -> WRK.getBytes(StandardCharsets.US_ASCII);
            case "browser" -> BROWSER.getBytes(StandardCharsets.US_ASCII);
            default -> throw new IllegalArgumentException("request: wrk or browser, not " + request);
        };
        response = new Headers(4);
        response.add(Headers.STATUS, "200");
        response.add("server", "nginx/1.22.1");
        response.add("content-type", "text/plain");
        response.add("content-length", Integer.toString(BODY.length));

        group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        LocalAddress address = new LocalAddress("http1-server-bench");
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        codec.installServer(ch, stream -> {
                            pending = stream;
                            return new Discard(Http1ServerBench.this);
                        }, new Context());
                        accepted.complete(ch);
                    }
                })
                .bind(address).sync().channel();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof ByteBuf b) {
                            received += b.readableBytes();
                        }
                        ReferenceCountUtil.release(msg);
                    }
                })
                .connect(address).sync().channel();
        connection = accepted.get(5, TimeUnit.SECONDS);
        long before = onLoop(() -> received);
        int first = onLoop(() -> answered);
        requestsAndResponses();
        long bytes = onLoop(() -> received) - before;
        int streams = onLoop(() -> answered) - first;
        // each response is a status line, three headers and the body: well over 60 bytes
        if (streams != requests || bytes < (long) requests * (60 + BODY.length)) {
            throw new IllegalStateException("the codec answered " + streams + " of " + requests + " requests with " + bytes + " bytes");
        }
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> c) throws InterruptedException, ExecutionException {
        return group.next().submit(c).get();
    }

    /** Fails the run when a stream was reset or a request not answered: the figures would not be of requests served. */
    @TearDown(Level.Iteration)
    public void check() {
        if (resets > 0) {
            throw new IllegalStateException(resets + " streams reset");
        }
        if (!connection.isActive()) {
            throw new IllegalStateException("the codec closed the connection");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        client.close().sync();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** {@code requests} reads of one request each, each answered and flushed. */
    @Benchmark
    public long requestsAndResponses() throws InterruptedException, ExecutionException {
        group.next().submit(readAndRespond).get();
        return received;
    }

    private void readAndRespond() {
        ByteBufAllocator alloc = connection.alloc();
        ChannelPipeline p = connection.pipeline();
        for (int i = 0; i < requests; i++) {
            p.fireChannelRead(alloc.directBuffer(requestBytes.length).writeBytes(requestBytes));
            ServerStream s = pending;
            if (s == null) {
                throw new IllegalStateException("the codec made no stream of request " + answered);
            }
            pending = null;
            s.sendHeaders(response, false);
            s.sendData(alloc.directBuffer(BODY.length).writeBytes(BODY), true);
            answered++;
            p.fireChannelReadComplete();
        }
    }

    private static final class Context implements ServerContext {
        @Override
        public Object options() {
            return null;
        }

        @Override
        public Duration gracefulTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public String listenerName() {
            return "bench";
        }
    }

    /** The proxy's side of a stream, reduced to releasing what it is given. */
    private static final class Discard implements StreamReceiver {
        private final Http1ServerBench bench;

        Discard(Http1ServerBench bench) {
            this.bench = bench;
        }

        @Override
        public void onHeaders(Headers headers, boolean endStream) {}

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }

        @Override
        public void onTrailers(Headers trailers) {}

        @Override
        public void onReset(ResetReason reason) {
            bench.resets++;
        }
    }
}
