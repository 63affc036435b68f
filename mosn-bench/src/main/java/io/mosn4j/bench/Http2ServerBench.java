package io.mosn4j.bench;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ServerStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * The downstream HTTP/2 server codec's own work for what h2load asks of it, without sockets and
 * without the proxy behind it: one read carrying {@code streams} GET requests (HEADERS with
 * END_STREAM, as h2load's {@code -m} streams arrive in one read), then, outside that read as an
 * upstream's responses are, a 200 with a 12-byte body on each stream, and whatever the codec then
 * flushes, taken off by the client side and released.
 *
 * <p>The codec is the {@code Http2} codec found by ServiceLoader ({@link LocalCodecPair}), installed as the
 * proxy installs it on a channel of a real event loop (a local channel pair: the codec's tasks and
 * flushes run as on a socket). Each operation hands the event loop two tasks: the read and the
 * responses, then an empty one that returns after the codec's flush. The request header blocks are
 * encoded once, never indexed, so the same bytes stand for every stream; each operation writes the
 * frame headers with the next stream ids. Per request: the score divided by {@code streams} (the
 * hand-offs to the loop are part of the score, the same for any codec).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {
    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Xss512k",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class Http2ServerBench {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY = "hello world\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"100"})
    public int streams;

    private LocalCodecPair pair;
    private byte[] block;
    private int nextStreamId = 1;
    private final List<ServerStream> pending = new ArrayList<>();
    private Headers response;
    private int resets;
    private final Runnable readAndRespond = this::readAndRespond;
    private final Runnable nothing = () -> {};

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        response = new Headers(4);
        response.add(Headers.STATUS, "200");
        response.add("server", "nginx");
        response.add("content-type", "text/plain");
        response.add("content-length", Integer.toString(BODY.length));
        block = requestBlock();
        pair = new LocalCodecPair("Http2", stream -> {
            pending.add(stream);
            return new LocalCodecPair.Discard(() -> resets++);
        });
        // the client's preface, SETTINGS and WINDOW_UPDATE opening its windows all the way (it
        // sends no more window updates), then its ACK of the server's SETTINGS
        ByteBuf hello = Unpooled.buffer();
        hello.writeBytes(PREFACE);
        frameHeader(hello, 6, Http2FrameTypes.SETTINGS, 0, 0);
        hello.writeShort(Http2CodecUtil.SETTINGS_INITIAL_WINDOW_SIZE).writeInt(Http2CodecUtil.MAX_INITIAL_WINDOW_SIZE);
        frameHeader(hello, 4, Http2FrameTypes.WINDOW_UPDATE, 0, 0);
        hello.writeInt(Http2CodecUtil.MAX_INITIAL_WINDOW_SIZE - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        frameHeader(hello, 0, Http2FrameTypes.SETTINGS, 0x1, 0);
        pair.client().writeAndFlush(hello).sync();
        long before = pair.received();
        requestsAndResponses();
        long answered = pair.received() - before;
        if (answered < (long) streams * (9 + 9 + BODY.length)) {
            throw new IllegalStateException("the codec answered " + streams + " requests with " + answered + " bytes");
        }
    }

    private static byte[] requestBlock() throws Http2Exception {
        ByteBuf encoded = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.ALWAYS_SENSITIVE).encodeHeaders(1, new DefaultHttp2Headers()
                .method("GET").scheme("http").authority("127.0.0.1:18084").path("/")
                .add("user-agent", "h2load nghttp2/1.59.0"), encoded);
        byte[] b = new byte[encoded.readableBytes()];
        encoded.readBytes(b);
        encoded.release();
        return b;
    }

    /** Fails the run when a stream was reset: the figures would not be of requests answered. */
    @TearDown(Level.Iteration)
    public void checkNoReset() {
        if (resets > 0) {
            throw new IllegalStateException(resets + " streams reset");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pair.close();
    }

    private static void frameHeader(ByteBuf out, int length, byte type, int flags, int streamId) {
        out.writeMedium(length).writeByte(type).writeByte(flags).writeInt(streamId);
    }

    /** One read of {@code streams} requests and their responses, then the codec's flush. */
    @Benchmark
    public int requestsAndResponses() throws InterruptedException, ExecutionException {
        pair.group.next().submit(readAndRespond).get();
        pair.group.next().submit(nothing).get(); // after the flush the codec queued
        return nextStreamId;
    }

    private void readAndRespond() {
        ByteBufAllocator alloc = pair.connection.alloc();
        ByteBuf in = alloc.directBuffer(streams * (9 + block.length));
        for (int i = 0; i < streams; i++) {
            frameHeader(in, block.length, Http2FrameTypes.HEADERS, 0x1 | 0x4, nextStreamId); // END_STREAM | END_HEADERS
            in.writeBytes(block);
            nextStreamId += 2;
        }
        ChannelPipeline p = pair.connection.pipeline();
        p.fireChannelRead(in);
        p.fireChannelReadComplete();
        for (int i = 0, n = pending.size(); i < n; i++) {
            ServerStream s = pending.get(i);
            s.sendHeaders(response, false);
            s.sendData(alloc.directBuffer(BODY.length).writeBytes(BODY), true);
        }
        pending.clear();
    }
}
