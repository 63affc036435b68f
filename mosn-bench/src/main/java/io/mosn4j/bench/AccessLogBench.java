package io.mosn4j.bench;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.mosn4j.log.AccessLogFormat;

import io.mosn4j.upstream.Host;
import io.mosn4j.variable.VariableRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What formatting one access log line costs the event loop that finished the request: MOSN's
 * default format ({@code default}, 17 variables: time, durations, addresses, ids) and a JSON line
 * with request headers ({@code json}), or any format given as the parameter ({@code -p
 * format='%duration% %upstream_host%'}, to price variables one by one), over a request record as the proxy fills it. The line goes
 * into a reused line buffer as UTF-8, as on the loop; copying it into the loop's chunk and the
 * writer thread's file write come on top (bytes copied once, a write per 32 KiB).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.mosn4j.bench.EventLoopLikeExecutor"})
public class AccessLogBench {
    @Param({"default", "json"})
    public String format;

    private AccessLogFormat compiled;
    private final LineBuffer line = new LineBuffer(512);
    private final Request request = new Request();

    @Setup(Level.Trial)
    public void setup() {
        VariableRegistry variables = VariableRegistry.load(AccessLogBench.class.getClassLoader());
        compiled = switch (format) {
            case "default" -> AccessLogFormat.text(AccessLogFormat.MOSN_DEFAULT, variables, name -> {
                throw new IllegalStateException("unknown variable " + name);
            });
            case "json" -> AccessLogFormat.json(Map.of("time", "%start_time%", "method", "%request_header_:method%",
                    "path", "%request_header_:path%", "status", "%response_code%", "duration", "%duration%",
                    "upstream", "%upstream_host%", "agent", "%request_header_user-agent%"), variables, name -> {
                throw new IllegalStateException("unknown variable " + name);
            });
            default -> AccessLogFormat.text(format, variables, name -> { // any other value is a format: -p format='%duration%'
                throw new IllegalStateException("unknown variable " + name);
            });
        };
    }

    @Benchmark
    public int line() {
        request.next();
        line.setLength(0);
        compiled.appendTo(line, request);
        return line.length();
    }

    /** A finished request as the proxy records it; times move on with every line. */
    static final class Request implements RequestInfo {
        private static final SocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 51234);
        private static final SocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 2045);
        private static final SocketAddress UPSTREAM_LOCAL = new InetSocketAddress("127.0.0.1", 40112);
        private static final HostInfo HOST = new Host("127.0.0.1:8080", new InetSocketAddress("127.0.0.1", 8080), 1, Map.of());
        private final Headers headers = Headers.request("GET", "/reviews/1?x=2", "bench.local").add("user-agent", "wrk");
        private long start = System.currentTimeMillis();
        private long n;

        void next() {
            n++;
            start += (n & 7) == 0 ? 1 : 0; // ~8 requests per millisecond
        }

        @Override
        public long startTimeMillis() {
            return start;
        }

        @Override
        public long startNanos() {
            return n * 125_000;
        }

        @Override
        public long requestReceivedNanos() {
            return 12_000 + (n & 0xff);
        }

        @Override
        public long responseReceivedNanos() {
            return 180_000 + (n & 0xfff) * 3;
        }

        @Override
        public long requestFinishedNanos() {
            return 190_000 + (n & 0xfff) * 3;
        }

        @Override
        public String protocol() {
            return "HTTP1";
        }

        @Override
        public String upstreamProtocol() {
            return "HTTP1";
        }

        @Override
        public long bytesReceived() {
            return 0;
        }

        @Override
        public long bytesSent() {
            return 612;
        }

        @Override
        public String listenerName() {
            return "bench";
        }

        @Override
        public String routerName() {
            return "bench";
        }

        @Override
        public String virtualHostName() {
            return "all";
        }

        @Override
        public String routeName() {
            return null;
        }

        @Override
        public String clusterName() {
            return "backend";
        }

        @Override
        public HostInfo upstreamHost() {
            return HOST;
        }

        @Override
        public SocketAddress upstreamLocalAddress() {
            return UPSTREAM_LOCAL;
        }

        @Override
        public SocketAddress downstreamLocalAddress() {
            return LISTENER;
        }

        @Override
        public SocketAddress downstreamRemoteAddress() {
            return CLIENT;
        }

        @Override
        public long connectionId() {
            return 42;
        }

        @Override
        public long upstreamConnectionId() {
            return 7;
        }

        @Override
        public int responseCode() {
            return 200;
        }

        @Override
        public int responseFlags() {
            return 0;
        }

        @Override
        public void setResponseFlag(ResponseFlag flag) {
        }

        @Override
        public Headers requestHeaders() {
            return headers;
        }

        @Override
        public Headers responseHeaders() {
            return null;
        }

        @Override
        public Object attribute(String key) {
            return null;
        }

        @Override
        public void setAttribute(String key, Object value) {
        }
    }
}
