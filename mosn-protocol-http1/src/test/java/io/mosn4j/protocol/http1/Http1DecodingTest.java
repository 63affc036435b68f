package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The decoders as the codec and the pool set them up (shared names for common headers, smaller
 * header maps) decode what Netty's defaults decode: names in the case they came in, every field in
 * order, trailers, and the same refusals.
 */
class Http1DecodingTest {
    private static EmbeddedChannel upstream() {
        return new EmbeddedChannel(new Http1ResponseDecoder(SmallHeadersFactory.decoderConfig()));
    }

    private static EmbeddedChannel downstream() {
        return new EmbeddedChannel(new Http1RequestDecoder(SmallHeadersFactory.decoderConfig(),
                new Http1RequestDecoder.HeadListener() {
                    @Override
                    public void headStarted() {}

                    @Override
                    public void headDone() {}
                }));
    }

    private static List<Object> decode(EmbeddedChannel ch, String wire) {
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
        return out;
    }

    /** The request decoder marks {@code wire}'s request as failed (the codec answers it with 400). */
    private static void assertRefused(String wire) {
        EmbeddedChannel down = downstream();
        List<Object> msgs = decode(down, wire);
        assertThat(((HttpRequest) msgs.get(0)).decoderResult().isFailure()).isTrue();
        msgs.forEach(ReferenceCountUtil::release);
        down.finishAndReleaseAll();
    }

