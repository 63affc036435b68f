package io.mosn4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilter;
import io.mosn4j.api.filter.StreamFilterChain;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.filter.flowcontrol.FlowControlFilterFactory;
import io.mosn4j.filter.grpcmetric.GrpcMetricFilterFactory;
import io.mosn4j.filter.gzip.GzipFilterFactory;
import io.mosn4j.filter.headertometadata.HeaderToMetadataFilterFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each traffic filter costs one request, on the event loop: the stream's filter made by the
 * factory's creator (as the proxy does per stream), the calls the proxy makes on it, and its end
 * ({@code onDestroy}). {@code flowControl*}: a path a rule names passing and being blocked, and a
 * path no rule names; {@code gzip*}: a 4 KiB text/html response compressed (levels 1 and 6) or
 * passed (the client does not take gzip); {@code headerToMetadata}: one header into metadata;
 * {@code grpcMetric}: one call's counters. Response headers are built per call (the filters change
 * them), which every figure includes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.mosn4j.bench.EventLoopLikeExecutor"})
public class FilterBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGE = "<p>mosn4j compresses this line, and this one too.</p>\n".repeat(80).substring(0, 4096);

    private StreamFilterFactory.Creator flowControl;
    private StreamFilterFactory.Creator gzip6;
    private StreamFilterFactory.Creator gzip1;
    private StreamFilterFactory.Creator headerToMetadata;
    private StreamFilterFactory.Creator grpcMetric;
    private final Stream stream = new Stream();
    private final Headers limited = Headers.request("GET", "/limited?x=1", "bench.local");
    private final Headers blocked = Headers.request("GET", "/blocked", "bench.local");
    private final Headers other = Headers.request("GET", "/other", "bench.local");
    private final Headers gzipRequest = Headers.request("GET", "/page", "bench.local").add("accept-encoding", "gzip, deflate, br");
    private final Headers plainRequest = Headers.request("GET", "/page", "bench.local");
    private final Headers grpcRequest = Headers.request("POST", "/pkg.Svc/Call", "bench.local").add("content-type", "application/grpc");
    private ByteBuf page;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        flowControl = create(new FlowControlFilterFactory(), """
                {"global_switch": true, "log_path": "%s", "app_name": "bench",
                 "rules": [{"resource": "/limited", "grade": 1, "count": 1000000000}, {"resource": "/blocked", "grade": 1, "count": 0}]}"""
                .formatted(System.getProperty("java.io.tmpdir") + "/mosn4j-bench-sentinel"));
        gzip6 = create(new GzipFilterFactory(), "{\"gzip_level\": 6}");
        gzip1 = create(new GzipFilterFactory(), "{\"gzip_level\": 1}");
        headerToMetadata = create(new HeaderToMetadataFilterFactory(),
                "{\"request_rules\": [{\"header\": \"x-version\", \"on_header_present\": {\"key\": \"version\"}}]}");
        grpcMetric = create(new GrpcMetricFilterFactory(), "{}");
        limited.add("x-version", "v2");
        page = PooledByteBufAllocator.DEFAULT.directBuffer(PAGE.length());
        page.writeCharSequence(PAGE, StandardCharsets.US_ASCII);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        page.release();
    }

    private static StreamFilterFactory.Creator create(StreamFilterFactory f, String json) throws Exception {
        return f.create(new JsonConfigValue(JSON.readTree(json), "bench"), null);
    }

    @Benchmark
    public FilterStatus flowControlPass() {
        return stream.open(flowControl).request(limited).end();
    }

    @Benchmark
    public FilterStatus flowControlBlocked() {
        return stream.open(flowControl).request(blocked).end();
    }

    @Benchmark
    public FilterStatus flowControlOtherPath() {
        return stream.open(flowControl).request(other).end();
    }

    @Benchmark
    public FilterStatus gzipLevel6() {
        return gzip(gzip6, gzipRequest);
    }

    @Benchmark
    public FilterStatus gzipLevel1() {
        return gzip(gzip1, gzipRequest);
    }

    @Benchmark
    public FilterStatus gzipNotAccepted() {
        return gzip(gzip6, plainRequest);
    }

    private FilterStatus gzip(StreamFilterFactory.Creator creator, Headers request) {
        Stream s = stream.open(creator).request(request);
        Headers response = Headers.response(200).add("content-type", "text/html; charset=utf-8").add("content-length", "4096");
        s.sender.onResponseHeaders(response, false);
        FilterStatus st = s.sender.onResponseData(page.duplicate(), true);
        s.end();
        return st;
    }

    @Benchmark
    public FilterStatus headerToMetadata() {
        return stream.open(headerToMetadata).request(limited).end();
    }

    @Benchmark
    public FilterStatus grpcMetric() {
        Stream s = stream.open(grpcMetric);
        s.sender.onResponseHeaders(Headers.response(200).add("content-type", "application/grpc"), false);
        FilterStatus st = s.sender.onResponseTrailers(new Headers(2).add("grpc-status", "0"));
        s.end();
        return st;
    }

    /** One stream's filters and the callbacks they see; reused, state reset per stream. */
    private final class Stream extends BenchCallbacks implements StreamFilterChain {
        final List<StreamFilter> filters = new ArrayList<>(2);
        StreamReceiverFilter receiver;
        StreamSenderFilter sender;
        FilterStatus last;

        Stream open(StreamFilterFactory.Creator creator) {
            filters.clear();
            receiver = null;
            sender = null;
            creator.createFilters(this);
            return this;
        }

        Stream request(Headers h) {
            last = receiver == null ? FilterStatus.CONTINUE : receiver.onRequestHeaders(h, true);
            return this;
        }

        FilterStatus end() {
            for (StreamFilter f : filters) {
                f.onDestroy();
            }
            return last;
        }

        @Override
        public void addReceiverFilter(StreamReceiverFilter filter, ReceiverPhase phase) {
            receiver = filter;
            filters.add(filter);
            filter.setReceiverCallbacks(this);
        }

        @Override
        public void addSenderFilter(StreamSenderFilter filter) {
            sender = filter;
            if (!filters.contains(filter)) {
                filters.add(filter);
            }
            filter.setSenderCallbacks(this);
        }

        @Override
        public Headers requestHeaders() {
            return grpcRequest;
        }
    }
}
