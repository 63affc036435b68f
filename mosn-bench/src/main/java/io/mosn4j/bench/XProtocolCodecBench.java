package io.mosn4j.bench;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.PlatformDependent;
import java.util.List;
import java.util.ServiceLoader;
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
 * What the proxy's XProtocol path does to every RPC it forwards, per protocol, without the
 * network: the codec work of {@code XConnection.decode}, {@code XServerConnection.onFrame} and
 * {@code XClientConnection} for one request and one response.
 *
 * <ul>
 *   <li>{@link #requestRoundTrip}: decode a request from the connection's read buffer, read
 *       {@code headers().get("service")} (routing), {@code setRequestId} to the upstream
 *       connection's id, {@code encode} with the connection's allocator, release frame and bytes.
 *   <li>{@link #requestWithHeaderAdded}: {@code requestRoundTrip} with one header added by a
 *       "filter" before the encode, so the encode writes it into the frame.
 *   <li>{@link #responseRoundTrip}: the same for the response, its id set back to the client's;
 *       no {@code headers()}.
 * </ul>
 *
 * The read buffer is a direct buffer from {@code allocator} holding one frame (see {@link SampleFrames}); its
 * reader index goes back to 0 before each decode, as if the same bytes had just been read again.
 * The harness allocates nothing per operation, so {@code -prof gc}'s B/op is the codec's.
 *
 * <p>The forked JVM runs as the proxy's does: with {@code bin/mosn}'s JVM options (G1, and
 * {@code --sun-misc-unsafe-memory-access=allow} so that Netty uses Unsafe), and on Netty
 * {@code FastThreadLocalThread}s as event loop threads are (see {@link EventLoopLikeExecutor}).
 * Both come from {@code @Fork}'s {@code jvmArgsPrepend}: a {@code -jvmArgsPrepend} on the command
 * line replaces them (setup then prints a warning), {@code -jvmArgsAppend} adds to them.
 *
 * <p>{@code allocator} is the allocator of the read buffer and of {@code encode}: {@code pooled}
 * ({@link PooledByteBufAllocator#DEFAULT}) by default; {@code -p allocator=default} takes
 * {@link ByteBufAllocator#DEFAULT}, which is what the proxy's {@code ctx.alloc()} is: in Netty 4.2
 * the adaptive allocator unless {@code -Dio.netty.allocator.type} says otherwise.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {
    // bin/mosn's JVM options: G1, and Unsafe for Netty (without it, on Java 25, every getBytes of
    // a pooled direct buffer allocates a ByteBuffer duplicate)
    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Xss512k",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    // event-loop-like benchmark threads
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.mosn4j.bench.EventLoopLikeExecutor"})
public class XProtocolCodecBench {
    @Param({"bolt", "boltv2", "dubbo", "tars"})
    public String protocol;

    @Param({"pooled"})
    public String allocator;

    private XProtocol codec;
    private ByteBufAllocator alloc;
    private ByteBuf request;
    private ByteBuf response;

    @Setup(Level.Trial)
    public void setUp() {
        List<XProtocol> all = ServiceLoader.load(XProtocol.class).stream().map(ServiceLoader.Provider::get).toList();
        codec = all.stream().filter(p -> p.name().equalsIgnoreCase(protocol)).findFirst().orElse(null);
        if (codec == null) {
            throw new IllegalStateException("no XProtocol named " + protocol + " on the class path; found "
                    + all.stream().map(XProtocol::name).toList());
        }
        if (!FastThreadLocalThread.currentThreadHasFastThreadLocal()) {
            System.err.println("WARNING: benchmark thread " + Thread.currentThread().getName() + " is not a Netty"
                    + " FastThreadLocalThread (was -jvmArgsPrepend given?): no pooled thread cache, and a scratch array"
                    + " per ByteBuf.toString; the figures are not an event loop's");
        }
        if (!PlatformDependent.hasUnsafe()) {
            System.err.println("WARNING: Netty runs without Unsafe (" + PlatformDependent.getUnsafeUnavailabilityCause()
                    + "), unlike bin/mosn: reads of direct buffers allocate; the figures are not the proxy's");
        }
        alloc = allocator(allocator);
        SampleFrames.Sample s = SampleFrames.of(protocol);
        SampleFrames.check(codec, s, alloc);
        request = alloc.directBuffer(s.request().length).writeBytes(s.request());
        response = alloc.directBuffer(s.response().length).writeBytes(s.response());
    }

    /** Fails the run when a frame kept its slice of a read buffer past its release. */
    @TearDown(Level.Iteration)
    public void checkReleased() {
        if (request.refCnt() != 1 || response.refCnt() != 1) {
            throw new IllegalStateException(protocol + ": read buffers still retained after the frames were released"
                    + " (reference counts " + request.refCnt() + ", " + response.refCnt() + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        request.release();
        response.release();
    }

    /** Decode, route on {@code service}, remap the id, encode, release: one request through the proxy. */
    @Benchmark
    public int requestRoundTrip() {
        return requestRoundTrip(codec, request, alloc);
    }

    /**
     * As {@link #requestRoundTrip}, with a filter adding one header ({@code x-mosn-route: canary})
     * before the encode, which then writes it into the frame (header map, attachments, context).
     */
    @Benchmark
    public int requestWithHeaderAdded() {
        return requestWithHeaderAdded(codec, request, alloc);
    }

    /** Decode, restore the client's id, encode, release: one response through the proxy. */
    @Benchmark
    public int responseRoundTrip() {
        return responseRoundTrip(codec, response, alloc);
    }

    static int requestRoundTrip(XProtocol codec, ByteBuf in, ByteBufAllocator alloc) {
        in.readerIndex(0);
        XFrame frame = codec.decode(in);
        ByteBuf out = null;
        try {
            String service = frame.headers().get(SampleFrames.SERVICE);
            frame.setRequestId(SampleFrames.UPSTREAM_ID);
            out = codec.encode(frame, alloc);
            return out.readableBytes() + service.length();
        } finally {
            frame.release();
            if (out != null) {
                out.release();
            }
        }
    }

    static int requestWithHeaderAdded(XProtocol codec, ByteBuf in, ByteBufAllocator alloc) {
        in.readerIndex(0);
        XFrame frame = codec.decode(in);
        ByteBuf out = null;
        try {
            String service = frame.headers().get(SampleFrames.SERVICE);
            frame.headers().add(ADDED_NAME, ADDED_VALUE);
            frame.setRequestId(SampleFrames.UPSTREAM_ID);
            out = codec.encode(frame, alloc);
            return out.readableBytes() + service.length();
        } finally {
            frame.release();
            if (out != null) {
                out.release();
            }
        }
    }

    static final String ADDED_NAME = "x-mosn-route";
    static final String ADDED_VALUE = "canary";

    static int responseRoundTrip(XProtocol codec, ByteBuf in, ByteBufAllocator alloc) {
        in.readerIndex(0);
        XFrame frame = codec.decode(in);
        ByteBuf out = null;
        try {
            frame.setRequestId(SampleFrames.DOWNSTREAM_ID);
            out = codec.encode(frame, alloc);
            return out.readableBytes();
        } finally {
            frame.release();
            if (out != null) {
                out.release();
            }
        }
    }

    static ByteBufAllocator allocator(String name) {
        return switch (name) {
            case "pooled" -> PooledByteBufAllocator.DEFAULT;
            case "default" -> ByteBufAllocator.DEFAULT;
            default -> throw new IllegalArgumentException("allocator is pooled or default, not " + name);
        };
    }
}
