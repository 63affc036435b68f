package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A head the decoders read themselves keeps its fields as the bytes they came in as, and the
 * writer copies them to the other side's head: what goes out must be byte for byte what writing
 * Netty's mapping of the same message gives, whatever the spacing, the hop-by-hop fields among
 * them and the framing the other side writes; a field read by name is read from the bytes
 * without decoding the rest, and reads as it would from the decoded block. Responses go from the
 * upstream to the downstream side, requests the other way.
 */
class HeadFieldsTest {
    private static final List<String> HEADS = List.of(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 06 Dec 2026 11:00:00 GMT\r\nContent-Type: text/html\r\n"
                    + "Content-Length: 2\r\nLast-Modified: Sat, 05 Dec 2026 10:00:00 GMT\r\nConnection: keep-alive\r\n"
                    + "ETag: \"6752f0a0-2\"\r\nAccept-Ranges: bytes\r\n\r\n",
            "HTTP/1.1 200 OK\r\nServer:nginx\r\nX-Pad:   padded  \r\nX-Tab:\tt\t\r\nX-Empty:\r\nX-Space: \r\nX-Trail: t \t\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nA: 1\r\nTE: trailers\r\nB: 2\r\nUpgrade: h2c\r\nProxy-Connection: x\r\n"
                    + "C: 3\r\nConnection: close\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Obs: \u00e9t\u00e9\r\nHost: h\r\n"
                    + "Expect: 100-continue\r\ncontent-length: 2\r\nVary: *\r\n\r\n",
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nX-Last: z\r\n\r\n");
    private static final int[] FRAMINGS = {
        Http1Wire.CONNECTION_KEEP_ALIVE, Http1Wire.CHUNKED, Http1Wire.DROP_CONTENT_LENGTH | Http1Wire.CONNECTION_CLOSE,
        Http1Wire.CONTENT_LENGTH_ZERO, 0};

    @Test
    void fieldsGoOutAsWritingNettysMappingWrites() {
        assertWrittenAsNettysMapping(HEADS, HeadFieldsTest::ours, HeadFieldsTest::nettys, HeadFieldsTest::written);
    }

    /**
     * Each head of {@code heads}, decoded by {@code ours} and written with each framing, is what
     * writing {@code nettys} mapping of it gives, before and after the block is decoded; the writer
     * decodes nothing.
     */
    private static void assertWrittenAsNettysMapping(List<String> heads, Function<String, Headers> ours, Function<String, Headers> nettys,
            BiFunction<Headers, Integer, String> written) {
        for (String wire : heads) {
            for (int framing : FRAMINGS) {
                Headers raw = ours.apply(wire);
                assertThat(raw.pendingLoader()).as(wire).isInstanceOf(HeadFields.class);
                String expected = written.apply(nettys.apply(wire), framing);
                assertThat(written.apply(raw, framing)).as("%s framed %d", wire, framing).isEqualTo(expected);
                assertThat(raw.isLoaded()).as("the writer read only the pseudo-headers").isFalse();
                raw.size(); // decoded: written entry by entry from now on, the same again
                assertThat(written.apply(raw, framing)).isEqualTo(expected);
            }
        }
    }

    @Test
    void aFieldReadByNameIsReadFromTheBytesAsTheDecodedBlockHasIt() {
        String wire = HEADS.get(2).replace("A: 1", "X-Kind: k\r\nA: 1");
        Headers decoded = ours(wire);
        decoded.size();
        Headers raw = ours(wire);
        for (String name : List.of(":status", "a", "B", "c", "content-length", "CONTENT-LENGTH", "x-kind",
                "keep-alive", "te", "upgrade", "proxy-connection", "connection", "missing", "", "A ")) {
            assertThat(raw.get(name)).as(name).isEqualTo(decoded.get(name));
        }
        assertThat(raw.get("c")).isEqualTo("3");
        assertThat(raw.get("connection")).isNull();
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.isLoaded()).as("nothing but the fields asked for was read").isFalse();
        // other pseudo-headers, and names String.equalsIgnoreCase may fold (the Kelvin sign to k), are the decoded block's to answer
        assertThat(raw.get(":STATUS")).isEqualTo("200");
        assertThat(raw.get(":path")).isNull();
        assertThat(decoded.get("X-\u212Aind")).isEqualTo("k");
        assertThat(ours(wire).get("X-\u212Aind")).isEqualTo("k");
        assertThat(raw.isLoaded()).isTrue();
    }

