package io.mosn4j.filter.gzip;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GzipFilterTest {

    /** One stream through the filter: what it handed on instead of each chunk, concatenated. */
    private static final class Stream {
        final GzipFilter filter;
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        int replaced;

        Stream(String json) {
            filter = new GzipFilter(GzipConfig.parse(config(json)));
            filter.setSenderCallbacks((SenderFilterCallbacks) Proxy.newProxyInstance(SenderFilterCallbacks.class.getClassLoader(),
                    new Class<?>[] {SenderFilterCallbacks.class}, (p, m, args) -> {
                        if (m.getName().equals("replaceData")) {
                            ByteBuf b = (ByteBuf) args[0];
                            sent.writeBytes(ByteBufUtil.getBytes(b));
                            b.release();
                            replaced++;
                            return null;
                        }
                        throw new UnsupportedOperationException(m.getName());
                    }));
        }

        Stream request(String method, String acceptEncoding) {
            Headers h = Headers.request(method, "/", "x");
            if (acceptEncoding != null) {
                h.add("accept-encoding", acceptEncoding);
            }
            filter.onRequestHeaders(h, true);
            return this;
        }

        void data(String text, boolean end) {
            ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            try {
                filter.onResponseData(b, end);
            } finally {
                b.release();
            }
        }
    }

    private static Headers response(int status, String type, Long length) {
        Headers h = Headers.response(status);
        if (type != null) {
            h.add("content-type", type);
        }
        if (length != null) {
            h.add("content-length", Long.toString(length));
        }
        return h;
    }

    private static String gunzip(byte[] bytes) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void compressesChunkByChunkIntoOneGzipStream() throws Exception {
        Stream s = new Stream("{\"content_types\": [\"text/plain\"]}").request("GET", "gzip, deflate, br");
        Headers h = response(200, "text/plain; charset=utf-8", 3000L);
        h.add("etag", "\"v1\"");
        s.filter.onResponseHeaders(h, false);
        assertThat(h.get("content-encoding")).isEqualTo("gzip");
        assertThat(h.contains("content-length")).isFalse();
        assertThat(h.get("vary")).isEqualTo("accept-encoding");
        assertThat(h.get("etag")).isEqualTo("W/\"v1\"");
        String a = "a".repeat(1000);
        String b = "b".repeat(1000);
        String c = "c".repeat(1000);
        s.data(a, false);
        int afterFirst = s.sent.size();
        assertThat(gunzipPrefix(s.sent.toByteArray())).as("the first chunk is readable before the next arrives").isEqualTo(a);
        s.data(b, false);
        s.data(c, true);
        assertThat(s.replaced).isEqualTo(3);
        assertThat(afterFirst).isLessThan(100);
        assertThat(gunzip(s.sent.toByteArray())).isEqualTo(a + b + c);
    }

    @Test
    void trailersGetTheStreamsEndBeforeThem() throws Exception {
        Stream s = new Stream("{}").request("GET", "gzip");
        s.filter.onResponseHeaders(response(200, "text/html", null), false);
        s.data("<p>hello</p>", false);
        s.filter.onResponseTrailers(new Headers());
        assertThat(gunzip(s.sent.toByteArray())).isEqualTo("<p>hello</p>");
    }

    @Test
    void aStreamEndedMidBodyLeavesTheNextOneAWholeGzipStream() throws Exception {
        for (int i = 0; i < 20; i++) { // more streams than a thread keeps deflaters for
            Stream cut = new Stream("{}").request("GET", "gzip");
            cut.filter.onResponseHeaders(response(200, "text/html", null), false);
            cut.data("<p>half of it", false);
            cut.filter.onDestroy(); // reset mid-body: its deflater goes back reset
        }
        Stream next = new Stream("{}").request("GET", "gzip");
        next.filter.onResponseHeaders(response(200, "text/html", null), false);
        next.data("<p>whole</p>", true);
        assertThat(gunzip(next.sent.toByteArray())).isEqualTo("<p>whole</p>");
    }

    @Test
    void leavesAloneWhatItMustNotCompress() {
        assertUntouched(new Stream("{}").request("GET", null), response(200, "text/html", null));
        assertUntouched(new Stream("{}").request("GET", "deflate, br"), response(200, "text/html", null));
        assertUntouched(new Stream("{}").request("GET", "gzip;q=0, *"), response(200, "text/html", null));
        assertUntouched(new Stream("{}").request("HEAD", "gzip"), response(200, "text/html", 100L));
        assertUntouched(new Stream("{}").request("GET", "gzip"), response(200, "application/json", null));
        assertUntouched(new Stream("{}").request("GET", "gzip"), response(204, "text/html", null));
        assertUntouched(new Stream("{}").request("GET", "gzip"), response(304, "text/html", null));
        assertUntouched(new Stream("{\"content_length\": 100}").request("GET", "gzip"), response(200, "text/html", 99L));
        Headers encoded = response(200, "text/html", null);
        encoded.add("content-encoding", "br");
        assertUntouched(new Stream("{}").request("GET", "gzip"), encoded);
        Headers noTransform = response(200, "text/html", null);
        noTransform.add("cache-control", "public, no-transform");
        assertUntouched(new Stream("{}").request("GET", "gzip"), noTransform);
    }

    private static void assertUntouched(Stream s, Headers h) {
        String before = h.toString();
        s.filter.onResponseHeaders(h, false);
        s.data("<p>hi</p>", true);
        assertThat(h.toString()).isEqualTo(before);
        assertThat(s.replaced).isZero();
    }

    @Test
    void acceptEncodingIsReadAsAList() {
        assertThat(AcceptEncoding.allowsGzip(List.of("gzip"))).isTrue();
        assertThat(AcceptEncoding.allowsGzip(List.of("br;q=1.0, GZIP;q=0.5"))).isTrue();
        assertThat(AcceptEncoding.allowsGzip(List.of("deflate", "x-gzip"))).isTrue();
        assertThat(AcceptEncoding.allowsGzip(List.of("*"))).isTrue();
        assertThat(AcceptEncoding.allowsGzip(List.of("gzip;q=0"))).isFalse();
        assertThat(AcceptEncoding.allowsGzip(List.of("*, gzip;q=0"))).isFalse();
        assertThat(AcceptEncoding.allowsGzip(List.of("identity"))).isFalse();
        assertThat(AcceptEncoding.allowsGzip(List.of())).isFalse();
    }

    @Test
    void configDefaultsAndErrors() {
        assertThat(GzipConfig.parse(config("{}"))).isEqualTo(new GzipConfig(6, 0, java.util.Set.of("text/html")));
        assertThat(GzipConfig.parse(config("{\"gzip_level\": 9, \"content_length\": 30, \"content_types\": [\"Text/Plain; charset=utf-8\"]}")))
                .isEqualTo(new GzipConfig(9, 30, java.util.Set.of("text/plain")));
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(catchThrowableOfType(ConfigException.class, () -> GzipConfig.parse(config("{\"gzip_level\": 10}"))).getMessage())
                .startsWith(at + "gzip_level: must be 1..9");
        assertThat(catchThrowableOfType(ConfigException.class, () -> GzipConfig.parse(config("{\"content_types\": [\"html\"]}"))).getMessage())
                .startsWith(at + "content_types[0]: must be a media type");
    }

    /** What a gzip stream that has not ended yet inflates to so far. */
    private static String gunzipPrefix(byte[] bytes) throws Exception {
        java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
        inflater.setInput(bytes, 10, bytes.length - 10);
        byte[] out = new byte[8192];
        int n = inflater.inflate(out);
        inflater.end();
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
