package io.mosn4j.protocol.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Stats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The frame boundaries {@link Http2HeaderTimer} follows to know when a header block is open,
 * whatever the sizes of the reads the bytes come in: the connection's first block is open from the
 * start; a HEADERS frame opens one, END_HEADERS (on it or a CONTINUATION) closes it once that
 * frame's payload has passed; DATA, PING and SETTINGS frames, however split, do neither.
 */
class Http2HeaderTimerTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0, HEADERS = 1, SETTINGS = 4, PING = 6, CONTINUATION = 9;
    private static final int END_STREAM = 0x1, END_HEADERS = 0x4;

    private static byte[] frame(int type, int flags, int stream, int length) {
        ByteBuf b = Unpooled.buffer();
        b.writeMedium(length).writeByte(type).writeByte(flags).writeInt(stream);
        for (int i = 0; i < length; i++) {
            b.writeByte(i);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    /** Feeds {@code parts} in reads of {@code chunk} bytes; after each read, records whether a block was open. */
    private static List<Boolean> feed(Http2HeaderTimer timer, EmbeddedChannel ch, int chunk, byte[]... parts) {
        ByteBuf all = Unpooled.buffer();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        List<Boolean> states = new ArrayList<>();
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(Math.min(chunk, all.readableBytes())));
            states.add(timer.inHeaderBlock());
            ByteBuf passed;
            while ((passed = ch.readInbound()) != null) {
                passed.release();
            }
        }
        all.release();
        return states;
    }

    private static Http2HeaderTimer timer() {
        return new Http2HeaderTimer(TimeUnit.SECONDS.toNanos(60), Stats.NONE.counter("t"));
    }

    @Test
    void firstBlockIsOpenFromTheStartUntilItsEndHeadersWhateverTheReadSizes() {
        for (int chunk : new int[] {1, 2, 5, 9, 10, 64, 4096}) {
            Http2HeaderTimer t = timer();
            EmbeddedChannel ch = new EmbeddedChannel(t);
            assertThat(t.inHeaderBlock()).isTrue();
            byte[] settings = frame(SETTINGS, 0, 0, 12);
            byte[] ping = frame(PING, 0, 0, 8);
            byte[] headers = frame(HEADERS, END_STREAM | END_HEADERS, 1, 30);
            List<Boolean> states = feed(t, ch, chunk, PREFACE, settings, ping, headers);
            assertThat(states.subList(0, states.size() - 1)).as("read size %d", chunk).doesNotContain(false);
            assertThat(states.getLast()).as("read size %d: the block ended with the HEADERS frame's last byte", chunk).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aBlockSpanningContinuationsClosesOnlyAtTheEndHeadersFrame() {
        for (int chunk : new int[] {1, 3, 9, 100, 100_000}) {
            Http2HeaderTimer t = timer();
            EmbeddedChannel ch = new EmbeddedChannel(t);
            feed(t, ch, 4096, PREFACE, frame(HEADERS, END_HEADERS, 1, 10));
            assertThat(t.inHeaderBlock()).isFalse();
            byte[] data = frame(DATA, 0, 1, 40_000); // a large body in between, split anyhow
            byte[] start = frame(HEADERS, END_STREAM, 3, 20);
            byte[] middle = frame(CONTINUATION, 0, 3, 20);
            byte[] end = frame(CONTINUATION, END_HEADERS, 3, 20);
            assertThat(feed(t, ch, chunk, data)).doesNotContain(true);
            List<Boolean> states = feed(t, ch, chunk, start, middle, end);
            int total = start.length + middle.length + end.length;
            for (int k = 0; k < states.size(); k++) {
                int read = Math.min((k + 1) * chunk, total);
                // open once the HEADERS frame's 9-byte header is in, until the END_HEADERS frame's last byte
                assertThat(states.get(k)).as("read size %d, %d bytes in", chunk, read).isEqualTo(read >= 9 && read < total);
            }
            // an empty-payload HEADERS with END_HEADERS opens and closes at once
            feed(t, ch, chunk, frame(HEADERS, END_HEADERS, 5, 0));
            assertThat(t.inHeaderBlock()).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aHeadersFrameCutShortLeavesTheBlockOpen() {
        Http2HeaderTimer t = timer();
        EmbeddedChannel ch = new EmbeddedChannel(t);
        feed(t, ch, 4096, PREFACE, frame(HEADERS, END_HEADERS, 1, 10), frame(PING, 0, 0, 8));
        assertThat(t.inHeaderBlock()).isFalse();
        byte[] headers = frame(HEADERS, END_HEADERS, 3, 40);
        byte[] half = java.util.Arrays.copyOf(headers, 9 + 20);
        feed(t, ch, 7, half);
        assertThat(t.inHeaderBlock()).isTrue();
        ch.finishAndReleaseAll();
    }
}
