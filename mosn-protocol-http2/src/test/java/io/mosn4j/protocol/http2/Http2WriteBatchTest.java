package io.mosn4j.protocol.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What {@link Http2WriteBatch} hands the channel: the small writes between two flushes as one
 * buffer, in their order with anything larger, each write's promise completed with the combined
 * write's outcome, and nothing held (or leaked) past a flush or a close.
 */
class Http2WriteBatchTest {
    private static ByteBuf text(String s) {
        return Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuf bytes(int n, char c) {
        return text(String.valueOf(c).repeat(n));
    }

    /** The next outbound message as text (released), or null. */
    private static String next(EmbeddedChannel ch) {
        ByteBuf b = ch.readOutbound();
        if (b == null) {
            return null;
        }
        try {
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    @Test
    void smallWritesLeaveAsOneBufferInOrderWithLargerOnes() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2WriteBatch());
        ChannelPromise headers = ch.newPromise();
        ChannelPromise big = ch.newPromise();
        ChannelPromise last = ch.newPromise();
        ch.write(text("HEAD"), headers);
        ch.write(text("data"), ch.voidPromise());
        assertThat(headers.isDone()).as("completes with the combined write, not when copied").isFalse();
        ch.write(bytes(Http2WriteBatch.SMALL + 1, 'x'), big);
        ch.write(text("tail"), last);
        assertThat(last.isDone()).isFalse();
        ch.flush();

        assertThat(next(ch)).isEqualTo("HEADdata");
        assertThat(next(ch)).isEqualTo("x".repeat(Http2WriteBatch.SMALL + 1));
        assertThat(next(ch)).isEqualTo("tail");
        assertThat(next(ch)).isNull();
        assertThat(headers.isSuccess()).isTrue();
        assertThat(big.isSuccess()).isTrue();
        assertThat(last.isSuccess()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aBatchIsWrittenOutOnceItReachesItsLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2WriteBatch());
        int each = Http2WriteBatch.SMALL;
        int fit = (Http2WriteBatch.LIMIT + each - 1) / each; // the write that reaches the limit
        for (int i = 0; i < fit + 1; i++) {
            ch.write(bytes(each, (char) ('a' + i % 26)));
        }
        ch.flush();
        ByteBuf first = ch.readOutbound();
        ByteBuf second = ch.readOutbound();
        assertThat(first.readableBytes()).isEqualTo(fit * each);
        assertThat(second.readableBytes()).isEqualTo(each);
        assertThat((Object) ch.readOutbound()).isNull();
        first.release();
        second.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aCloseFailsWhatWasNeverFlushedAndHoldsNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2WriteBatch());
        ChannelPromise sent = ch.newPromise();
        ch.writeAndFlush(text("sent"), sent);
        ChannelPromise unsent = ch.newPromise();
        ByteBuf copied = text("never flushed");
        ch.write(copied, unsent);
        assertThat(copied.refCnt()).as("copied and released as it was batched").isZero();
        ch.close();

        assertThat(sent.isSuccess()).isTrue();
        assertThat(unsent.isDone()).isTrue();
        assertThat(unsent.cause()).isInstanceOf(ClosedChannelException.class);
        assertThat(next(ch)).isEqualTo("sent");
        assertThat(next(ch)).isNull();
    }

    @Test
    void removingTheHandlerReleasesItsBatchAndFailsItsPromises() {
        Http2WriteBatch batch = new Http2WriteBatch();
        EmbeddedChannel ch = new EmbeddedChannel(batch);
        ChannelPromise p = ch.newPromise();
        ch.write(text("held"), p);
        ch.pipeline().remove(batch);

        assertThat(p.isDone()).isTrue();
        assertThat(p.isSuccess()).isFalse();
        ch.flush();
        assertThat(next(ch)).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void somethingOtherThanABufferPassesAfterTheBatch() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2WriteBatch());
        ch.write(text("first"));
        ch.write("an object");
        ch.flush();
        assertThat(next(ch)).isEqualTo("first");
        assertThat((Object) ch.readOutbound()).isEqualTo("an object");
        assertThat(ch.finish()).isFalse();
    }
}
