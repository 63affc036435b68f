package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The heads {@link Http1Wire} writes, one byte a char: a string whose chars are all 0xFF or below
 * (what a decoder makes of the bytes it read) goes out as those bytes, copied in one go; a char
 * above 0xFF goes out as {@code ?}, never as its low byte (U+010A would be a line feed: a second
 * header smuggled into the head).
 */
class Http1WireTest {

    @Test
    void latin1StringsAreCopiedInOneGoAsTheBytesTheyWere() {
        assertThat(Http1Wire.Head.bulkLatin1()).as("java.lang opened to the tests as bin/mosn opens it").isTrue();
        String latin1 = new String(new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', (byte) 0xFF}, StandardCharsets.ISO_8859_1);
        Headers h = new Headers();
        h.add("x-menu", latin1);
        h.add("server", "nginx/1.22.1");
        assertThat(head(h)).isEqualTo("HTTP/1.1 200 OK\r\nx-menu: caf\u00e9 \u00ff\r\nserver: nginx/1.22.1\r\n"
                + "connection: keep-alive\r\n\r\n");
    }

    @Test
    void aCharAbove0xFFGoesOutAsAQuestionMarkNotAsItsLowByte() {
        Headers h = new Headers();
        h.add("x-note", "a\u010Ab\u0D0Dc\u4E2D");
        h.add("x-\u0130d", "v");
        String written = head(h);
        assertThat(written).isEqualTo("HTTP/1.1 200 OK\r\nx-note: a?b?c?\r\nx-?d: v\r\nconnection: keep-alive\r\n\r\n");
        assertThat(written.split("\r\n")).hasSize(4);
    }

    @Test
    void aRequestLineAndHostAreWrittenTheSameWay() {
        ByteBuf b = Http1Wire.requestHead(ByteBufAllocator.DEFAULT, "GET", "/caf\u00e9/\u20ac", "example\u0130", new Headers(), 0);
        try {
            assertThat(b.toString(StandardCharsets.ISO_8859_1)).isEqualTo("GET /caf\u00e9/? HTTP/1.1\r\nhost: example?\r\n\r\n");
        } finally {
            b.release();
        }
    }

    private static String head(Headers h) {
        ByteBuf b = Http1Wire.responseHead(ByteBufAllocator.DEFAULT, false, 200, h, Http1Wire.CONNECTION_KEEP_ALIVE);
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }
}
