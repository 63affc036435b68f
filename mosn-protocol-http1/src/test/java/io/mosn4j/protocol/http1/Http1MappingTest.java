package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one pass that maps a message Netty's decoder made also answers what Netty's {@code HttpUtil}
 * answers about its framing (keep-alive, chunked, length, Expect), which the codec asked Netty's
 * header map one lookup at a time before: checked against HttpUtil itself on the same decoded
 * messages, and the mapped fields are the end-to-end ones, in order.
 */
class Http1MappingTest {
    private static HttpMessage decodeHead(boolean request, String wire) {
        EmbeddedChannel ch = request
                ? new EmbeddedChannel(new HttpRequestDecoder(SmallHeadersFactory.decoderConfig())) // Netty's own, always
                : new EmbeddedChannel(new HttpResponseDecoder(SmallHeadersFactory.decoderConfig()));
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        HttpMessage head = null;
        for (Object m; (m = ch.readInbound()) != null; ) {
            if (head == null && m instanceof HttpMessage h) {
                head = h;
            }
            ReferenceCountUtil.release(m); // a head holds no buffer
        }
        ch.finishAndReleaseAll();
        assertThat(head).as(wire).isNotNull();
        assertThat(head.decoderResult().isSuccess()).as(wire).isTrue();
        return head;
    }

    private static List<String> fields(Headers h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i) + ": " + h.value(i));
        }
        return out;
    }

    /** The facts the pass noted are HttpUtil's answers for the same message. */
    private static void assertFramingAsNetty(HttpMessage m, Http1Headers.Framing f) {
        String what = m.toString();
        assertThat(f.keepAlive(m.protocolVersion().isKeepAliveDefault())).as(what).isEqualTo(HttpUtil.isKeepAlive(m));
        assertThat(f.chunked).as(what).isEqualTo(HttpUtil.isTransferEncodingChunked(m));
        assertThat(f.contentLength(-1L)).as(what).isEqualTo(HttpUtil.getContentLength(m, -1L));
        assertThat(f.contentLength != null).as(what).isEqualTo(HttpUtil.isContentLengthSet(m));
        if (m instanceof HttpRequest) {
            assertThat(f.expectContinue && !m.protocolVersion().text().equals("HTTP/1.0")).as(what).isEqualTo(HttpUtil.is100ContinueExpected(m));
        }
    }

    private static Headers request(String wire, Http1Headers.Framing f) {
        HttpRequest req = (HttpRequest) decodeHead(true, wire);
        Headers h = Http1Headers.fromRequest(req, f);
        assertFramingAsNetty(req, f);
        return h;
    }

    private static Headers response(String wire, Http1Headers.Framing f) {
        HttpResponse resp = (HttpResponse) decodeHead(false, wire);
        Headers h = Http1Headers.fromResponse(resp, f);
        assertFramingAsNetty(resp, f);
        return h;
    }

    @Test
    void requestFramingIsWhatNettySays() {
        Http1Headers.Framing f = new Http1Headers.Framing(); // reused, as a connection reuses it
        for (String wire : List.of(
                "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.0\r\n\r\n",
                "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: x-a\r\nConnection: close\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
                "POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
                "POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx",
                "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")) {
            request(wire, f);
        }
    }

    @Test
    void requestFieldsAreTheEndToEndOnesInOrder() {
        Http1Headers.Framing f = new Http1Headers.Framing();
        Headers h = request("GET /p HTTP/1.1\r\nHost: example.com\r\nX-One: 1\r\nTE: trailers\r\nConnection: keep-alive, X-Gone\r\n"
                + "Keep-Alive: timeout=5\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\nx-gone: a\r\nX-Two: 2\r\n"
                + "Connection: x-also\r\nX-Also: b\r\nX-GONE: c\r\nExpect: 100-continue\r\n\r\n", f);
        assertThat(fields(h)).containsExactly(":method: GET", ":path: /p", ":authority: example.com", ":scheme: http",
                "X-One: 1", "X-Two: 2");
        assertThat(f.hosts).isEqualTo(1);
        assertThat(f.expectContinue).isTrue();
        assertThat(f.close).isFalse();

        // a second request on the same connection starts from nothing
        h = request("GET / HTTP/1.1\r\nHost: a\r\nExpect: other\r\nX-Gone: kept\r\n\r\n", f);
        assertThat(fields(h)).containsExactly(":method: GET", ":path: /", ":authority: a", ":scheme: http",
                "Expect: other", "X-Gone: kept");
        assertThat(f.expectContinue).isFalse();
        assertThat(f.expectOther).isTrue();
    }

    @Test
    void twoHostFieldsMapToNothingAndNoHostIsCounted() {
        Http1Headers.Framing f = new Http1Headers.Framing();
        assertThat(request("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", f)).isNull();
        assertThat(f.hosts).isEqualTo(2);
        HttpRequest noHost = (HttpRequest) decodeHead(true, "GET / HTTP/1.1\r\nX: y\r\n\r\n");
        Headers mapped = Http1Headers.fromRequest(noHost, f);
        assertThat(f.hosts).isZero();
        assertThat(Http1Headers.requestError("GET", false, mapped, f)).isEqualTo("HTTP/1.1 request without Host");
        HttpRequest http10 = (HttpRequest) decodeHead(true, "GET / HTTP/1.0\r\n\r\n");
        assertThat(Http1Headers.requestError("GET", true, Http1Headers.fromRequest(http10, f), f)).isNull();
    }

    @Test
    void responseFramingIsWhatNettySays() {
        Http1Headers.Framing f = new Http1Headers.Framing();
        for (String wire : List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody",
                "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "HTTP/1.1 204 No Content\r\n\r\n")) {
            response(wire, f);
        }
        Headers h = response("HTTP/1.1 200 OK\r\nServer: s\r\nConnection: x-hop\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\n"
                + "Host: h\r\nExpect: 100-continue\r\n\r\n0\r\n\r\n", f);
        assertThat(fields(h)).containsExactly(":status: 200", "Server: s", "Host: h", "Expect: 100-continue");
        assertThat(f.chunked).isTrue();
    }
}
