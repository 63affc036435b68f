package io.mosn4j.api.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

/** Closing's timers hold the channel while armed: none when the close is done at once. */
class ClosingTest {
    @Test
    void afterFlushOfWhatIsSentClosesWithoutATimer() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.write(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        Closing.afterFlush(ch);
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.runScheduledPendingTasks()).as("no timer left").isEqualTo(-1);
        releaseOutbound(ch);
    }

    @Test
    void aPeerNotReadingGetsTheGraceTimer() {
        // a write that never completes: the peer reads nothing
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
            }
        });
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        Closing.afterFlush(ch);
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.runScheduledPendingTasks()).as("the grace timer").isGreaterThan(0);
        // (that the close cancels it shows on a real event loop only: EmbeddedChannel's close drops
        // every scheduled task; load.sh's http1_close case measures it, RSS flat)
        ch.close();
    }

    private static void releaseOutbound(EmbeddedChannel ch) {
        Object m;
        while ((m = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