    private static List<String> fields(io.mosn4j.api.stream.Headers h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i) + ": " + h.value(i));
        }
        return out;
    }

    private static List<String> names(HttpHeaders h) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> e : h) {
            names.add(e.getKey() + ": " + e.getValue());
        }
        return names;
    }

    @Test
    void responseFieldsKeepTheirCaseAndOrder() {
        EmbeddedChannel ch = upstream();
        List<Object> msgs = decode(ch, "HTTP/1.1 200 OK\r\nServer: s\r\ncontent-type: text/plain\r\nX-Custom: a\r\n"
                + "ETag: \"e\"\r\netag: \"f\"\r\nCONTENT-LENGTH: 2\r\n\r\nok");
        ParsedResponse r = (ParsedResponse) msgs.get(0); // a head the decoder reads itself
        assertThat(fields(r.headers)).containsExactly(":status: 200", "Server: s", "content-type: text/plain", "X-Custom: a",
                "ETag: \"e\"", "etag: \"f\"", "CONTENT-LENGTH: 2");
        assertThat(r.headers.getAll("etag")).containsExactly("\"e\"", "\"f\"");
        assertThat(((HttpContent) msgs.get(msgs.size() - 1)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("ok");
        assertThat(msgs.get(msgs.size() - 1)).isInstanceOf(LastHttpContent.class);
        msgs.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void commonNamesAreSharedBetweenMessages() {
        EmbeddedChannel ch = upstream();
        String wire = "HTTP/1.1 204 No Content\r\nDate: d\r\nServer: s\r\n\r\n";
        List<Object> first = decode(ch, wire);
        List<Object> second = decode(ch, wire);
        String a = ((ParsedResponse) first.get(0)).headers.name(1);
        String b = ((ParsedResponse) second.get(0)).headers.name(1);
        assertThat(a).isEqualTo("Date").isSameAs(b);
        first.forEach(ReferenceCountUtil::release);
        second.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void manyFieldsAndChunkedTrailersDecodeWhole() {
        EmbeddedChannel ch = upstream();
        StringBuilder wire = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n");
        for (int i = 0; i < 40; i++) {
            wire.append("X-Field-").append(i).append(": v").append(i).append("\r\n");
        }
        wire.append("\r\n2\r\nhi\r\n0\r\ngrpc-status: 0\r\nGrpc-Message: fine\r\n\r\n");
        List<Object> msgs = decode(ch, wire.toString());
        HttpResponse r = (HttpResponse) msgs.get(0);
        for (int i = 0; i < 40; i++) {
            assertThat(r.headers().get("x-field-" + i)).isEqualTo("v" + i);
        }
        LastHttpContent last = (LastHttpContent) msgs.get(msgs.size() - 1);
        assertThat(names(last.trailingHeaders())).containsExactly("grpc-status: 0", "Grpc-Message: fine");
        msgs.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void forbiddenTrailersAndBadNamesAreStillRefused() {
        EmbeddedChannel ch = upstream();
        List<Object> msgs = decode(ch, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\nok: 1\r\n\r\n");
        LastHttpContent last = (LastHttpContent) msgs.get(msgs.size() - 1);
        assertThat(last.trailingHeaders().contains("content-length")).isFalse(); // Netty drops it, as by default
        assertThat(last.trailingHeaders().get("ok")).isEqualTo("1");
        msgs.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();

        assertRefused("GET / HTTP/1.1\r\nHost: h\r\nBad\u0001Name: x\r\n\r\n");
    }

    @Test
    void namesThatAreNotSharedAreStillChecked() {
        // a known name's length and letters, one byte off: decoded (and checked) as any other name
        assertRefused("GET / HTTP/1.1\r\nHost: h\r\nUser-Agen\u0001: x\r\n\r\n");
        assertThat(KnownHeaderNames.isShared(new io.netty.util.AsciiString("User-Agent"))).isFalse();
        assertThat(KnownHeaderNames.isShared(KnownHeaderNames.find("User-Agent".getBytes(StandardCharsets.US_ASCII), 0, 10))).isTrue();
        assertThat(KnownHeaderNames.isShared("User-Agent")).isFalse();
        // a name made over a shared name's own bytes is not that name, and an empty one is no name at all
        io.netty.util.AsciiString host = KnownHeaderNames.find("Host".getBytes(StandardCharsets.US_ASCII), 0, 4);
        assertThat(KnownHeaderNames.isShared(new io.netty.util.AsciiString(host.array(), host.arrayOffset(), 0, false))).isFalse();
    }

    @Test
    void sharedNamesAreFoundWhereverTheyStartAndOnlyAsSpelled() {
        byte[] line = "xxContent-Length: 5".getBytes(StandardCharsets.US_ASCII);
        io.netty.util.AsciiString found = KnownHeaderNames.find(line, 2, 14);
        assertThat(found == null ? null : found.toString()).isEqualTo("Content-Length");
        assertThat(KnownHeaderNames.find("content-length".getBytes(StandardCharsets.US_ASCII), 0, 14).toString()).isEqualTo("content-length");
        assertThat((Object) KnownHeaderNames.find("CONTENT-LENGTH".getBytes(StandardCharsets.US_ASCII), 0, 14)).isNull(); // decoded as any other name
        assertThat((Object) KnownHeaderNames.find("Content-Lengthy".getBytes(StandardCharsets.US_ASCII), 0, 15)).isNull();
        assertThat((Object) KnownHeaderNames.find("Content-Lengt".getBytes(StandardCharsets.US_ASCII), 0, 13)).isNull();
        assertThat((Object) KnownHeaderNames.find(line, 0, 0)).isNull();
    }

    @Test
    void requestNamesKeepTheirCase() {
        EmbeddedChannel ch = downstream();
        List<Object> msgs = decode(ch, "GET /p HTTP/1.1\r\nHost: h\r\nuser-agent: curl\r\nAccept: */*\r\nX-Forwarded-For: 127.0.0.1\r\n"
                + "Cookie: c=1\r\n\r\n");
        ParsedRequest r = (ParsedRequest) msgs.get(0); // a head the decoder reads itself
        assertThat(fields(r.headers)).containsExactly(":method: GET", ":path: /p", ":authority: h", ":scheme: http", "user-agent: curl",
                "Accept: */*", "X-Forwarded-For: 127.0.0.1", "Cookie: c=1");
        msgs.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void hopByHopNamesInAnyCaseAndNoOthersOfTheirLengths() {
        for (String hop : List.of("te", "TE", "Te", "upgrade", "Upgrade", "connection", "Connection", "CONNECTION",
                "keep-alive", "Keep-Alive", "proxy-connection", "Proxy-Connection", "transfer-encoding", "Transfer-Encoding",
                "TRANSFER-ENCODING", "tRANSFER-eNCODING")) {
            assertThat(Http1Headers.isHopByHop(hop)).as(hop).isTrue();
        }
        for (String other : List.of("tx", "ue", "upgradx", "Uppgrade", "user-agent", "User-Agent", "set-cookie", "connectiom",
                "keep-alivf", "x-connection", "proxy-connectiom", "transfer-encodinh", "content-encoding", "", "t")) {
            assertThat(Http1Headers.isHopByHop(other)).as(other).isFalse();
        }
    }
}
