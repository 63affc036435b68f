package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request decoder reads common heads itself and leaves the rest to Netty's decoder: whichever
 * reads a request, the codec gets the same mapped headers, framing and body as from Netty's decoder
 * alone, and the same refusals. Each request below is decoded both ways, whole, a byte at a time,
 * and pipelined behind others, and the outcomes compared; which decoder read it is checked too.
 */
class Http1RequestDecoderTest {
    /** What the codec learns of one request, whichever decoder read it. */
    private record Outcome(boolean refused, List<String> fields, String method, boolean http10, boolean keepAlive,
            boolean chunked, long length, boolean expectContinue, boolean expectOther, int hosts, String body, boolean ended) {}

    private static final class Listener implements Http1RequestDecoder.HeadListener {
        final StringBuilder events = new StringBuilder();

        @Override
        public void headStarted() {
            events.append('(');
        }

        @Override
        public void headDone() {
            events.append(')');
        }
    }

    private static List<String> fields(Headers h) {
        if (h == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i) + ": " + h.value(i));
        }
        return out;
    }

    private static Outcome outcome(String method, boolean http10, boolean keepAliveByDefault, Headers mapped, Http1Headers.Framing f) {
        return new Outcome(false, fields(mapped), method, http10, f.keepAlive(keepAliveByDefault), f.chunked,
                f.chunked ? -1 : f.contentLength(0L), f.expectContinue, f.expectOther, f.hosts, "", false);
    }

    private static Outcome withBody(Outcome o, String body, boolean ended) {
        return new Outcome(o.refused, o.fields, o.method, o.http10, o.keepAlive, o.chunked, o.length, o.expectContinue, o.expectOther,
                o.hosts, body, ended);
    }

    /**
     * Turns decoded messages into outcomes; {@code fast} collects, per request, whether this
     * decoder read its head itself.
     */
    private static List<Outcome> outcomes(List<Object> msgs, List<Boolean> fast) {
        List<Outcome> out = new ArrayList<>();
        Outcome current = null;
        StringBuilder body = new StringBuilder();
        for (Object m : msgs) {
            if (m instanceof ParsedRequest p) {
                fast.add(true);
                current = outcome(p.method, p.http10, !p.http10, p.headers, p);
                body.setLength(0);
                out.add(current);
                if (current.length == 0) {
                    out.set(out.size() - 1, withBody(current, "", true)); // no body: nothing follows
                }
            } else if (m instanceof HttpRequest r) {
                fast.add(false);
                if (r.decoderResult().isFailure()) {
                    current = new Outcome(true, null, null, false, false, false, 0, false, false, 0, "", true);
                } else {
                    Http1Headers.Framing f = new Http1Headers.Framing();
                    Headers mapped = Http1Headers.fromRequest(r, f);
                    HttpVersion v = r.protocolVersion();
                    current = outcome(r.method().name(), v.equals(HttpVersion.HTTP_1_0), v.isKeepAliveDefault(), mapped, f);
                }
                body.setLength(0);
                out.add(current);
            }
            if (m instanceof HttpContent c) {
                body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                out.set(out.size() - 1, withBody(current, body.toString(), m instanceof LastHttpContent));
            }
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    /** Netty's decoder alone, as the codec used it before, whole. */
    private static List<Outcome> netty(String wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(SmallHeadersFactory.decoderConfig()
                .setMaxInitialLineLength(Http1Codec.MAX_REQUEST_LINE).setMaxHeaderSize(Http1Codec.MAX_REQUEST_HEADERS).setMaxChunkSize(65536)));
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<Outcome> out = outcomes(Wire.drain(ch), new ArrayList<>());
        ch.finishAndReleaseAll();
        return out;
    }

    /** This decoder, fed {@code step} bytes at a time, as the codec installs it. */
    private static List<Outcome> ours(String wire, int step, List<Boolean> fast, Listener listener) {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder(SmallHeadersFactory.decoderConfig()
                .setMaxInitialLineLength(Http1Codec.MAX_REQUEST_LINE).setMaxHeaderSize(Http1Codec.MAX_REQUEST_HEADERS).setMaxChunkSize(65536),
                listener));
        List<Outcome> out = outcomes(Wire.feed(ch, wire, step), fast);
        ch.finishAndReleaseAll();
        return out;
    }

    /** Decodes {@code wire} both ways, whole and a byte at a time: the same outcomes, and the decoder that read it. */
    private static void assertSame(String wire, boolean readHere) {
        List<Outcome> expected = netty(wire);
        assertThat(expected).as(wire).hasSize(1);
        for (int step : new int[] {wire.length(), 1, 7}) {
            List<Boolean> fast = new ArrayList<>();
            Listener listener = new Listener();
            assertThat(ours(wire, step, fast, listener)).as("%s in pieces of %d", wire, step).isEqualTo(expected);
            // a head that does not come whole in one read is Netty's (read here, it would be scanned again at every read)
            assertThat(fast).as(wire).containsExactly(readHere && step == wire.length());
            if (!expected.getFirst().refused) {
                assertThat(listener.events.toString()).as("head events of %s", wire).isEqualTo("()");
            }
        }
    }

    private static final List<String> READ_HERE = List.of(
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /index.html?q=1&b=%20 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world",
            "POST /u HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\nKeep-Alive: 5\r\nUpgrade: h2c\r\n"
                    + "Proxy-Connection: x\r\nConnection: X-Two\r\nx-two: 2\r\nX-End: \t v \t\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Spaces:   \r\nX-Obs: caf\u00e9 \u00ff\r\n\r\n",
            "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
            "PUT / HTTP/1.1\r\nHost: a\r\nExpect: nope\r\n\r\n",
            "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
            "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nX: y\r\n\r\n",
            "get / HTTP/1.1\r\nHost: a\r\n\r\n",
            "PURGE /x HTTP/1.1\r\nHOST: a\r\nX-Forwarded-For: 127.0.0.1\r\nx-forwarded-for: 127.0.0.2\r\n\r\n",
            "GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: a\r\nCookie: " + "c".repeat(9000) + "\r\n\r\n");

    private static final List<String> NETTYS = List.of(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
            "GET / HTTP/1.1\nHost: a\n\n",
            "GET / HTTP/1.1\r\nHost: a\n\r\n",
            "GET http://a/p?x HTTP/1.1\r\nHost: b\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n  b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.0\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
            "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0001b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n",
            "GET /a\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
            "GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(17000) + "\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n" + "X-Many: 1\r\n".repeat(70) + "\r\n");

    @Test
    void commonHeadsAreReadHereAndMapAsNettysDo() {
        for (String wire : READ_HERE) {
            assertSame(wire, true);
        }
    }

    @Test
    void everyOtherHeadIsNettysFromItsFirstByte() {
        for (String wire : NETTYS) {
            assertSame(wire, false);
        }
    }

    /**
     * A byte that sends the head to Netty's decoder (a control character, DEL, a bare CR or LF) is
     * found wherever it falls in a value, and a tab or a byte above 0x7f is kept wherever it falls
     * (a scan that goes several bytes a step must keep this).
     */
    @Test
    void everyByteOfAValueIsCheckedWhereverItFallsInAWord() {
        for (int at = 0; at < 24; at++) {
            String before = "v".repeat(at);
            for (String bad : List.of("\u0001", "\u001f", "\u007f", "\u0000", "\r", "\n")) {
                assertSame("GET / HTTP/1.1\r\nHost: a\r\nX-Long-Name: " + before + bad + "w".repeat(20) + "\r\nX: y\r\n\r\n", false);
            }
            for (String fine : List.of("\t", "\u0080", "\u00ff", "\u00e9", " ")) {
                assertSame("GET / HTTP/1.1\r\nHost: a\r\nX-Long-Name: " + before + fine + "w".repeat(at % 9) + "\r\nX: y\r\n\r\n", true);
            }
            assertSame("GET /" + before + " HTTP/1.1\r\nHost: a" + before + "\r\n\r\n", true);
        }
    }

    @Test
    void pipelinedRequestsAlternateBetweenTheDecoders() {
        List<String> accepted = new ArrayList<>();
        List<Boolean> readHere = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            accepted.add(READ_HERE.get(4)); // a body by its length
            readHere.add(true);
            accepted.add(NETTYS.get(0)); // chunked
            readHere.add(false);
            accepted.add(READ_HERE.get(i));
            readHere.add(true);
            accepted.add(NETTYS.get(4)); // absolute form
            readHere.add(false);
        }
        String wire = String.join("", accepted);
        List<Outcome> expected = netty(wire);
        assertThat(expected).hasSize(accepted.size());
        for (int step : new int[] {wire.length(), 1, 13, 100}) {
            List<Boolean> fast = new ArrayList<>();
            Listener listener = new Listener();
            assertThat(ours(wire, step, fast, listener)).as("pieces of %d", step).isEqualTo(expected);
            if (step == wire.length()) {
                assertThat(fast).isEqualTo(readHere);
            } else if (step == 1) {
                assertThat(fast).doesNotContain(true);
            }
            assertThat(listener.events.toString()).isEqualTo("()".repeat(accepted.size()));
        }
    }

    /**
     * Input that ends inside a message Netty's decoder is reading (a chunked body, a folded head, a
     * head cut short) ends as Netty's decoder alone ends it: a head cut short is refused, a chunked
     * body just stops.
     */
    @Test
    void inputEndingInsideAMessageNettyIsReadingEndsAsNettysDecoderEndsIt() {
        for (String wire : List.of(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n  b\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n")) {
            List<String> nettys = endings(new HttpRequestDecoder(SmallHeadersFactory.decoderConfig().setMaxChunkSize(65536)), wire);
            if (!wire.contains("chunked")) {
                assertThat(nettys.getLast()).as(wire).endsWith("failed: PrematureChannelClosureException");
            }
            assertThat(endings(new Http1RequestDecoder(SmallHeadersFactory.decoderConfig().setMaxChunkSize(65536), new Listener()), wire))
                    .as(wire).isEqualTo(nettys);
        }
    }

    /** What {@code decoder} decodes of {@code wire}, then of the end of input, one line per message. */
    private static List<String> endings(ChannelHandler decoder, String wire) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<Object> msgs = Wire.drain(ch);
        ch.finish(); // the peer closed: the decoder's end of input
        msgs.addAll(Wire.drain(ch));
        List<String> out = new ArrayList<>();
        for (Object m : msgs) {
            String failure = m instanceof DecoderResultProvider d && d.decoderResult().isFailure()
                    ? " failed: " + d.decoderResult().cause().getClass().getSimpleName() : "";
            if (m instanceof HttpRequest r) {
                out.add("head " + r.method() + " " + r.uri() + failure);
            } else if (m instanceof HttpContent c) {
                out.add((m instanceof LastHttpContent ? "last " : "content ") + c.content().toString(StandardCharsets.ISO_8859_1) + failure);
            } else {
                out.add(m.getClass().getSimpleName());
            }
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    @Test
    void aRefusedRequestKeepsEverythingAfterItWithNetty() {
        String wire = "GET / HTTP/1.1\r\nHost : a\r\n\r\n" + READ_HERE.getFirst();
        List<Boolean> fast = new ArrayList<>();
        List<Outcome> ours = ours(wire, wire.length(), fast, new Listener());
        assertThat(ours).hasSize(1);
        assertThat(ours.getFirst().refused).isTrue();
        assertThat(fast).containsExactly(false);
    }

    @Test
    void aLargeBodyComesInPiecesOfAtMostTheChunkSize() {
        String body = "b".repeat(200_000);
        String wire = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n" + body + READ_HERE.getFirst();
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder(SmallHeadersFactory.decoderConfig().setMaxChunkSize(65536), new Listener()));
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<Object> msgs = Wire.drain(ch);
        assertThat(msgs.get(0)).isInstanceOf(ParsedRequest.class);
        int pieces = 0;
        StringBuilder got = new StringBuilder();
        for (Object m : msgs.subList(1, msgs.size() - 1)) {
            ByteBuf c = ((HttpContent) m).content();
            assertThat(c.readableBytes()).isLessThanOrEqualTo(65536);
            got.append(c.toString(StandardCharsets.ISO_8859_1));
            pieces++;
        }
        assertThat(got.toString()).isEqualTo(body);
        assertThat(pieces).isEqualTo(4);
        assertThat(msgs.get(msgs.size() - 2)).isInstanceOf(LastHttpContent.class);
        assertThat(((LastHttpContent) msgs.get(msgs.size() - 2)).trailingHeaders().isEmpty()).isTrue();
        assertThat(msgs.getLast()).isInstanceOf(ParsedRequest.class); // the next request
        msgs.forEach(ReferenceCountUtil::release);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
