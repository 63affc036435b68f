package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.it.RawHttpClient.RawResponse;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's {@code gzip} stream filter through the real {@code bin/mosn}, HTTP/1 and h2c downstream:
 * curl {@code --compressed} and the JDK HttpClient read what it compresses; a body below the
 * minimum, a media type not listed, an already encoded body, HEAD, 204 and 304 pass untouched; a
 * body streamed by the upstream is compressed as it streams (the client reads the first part while
 * the upstream still holds the rest).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GzipTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}",
                   "stream_filters": [{"type": "gzip", "config": {"gzip_level": 6, "content_length": 1024,
                     "content_types": ["text/html", "text/plain"]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}",
                   "stream_filters": [{"type": "gzip", "config": {"content_length": 1024, "content_types": ["text/html", "text/plain"]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${BACKEND}"}]}]}
            }
            """;

    static final String BIG = "<p>mosn4j compresses this line, and this one too.</p>\n".repeat(100);
    static final String SMALL = "<p>short</p>".repeat(10);
    static final String FIRST = "<p>first part, sent at once</p>\n".repeat(40);
    static final String REST = "<p>the rest, after the test says so</p>\n".repeat(40);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static volatile CompletableFuture<Void> streamGate = new CompletableFuture<>();
    private static RawHttpServer backend;
    private static MosnProcess mosn;
    private static int h1;
    private static int h2;

    @BeforeAll
    static void start() throws Exception {
        backend = RawHttpServer.start("gzip", GzipTest::serve);
        h1 = freePort();
        h2 = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H1", h1, "H2", h2, "BACKEND", backend.address())))
                .waitFor(h1, h2).probe(h1).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                assertThat(mosn.stop()).as("mosn exit code; output:\n%s", mosn.output()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            backend.close();
        }
    }

    private static void serve(RawHttpServer.Exchange ex) throws Exception {
        byte[] big = BIG.getBytes(StandardCharsets.UTF_8);
        switch (ex.uri) {
            case "/big" -> ex.respond(200, Map.of("Content-Type", "text/html", "ETag", "\"abc\""), big);
            case "/plain" -> ex.respond(200, Map.of("Content-Type", "text/plain; charset=utf-8"), big);
            case "/small" -> ex.respond(200, Map.of("Content-Type", "text/html"), SMALL.getBytes(StandardCharsets.UTF_8));
            case "/json" -> ex.respond(200, Map.of("Content-Type", "application/json"), big);
            case "/encoded" -> ex.respond(200, Map.of("Content-Type", "text/html", "Content-Encoding", "br"), big);
            case "/empty" -> ex.respond(204, Map.of(), new byte[0]);
            case "/cached" -> ex.respond(304, Map.of("ETag", "\"abc\""), new byte[0]);
            case "/stream" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n");
                chunk(ex, FIRST);
                ex.flush();
                streamGate.get(20, TimeUnit.SECONDS);
                chunk(ex, REST);
                ex.write("0\r\n\r\n");
                ex.flush();
            }
            case "/trailers" -> {
                ex.drainBody();
                ex.write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n");
                chunk(ex, FIRST);
                ex.write("0\r\nx-checksum: 42\r\n\r\n");
                ex.flush();
            }
            default -> ex.respond(404, "no " + ex.uri);
        }
    }

    private static void chunk(RawHttpServer.Exchange ex, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.write(Integer.toHexString(b.length) + "\r\n");
        ex.write(b);
        ex.write("\r\n");
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void curlReadsWhatItCompressesOnHttp1AndH2c() throws Exception {
        for (String[] mode : new String[][] {{"--http1.1", Integer.toString(h1)}, {"--http2-prior-knowledge", Integer.toString(h2)}}) {
            Curl.Result r = Curl.run(mode[0], "--compressed", "-D", "-", "http://127.0.0.1:" + mode[1] + "/big");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            String out = r.stdout().replace("\r\n", "\n");
            String head = out.substring(0, out.indexOf("\n\n")).toLowerCase();
            assertThat(head).contains("content-encoding: gzip").contains("vary: accept-encoding").contains("etag: w/\"abc\"")
                    .doesNotContain("content-length");
            assertThat(out.substring(out.indexOf("\n\n") + 2)).isEqualTo(BIG);
        }
    }

    @Test
    void theJdkClientGetsGzipOnlyWhenItAsksAndTheResponseQualifies() throws Exception {
        HttpResponse<byte[]> gz = get("/plain", "gzip");
        assertThat(gz.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(gz.body().length).isLessThan(BIG.length() / 5);
        assertThat(gunzip(gz.body())).isEqualTo(BIG);

        HttpResponse<byte[]> plain = get("/plain", null);
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new String(plain.body(), StandardCharsets.UTF_8)).isEqualTo(BIG);

        assertUntouched(get("/small", "gzip"), SMALL, "text/html");
        assertUntouched(get("/json", "gzip"), BIG, "application/json");
        assertUntouched(get("/big", "gzip;q=0, deflate"), BIG, "text/html");
        HttpResponse<byte[]> encoded = get("/encoded", "gzip");
        assertThat(encoded.headers().firstValue("content-encoding")).hasValue("br");
        assertThat(new String(encoded.body(), StandardCharsets.UTF_8)).isEqualTo(BIG);
    }

    private static void assertUntouched(HttpResponse<byte[]> r, String body, String type) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-encoding")).isEmpty();
        assertThat(r.headers().firstValue("content-length")).hasValue(Integer.toString(body.length()));
        assertThat(r.headers().firstValue("content-type")).hasValue(type);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void headNoContentAndNotModifiedPassUntouched() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("HEAD /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
            RawResponse head = c.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers().get("content-encoding")).isNull();
            assertThat(head.headers().get("content-length")).isEqualTo(Integer.toString(BIG.length()));
            for (String path : new String[] {"/empty", "/cached"}) {
                c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
                RawResponse r = c.readResponse();
                assertThat(r.status()).isIn(204, 304);
                assertThat(r.headers().get("content-encoding")).isNull();
                assertThat(r.body()).isEmpty();
            }
        }
        try (H2Peers.Client c = new H2Peers.Client(h2)) {
            Http2Headers req = H2Peers.get("/cached", h2).add("accept-encoding", "gzip");
            H2Peers.Response r = c.request(req, null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.headers().contains("content-encoding")).isFalse();
            H2Peers.Response big = c.request(H2Peers.get("/big", h2).add("accept-encoding", "gzip"), null, null).get(10, TimeUnit.SECONDS);
            assertThat(big.headers().get("content-encoding").toString()).isEqualTo("gzip");
            assertThat(gunzip(big.body())).isEqualTo(BIG);
        }
    }

    @Test
    void aStreamedBodyIsCompressedAsItStreams() throws Exception {
        streamGate = new CompletableFuture<>();
        try (RawHttpClient c = RawHttpClient.connect(h1, 10_000)) {
            c.send("GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
            RawResponse head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers().get("content-encoding")).isEqualTo("gzip");
            assertThat(head.headers().get("transfer-encoding")).isEqualTo("chunked");
            // the first part, inflated, while the upstream still holds the rest
            InputStream in = c.in();
            java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
            Inflater inflater = new Inflater(true);
            StringBuilder seen = new StringBuilder();
            int headerLeft = 10;
            while (seen.length() < FIRST.length()) {
                byte[] data = readChunk(in);
                assertThat(data).as("a chunk before the upstream's end").isNotNull();
                compressed.writeBytes(data);
                int skip = Math.min(headerLeft, data.length);
                headerLeft -= skip;
                inflater.setInput(data, skip, data.length - skip);
                byte[] out = new byte[16384];
                int n;
                while ((n = inflater.inflate(out)) > 0) {
                    seen.append(new String(out, 0, n, StandardCharsets.UTF_8));
                }
            }
            inflater.end();
            assertThat(seen.toString()).isEqualTo(FIRST);
            streamGate.complete(null);
            byte[] data;
            while ((data = readChunk(in)) != null) {
                compressed.writeBytes(data);
            }
            assertThat(gunzip(compressed.toByteArray())).isEqualTo(FIRST + REST);
        } finally {
            streamGate.complete(null);
        }
    }

    @Test
    void aBodyEndingInTrailersGetsTheGzipEndBeforeThem() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("GET /trailers HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nTE: trailers\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.headers().get("content-encoding")).isEqualTo("gzip");
            assertThat(gunzip(r.body())).isEqualTo(FIRST);
            assertThat(r.trailers().get("x-checksum")).isEqualTo("42");
        }
    }

    /** An Envoy bootstrap whose static listener has Envoy's compressor with its gzip library (as xDS would send it). */
    static final String ENVOY = """
            {
              "node": {"id": "gzip-test", "cluster": "gzip"},
              "servers": [{"default_log_path": "stdout"}],
              "static_resources": {
                "listeners": [{"name": "envoy", "address": {"socket_address": {"address": "127.0.0.1", "port_value": ${PORT}}},
                  "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    "stat_prefix": "envoy", "codec_type": "AUTO",
                    "route_config": {"virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                      {"match": {"prefix": "/"}, "route": {"cluster": "backend"}}]}]},
                    "http_filters": [
                      {"name": "envoy.filters.http.compressor", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor",
                        "compressor_library": {"name": "gzip", "typed_config": {
                          "@type": "type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip",
                          "compression_level": "BEST_SPEED"}},
                        "response_direction_config": {"common_config": {"min_content_length": 1024, "content_type": ["text/html"]}}}},
                      {"name": "envoy.filters.http.router", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}],
                "clusters": [{"name": "backend", "type": "STATIC", "connect_timeout": "1s",
                  "load_assignment": {"cluster_name": "backend", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
                    {"socket_address": {"address": "127.0.0.1", "port_value": ${BACKEND}}}}}]}]}}]}
            }
            """;

    @Test
    void envoysCompressorFromAnEnvoyConfigCompressesToo() throws Exception {
        int port = freePort();
        try (MosnProcess envoy = MosnProcess.startHttp(render(ENVOY, vars("PORT", port, "BACKEND", backend.port())), port)) {
            Curl.Result r = Curl.run("--compressed", "-D", "-", "http://127.0.0.1:" + port + "/big");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            String out = r.stdout().replace("\r\n", "\n");
            assertThat(out.substring(0, out.indexOf("\n\n")).toLowerCase()).contains("content-encoding: gzip");
            assertThat(out.substring(out.indexOf("\n\n") + 2)).isEqualTo(BIG);
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                c.send("GET /small HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
                RawResponse small = c.readResponse();
                assertThat(small.headers().get("content-encoding")).as("below min_content_length").isNull();
            }
            assertThat(envoy.stop()).isZero();
        }
    }

    /** One chunk of a chunked body, or null at the last chunk (whose trailer section is read too). */
    private static byte[] readChunk(InputStream in) throws IOException {
        String size = HttpWire.readLine(in);
        int n = Integer.parseInt(size.trim(), 16);
        if (n == 0) {
            HttpWire.readFields(in);
            return null;
        }
        byte[] b = in.readNBytes(n);
        HttpWire.readLine(in);
        return b;
    }

    private static HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h1 + path)).timeout(Duration.ofSeconds(10));
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
