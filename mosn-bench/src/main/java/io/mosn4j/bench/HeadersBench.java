package io.mosn4j.bench;

import io.mosn4j.api.stream.Headers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header map's work on one proxied HTTP/1.1 request and its response, as the proxy does it:
 * the request block built as the codec decodes it, then the lookups routing, tracing and the
 * upstream codec make (method, path, authority, the trace headers, connection tokens), the
 * response block built and looked up by the proxy and the downstream codec (status three times,
 * content-length, transfer-encoding) with the hop-by-hop headers removed. {@code wrk}: the two
 * headers wrk sends; {@code browser}: twelve, as a browser's page request. Names are looked up
 * ignoring case in a small array (no hashing), so the cost grows with the block's size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeadersBench {
    @Param({"wrk", "browser"})
    public String client;

    private static final String[][] WRK = {{"Host", "127.0.0.1:18082"}, {"Connection", "keep-alive"}};
    private static final String[][] BROWSER = {{"Host", "shop.example.com"}, {"Connection", "keep-alive"},
            {"sec-ch-ua", "\"Chromium\";v=\"131\""}, {"sec-ch-ua-mobile", "?0"}, {"Upgrade-Insecure-Requests", "1"},
            {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"},
            {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, {"Sec-Fetch-Site", "none"},
            {"Sec-Fetch-Mode", "navigate"}, {"Accept-Encoding", "gzip, deflate, br"}, {"Accept-Language", "en-US,en;q=0.9"},
            {"Cookie", "session=4f1c2a9e; theme=dark"}};
    private static final String[][] RESPONSE = {{"Server", "nginx"}, {"Date", "Fri, 04 Dec 2026 03:00:00 GMT"},
            {"Content-Type", "text/plain"}, {"Content-Length", "13"}, {"Connection", "keep-alive"}};

    @Benchmark
    public int request() {
        String[][] sent = client.equals("wrk") ? WRK : BROWSER;
        Headers h = new Headers(sent.length + 4);
        h.add(Headers.METHOD, "GET");
        h.add(Headers.PATH, "/reviews/1?x=2");
        for (String[] f : sent) {
            h.add(f[0], f[1]);
        }
        h.set(Headers.AUTHORITY, h.get("host"));
        h.remove("host");
        int n = h.method().length() + h.path().length() + h.authority().length(); // routing
        n += h.authority().length();                                            // virtual host
        n += h.get("x-b3-traceid") == null ? 0 : 1;                              // tracing, absent
        n += h.get("traceparent") == null ? 0 : 1;
        n += h.contains("content-length") ? 1 : 0;                               // framing
        n += h.contains("transfer-encoding") ? 1 : 0;
        h.remove("connection");                                                 // hop-by-hop
        h.remove("keep-alive");
        h.remove("te");
        h.remove("upgrade");
        n += h.authority().length();                                            // upstream codec's Host
        return n + h.size();
    }

    @Benchmark
    public int response() {
        Headers h = new Headers(RESPONSE.length + 2);
        h.add(Headers.STATUS, "200");
        for (String[] f : RESPONSE) {
            h.add(f[0], f[1]);
        }
        h.remove("connection");
        h.remove("keep-alive");
        h.remove("transfer-encoding");
        int n = h.status() + h.status() + h.status();                           // proxy, filters, codec
        n += h.contains("content-length") ? 1 : 0;
        n += h.get("grpc-status") == null ? 0 : 1;
        return n + h.size();
    }
}
