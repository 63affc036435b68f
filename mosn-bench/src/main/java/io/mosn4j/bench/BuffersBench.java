package io.mosn4j.bench;

import io.mosn4j.api.protocol.Buffers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocalThread;
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
 * The buffer copy the codecs make when they join bytes into the buffer a write sends: an HTTP/1
 * response's body after its head, a bolt or dubbo frame's parts, a direct response's body
 * ({@code source=heap}). {@code append}: {@link Buffers#append}, one memory copy between the two
 * buffers' addresses; {@code writeBytes}: Netty's {@code ByteBuf.writeBytes(src, index, length)},
 * what the codecs used before, which goes through NIO views of the two buffers. Each operation
 * appends {@code size} bytes to a buffer of the proxy's allocator ({@code ByteBufAllocator.DEFAULT},
 * Netty 4.2's adaptive allocator) that already holds a 128-byte head, as a response's would, and
 * then empties it again; the source is a slice of a larger direct buffer of the same allocator (a
 * read buffer's body) or an unpooled heap buffer. Run on an event-loop-like thread, with
 * {@code bin/mosn}'s options for Netty. {@code -prof gc} gives the bytes each copy allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {
    "-XX:+UseSerialGC", "-Xmn8m", "-Xss512k", "-XX:+UseCompactObjectHeaders",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.jfr.enabled=false", "-Dio.netty.allocator.lowMemory=false", "-Dio.netty.leakDetection.samplingInterval=4096",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.mosn4j.bench.EventLoopLikeExecutor"})
public class BuffersBench {
    private static final int HEAD = 128;

    @Param({"13", "512", "16384"})
    public int size;

    @Param({"direct", "heap"})
    public String source;

    private ByteBuf read;
    private ByteBuf src;
    private ByteBuf dst;

    @Setup(Level.Trial)
    public void setUp() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            System.err.println("BuffersBench: not on a FastThreadLocalThread (was -jvmArgsPrepend given?):"
                    + " the allocator has no per-thread magazine, the figures are not an event loop's");
        }
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        if (source.equals("heap")) {
            read = Unpooled.wrappedBuffer(body);
            src = read;
        } else {
            read = ByteBufAllocator.DEFAULT.directBuffer(size + 2 * HEAD);
            read.writeZero(HEAD).writeBytes(body).writeZero(HEAD);
            src = read.slice(HEAD, size);
        }
        dst = ByteBufAllocator.DEFAULT.directBuffer(HEAD + size);
        dst.writeZero(HEAD);
        // both copies must give the body's bytes after the head
        for (boolean viaAppend : new boolean[] {true, false}) {
            ByteBuf out = viaAppend ? Buffers.append(dst, src, src.readerIndex(), size) : dst.writeBytes(src, src.readerIndex(), size);
            if (out.readableBytes() != HEAD + size || !out.slice(HEAD, size).equals(Unpooled.wrappedBuffer(body))) {
                throw new IllegalStateException((viaAppend ? "append" : "writeBytes") + " did not copy the body");
            }
            dst.writerIndex(HEAD);
        }
    }

    @Benchmark
    public int append() {
        ByteBuf out = Buffers.append(dst, src, src.readerIndex(), size);
        int n = out.writerIndex();
        out.writerIndex(HEAD);
        return n;
    }

    @Benchmark
    public int writeBytes() {
        ByteBuf out = dst.writeBytes(src, src.readerIndex(), size);
        int n = out.writerIndex();
        out.writerIndex(HEAD);
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dst.release();
        read.release();
    }
}
