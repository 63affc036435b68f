package io.mosn4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterChain;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.filter.dsl.DslFilterFactory;
import io.mosn4j.protocol.bolt.BoltProtocol;
import io.mosn4j.protocol.bolt.HttpToBolt;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the {@code dsl} and {@code transcoder} filters add to one request: MOSN's dsl-sample
 * expressions (three phases: a URL rewrite and a header before routing, a {@code conditional} with
 * CEXL's {@code |} after it, a header from {@code destination.ip} after the host is chosen) on a
 * fresh request; and {@code http2bolt_simple} both ways (an HTTP request with five headers and a
 * 64-byte body made a bolt frame and encoded, a bolt response with two headers and 64 bytes of
 * content made an HTTP response).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class FilterCostBench {
    static final String DSL_SAMPLE = """
            {"before_router_by_dsl": "ctx.rewrite_request_url(\\"/dsl\\") && ctx.add_request_header(\\"dsl\\", \\"dsl\\")",
             "after_router_by_dsl": "conditional((request.host == \\"dslhost\\") && (request.headers[\\"dsl\\"] | \\"empty\\" == \\"dsl\\"), ctx.rewrite_request_url(\\"/dsl\\"), ctx.rewrite_request_url(\\"/dsl1\\"))",
             "after_balancer_by_dsl": "conditional(string(destination.ip) == \\"127.0.0.1\\", ctx.add_request_header(\\"upstream_addr\\", \\"localhost\\"), ctx.add_request_header(\\"upstream_addr\\", \\"nolocalhost\\"))"}
            """;
    private static final byte[] BODY = "x".repeat(64).getBytes(StandardCharsets.UTF_8);

    private final List<StreamReceiverFilter> dsl = new ArrayList<>();
    private final Callbacks callbacks = new Callbacks();
    private Transcoder http2bolt;
    private final BoltProtocol bolt = new BoltProtocol();
    private ByteBuf boltResponse;

    @Setup
    public void setUp() throws Exception {
        var creator = new DslFilterFactory().create(new JsonConfigValue(new ObjectMapper().readTree(DSL_SAMPLE), "dsl"));
        creator.createFilters(new StreamFilterChain() {
            @Override
            public void addReceiverFilter(StreamReceiverFilter filter, ReceiverPhase phase) {
                filter.setReceiverCallbacks(callbacks);
                dsl.add(filter);
            }

            @Override
            public void addSenderFilter(StreamSenderFilter filter) {}
        });
        http2bolt = new HttpToBolt().create(new JsonConfigValue(null, "none"));
        // a bolt v1 response: status success, header map {origin: bolt, dataId: xyz}, 64 bytes of content
        ByteBuf header = Unpooled.buffer();
        for (String s : new String[] {"origin", "bolt", "dataId", "xyz"}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            header.writeInt(b.length).writeBytes(b);
        }
        boltResponse = Unpooled.buffer().writeByte(1).writeByte(0).writeShort(2).writeByte(1).writeInt(7).writeByte(1)
                .writeShort(0).writeShort(0).writeShort(header.readableBytes()).writeInt(BODY.length)
                .writeBytes(header).writeBytes(BODY);
        header.release();
    }

    @Benchmark
    public Headers dslSample() {
        Headers h = Headers.request("GET", "/", "dslhost").add("user-agent", "curl/8").add("accept", "*/*");
        callbacks.requestHeaders = h;
        for (StreamReceiverFilter f : dsl) {
            f.onRequestHeaders(h, true);
        }
        return h;
    }

    @Benchmark
    public int http2boltRoundTrip() {
        Headers h = Headers.request("POST", "/call", "bench.local").add("service", "com.example.Echo")
                .add("user-agent", "curl/8").add("accept", "*/*").add("content-type", "text/plain").add("x-trace", "t1");
        XFrame request = (XFrame) http2bolt.request(h, Unpooled.wrappedBuffer(BODY)).message();
        ByteBuf wire = bolt.encode(request, ByteBufAllocator.DEFAULT);
        int n = wire.readableBytes();
        wire.release();
        request.release();
        ByteBuf in = boltResponse.duplicate();
        XFrame response = bolt.decode(in);
        Transcoder.Response r = http2bolt.response(response.headers());
        n += r.headers().size() + r.body().readableBytes();
        r.body().release();
        response.release();
        return n;
    }

    /** The stream as the dsl filter sees it: the request's headers and a finished request's record. */
    static final class Callbacks extends BenchCallbacks {}
}
