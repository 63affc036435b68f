package io.mosn4j.bench;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ServerStream;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import java.nio.charset.StandardCharsets;
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
 * <p>The codec is the {@code Http1} codec found by ServiceLoader ({@link LocalCodecPair}), installed as the
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
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED",
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

    private LocalCodecPair pair;
    private byte[] requestBytes;
    private ServerStream pending;
    private int answered;
    private Headers response;
    private int resets;
    private final Runnable readAndRespond = this::readAndRespond;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
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
        pair = new LocalCodecPair("Http1", stream -> {
            pending = stream;
            return new LocalCodecPair.Discard(() -> resets++);
        });
        long before = pair.received();
        int first = pair.onLoop(() -> answered);
        requestsAndResponses();
        long bytes = pair.received() - before;
        int streams = pair.onLoop(() -> answered) - first;
        // each response is a status line, three headers and the body: well over 60 bytes
        if (streams != requests || bytes < (long) requests * (60 + BODY.length)) {
            throw new IllegalStateException("the codec answered " + streams + " of " + requests + " requests with " + bytes + " bytes");
        }
    }

    /** Fails the run when a stream was reset or the connection closed: the figures would not be of requests served. */
    @TearDown(Level.Iteration)
    public void check() {
        if (resets > 0) {
            throw new IllegalStateException(resets + " streams reset");
        }
        if (!pair.connection.isActive()) {
            throw new IllegalStateException("the codec closed the connection");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pair.close();
    }

    /** {@code requests} reads of one request each, each answered and flushed. */
    @Benchmark
    public long requestsAndResponses() throws InterruptedException, ExecutionException {
        pair.group.next().submit(readAndRespond).get();
        return answered;
    }

    private void readAndRespond() {
        ByteBufAllocator alloc = pair.connection.alloc();
        ChannelPipeline p = pair.connection.pipeline();
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
}
