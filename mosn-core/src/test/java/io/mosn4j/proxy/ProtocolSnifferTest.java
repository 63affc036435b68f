package io.mosn4j.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.protocol.http1.Http1Codec;
import io.mosn4j.protocol.http2.Http2Codec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProtocolSnifferTest {
    private final List<String> installed = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new ProtocolSniffer(List.of(new Http2Codec(), new Http1Codec()), (ctx, codec) -> {
            installed.add(codec.name());
            ctx.pipeline().addLast(new ChannelInboundHandlerAdapter()); // stands in for the codec
        }, "test"));
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void http2PrefaceInPiecesIsWaitedForThenHandedOnWhole() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRI * HT"));
        assertThat(installed).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(ascii("TP/2.0\r\n\r\nSM\r\n\r\nframes"));
        assertThat(installed).containsExactly("Http2");
        assertThat(ch.pipeline().get(ProtocolSniffer.class)).isNull();
        ByteBuf passed = ch.readInbound();
        assertThat(passed.toString(StandardCharsets.ISO_8859_1)).isEqualTo("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nframes");
        passed.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void http1MethodsAreRecognisedByTheirFirstBytes() {
        for (String line : List.of("GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n", "OPTIONS * HTTP/1.1\r\n", "DELETE /a HTTP/1.0\r\n")) {
            installed.clear();
            EmbeddedChannel ch = channel();
            ch.writeInbound(ascii(line.substring(0, 2)));
            assertThat(installed).isEmpty();
            ch.writeInbound(ascii(line.substring(2)));
            assertThat(installed).containsExactly("Http1");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void unknownBytesCloseTheConnection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x00}));
        assertThat(installed).isEmpty();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aLowercaseMethodIsNotHttp() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("get / HTTP/1.1\r\n"));
        assertThat(installed).isEmpty();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aConnectionStillUndecidedAfterTheSniffTimeoutIsClosed() {
        EmbeddedChannel ch = channel();
        ch.freezeTime();
        ch.writeInbound(ascii("P")); // PRI, POST, PUT or PATCH: undecided
        ch.advanceTimeBy(ProtocolSniffer.SNIFF_TIMEOUT.toMillis() - 1000, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(installed).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void theSniffTimeoutEndsWithDetection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("GET / HTTP/1.1\r\n"));
        assertThat(installed).containsExactly("Http1");
        ch.advanceTimeBy(ProtocolSniffer.SNIFF_TIMEOUT.toNanos() * 2, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