    @Test
    void aChangedBlockIsWrittenWithItsChange() {
        Headers raw = ours(HEADS.getFirst());
        raw.set("Server", "mosn4j");
        raw.remove("ETag");
        assertThat(raw.pendingLoader()).isNull();
        String out = written(raw, 0);
        assertThat(out).contains("Server: mosn4j\r\n").doesNotContain("nginx").doesNotContain("ETag");
    }

    @Test
    void aConnectionFieldNamingOthersIsMappedTheUsualWay() {
        String wire = "HTTP/1.1 200 OK\r\nConnection: x-hop, keep-alive\r\nX-Hop: 1\r\nX-End: 2\r\nContent-Length: 2\r\n\r\n";
        Headers h = ours(wire);
        assertThat(h.pendingLoader()).isNull();
        assertThat(written(h, 0)).isEqualTo(written(nettys(wire), 0)).doesNotContain("X-Hop").contains("X-End: 2\r\n");
    }

    private static final List<String> REQUESTS = List.of(
            "GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nCookie: a=b\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A:1\r\nHost: h\r\nTE: trailers\r\nX-B:  2 \r\nKeep-Alive: 5\r\nExpect: 100-continue\r\n"
                    + "Upgrade: x\r\nProxy-Connection: y\r\nX-C: 3\r\nConnection: keep-alive\r\n\r\n",
            "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok",
            "GET / HTTP/1.0\r\nX: y\r\nX-Obs: caf\u00e9\r\n\r\n",
            "PUT / HTTP/1.1\r\nHost: a\r\nExpect: nope\r\nConnection: close\r\n\r\n");

    @Test
    void requestFieldsGoOutAsWritingNettysMappingWrites() {
        assertWrittenAsNettysMapping(REQUESTS, HeadFieldsTest::oursRequest, HeadFieldsTest::nettysRequest, HeadFieldsTest::writtenRequest);
    }

    @Test
    void aRequestsPseudoHeadersAndFieldsReadByNameAreReadAsTheDecodedBlockHasThem() {
        for (String wire : REQUESTS) {
            Headers decoded = oursRequest(wire);
            decoded.size();
            Headers raw = oursRequest(wire);
            for (String name : List.of(Headers.METHOD, Headers.PATH, Headers.AUTHORITY, Headers.SCHEME, Headers.STATUS, "host", "Host",
                    "user-agent", "cookie", "x-b", "te", "expect", "content-length", "connection", "x-obs")) {
                assertThat(raw.get(name)).as("%s of %s", name, wire).isEqualTo(decoded.get(name));
            }
            assertThat(raw.isLoaded()).isFalse();
        }
        assertThat(oursRequest(REQUESTS.getFirst()).authority()).isEqualTo("example.com");
        assertThat(oursRequest(REQUESTS.get(3)).authority()).isNull();
    }

    private static Headers oursRequest(String wire) {
        return decodeOne(new Http1RequestDecoder(SmallHeadersFactory.decoderConfig(), new Http1RequestDecoder.HeadListener() {
            @Override
            public void headStarted() {}

            @Override
            public void headDone() {}
        }), wire, ParsedRequest.class, p -> p.headers);
    }

    private static Headers nettysRequest(String wire) {
        return decodeOne(new HttpRequestDecoder(SmallHeadersFactory.decoderConfig()), wire, HttpRequest.class,
                r -> Http1Headers.fromRequest(r, new Http1Headers.Framing()));
    }

    private static Headers ours(String wire) {
        return decodeOne(new Http1ResponseDecoder(SmallHeadersFactory.decoderConfig()), wire, ParsedResponse.class, p -> p.headers);
    }

    private static Headers nettys(String wire) {
        return decodeOne(new HttpResponseDecoder(SmallHeadersFactory.decoderConfig()), wire, HttpResponse.class,
                r -> Http1Headers.fromResponse(r, new Http1Headers.Framing()));
    }

    /** The headers {@code decoder} makes of the first message of {@code wire}, which must be a {@code type}. */
    private static <T> Headers decodeOne(ChannelHandler decoder, String wire, Class<T> type, Function<T, Headers> headers) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        try {
            ch.writeInbound(ch.alloc().buffer().writeBytes(wire.getBytes(StandardCharsets.ISO_8859_1)));
            Object m = ch.readInbound();
            assertThat(m).as(wire).isInstanceOf(type);
            Headers h = headers.apply(type.cast(m));
            ReferenceCountUtil.release(m);
            return h;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static String writtenRequest(Headers h, int framing) {
        ByteBuf b = Http1Wire.requestHead(ByteBufAllocator.DEFAULT, h.method(), h.path(), h.authority(), h, framing);
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    private static String written(Headers h, int framing) {
        ByteBuf b = Http1Wire.responseHead(ByteBufAllocator.DEFAULT, false, h.status(), h, framing);
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }
}
