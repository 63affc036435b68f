package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The response decoder reads common heads itself and leaves the rest to Netty's decoder: whichever
 * reads a response, the client connection gets the same status, mapped headers, framing, body and
 * end as from Netty's decoder alone, and the same refusals. Each response below is decoded both
 * ways, whole and in pieces, as the answer to a GET and to a HEAD.
 */
class Http1ResponseDecoderTest {
    /** What the client connection learns of one response, whichever decoder read it. */
    private record Outcome(boolean refused, int status, List<String> fields, boolean keepAlive, boolean framed, long length,
            String body, boolean ended) {}

    private static List<String> fields(Headers h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i) + ": " + h.value(i));
        }
        return out;
    }

    private static Outcome outcome(int status, boolean keepAliveByDefault, Headers mapped, Http1Headers.Framing f) {
        return new Outcome(false, status, fields(mapped), f.keepAlive(keepAliveByDefault), f.contentLength != null || f.chunked,
                f.contentLength(-1L), "", false);
    }

    private static List<Outcome> outcomes(List<Object> msgs, List<Boolean> fast) {
        List<Outcome> out = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (Object m : msgs) {
            Outcome o = null;
            if (m instanceof ParsedResponse p) {
                fast.add(true);
                o = outcome(p.status, !p.http10, p.headers, p);
            } else if (m instanceof HttpResponse r) {
                fast.add(false);
                if (r.decoderResult().isFailure()) {
                    o = new Outcome(true, 0, null, false, false, 0, "", true);
                } else {
                    Http1Headers.Framing f = new Http1Headers.Framing();
                    Headers mapped = Http1Headers.fromResponse(r, f);
                    o = outcome(r.status().code(), r.protocolVersion().isKeepAliveDefault(), mapped, f);
                }
            }
            if (o != null) {
                body.setLength(0);
                out.add(o);
            }
            if (m instanceof HttpContent c) {
                body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                Outcome last = out.getLast();
                out.set(out.size() - 1, new Outcome(last.refused, last.status, last.fields, last.keepAlive, last.framed, last.length,
                        body.toString(), m instanceof LastHttpContent));
            }
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    /** Netty's decoder alone, told about HEAD as the codec tells it. */
    private static List<Outcome> netty(String wire, boolean head) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(SmallHeadersFactory.decoderConfig().setMaxChunkSize(65536)) {
            @Override
            protected boolean isContentAlwaysEmpty(HttpMessage msg) {
                return head || super.isContentAlwaysEmpty(msg);
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<Outcome> out = outcomes(Wire.drain(ch), new ArrayList<>());
        ch.finishAndReleaseAll();
        return out;
    }

    private static List<Outcome> ours(String wire, boolean head, int step, List<Boolean> fast) {
        Http1ResponseDecoder decoder = new Http1ResponseDecoder(SmallHeadersFactory.decoderConfig().setMaxChunkSize(65536));
        decoder.expectHeadResponse(head);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        List<Outcome> out = outcomes(Wire.feed(ch, wire, step), fast);
        ch.finishAndReleaseAll();
        return out;
    }

    private static void assertSame(String wire, boolean head, boolean readHere) {
        List<Outcome> expected = netty(wire, head);
        assertThat(expected).as(wire).isNotEmpty();
        for (int step : new int[] {wire.length(), 1, 5}) {
            List<Boolean> fast = new ArrayList<>();
            assertThat(ours(wire, head, step, fast)).as("%s (HEAD %s) in pieces of %d", wire, head, step).isEqualTo(expected);
            assertThat(fast.getFirst()).as(wire).isEqualTo(readHere && step == wire.length()); // pieces: Netty's
        }
    }

    @Test
    void commonHeadsAreReadHereAndMapAsNettysDo() {
        for (String wire : List.of(
                "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno",
                "HTTP/1.1 503 \r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
                "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.0 200 OK\r\nconnection: KEEP-ALIVE\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 204 No Content\r\nDate: d\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 5\r\n\r\n",
                "HTTP/1.1 200 OK\r\nConnection: x-hop, keep-alive\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=1\r\n"
                        + "set-cookie: b=2\r\nX-Obs: \u00e9t\u00e9 \r\nContent-Length: 1\r\n\r\nx",
                "HTTP/1.1 299 Caf\u00e9\tOK\r\nContent-Length: 0\r\n\r\n")) {
            assertSame(wire, false, true);
        }
        // a HEAD request's answer has no body, whatever its length says
        assertSame("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, true);
        assertSame("HTTP/1.1 200 OK\r\n\r\n", true, true);
    }

    @Test
    void everyOtherHeadIsNettysFromItsFirstByte() {
        for (String wire : List.of(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Trailer: t\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\n\r\nuntil the end",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
                "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 O\u0001K\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "garbage\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: " + "v".repeat(20_000) + "\r\nContent-Length: 2\r\n\r\nok")) {
            assertSame(wire, false, false);
        }
    }

    @Test
    void responsesOnOneConnectionAlternateBetweenTheDecoders() {
        String fast = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nworld\r\n0\r\n\r\n";
        String wire = (fast + chunked + fast).repeat(3);
        List<Outcome> expected = netty(wire, false);
        assertThat(expected).hasSize(9);
        for (int step : new int[] {wire.length(), 1, 17}) {
            List<Boolean> readHere = new ArrayList<>();
            assertThat(ours(wire, false, step, readHere)).isEqualTo(expected);
            if (step == wire.length()) {
                assertThat(readHere).containsExactly(true, false, true, true, false, true, true, false, true);
            } else if (step == 1) {
                assertThat(readHere).doesNotContain(true);
            }
        }
    }

    @Test
    void afterSwitchingProtocolsEveryByteStaysWithNetty() {
        String wire = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        List<Boolean> fast = new ArrayList<>();
        ours(wire, false, wire.length(), fast);
        assertThat(fast).doesNotContain(true);
    }
}
