package io.mosn4j.protocol.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2BatchFrameWriter} puts on the wire exactly what Netty's frame writer does, frame for frame
 * (HEADERS, CONTINUATION past the frame size, small and large DATA, padding, control frames), with a response's
 * frames joined into the batch's one buffer and each caller's promise completed when that buffer is written.
 */
class Http2BatchFrameWriterTest {
    /** Where the connection's frame writer sits: the pipeline's last handler, whose context it writes with. */
    private static final class Writer extends ChannelHandlerAdapter {
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }
    }

    private static Http2Headers response(String extraValue) {
        Http2Headers h = new DefaultHttp2Headers().status("200").add("content-type", "text/plain").add("server", "mosn4j");
        if (extraValue != null) {
            h.add("x-extra", extraValue);
        }
        return h;
    }

    private static ByteBuf text(String s) {
        return Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Everything {@code frames} writes through {@code writer}, flushed once, as the bytes the channel got, and the
     * outbound messages' count; {@code batch} (null: none) is put in the pipeline before the writer's handler.
     */
    private static Wire wire(Http2FrameWriter writer, Http2WriteBatch batch, BiConsumer<Http2FrameWriter, ChannelHandlerContext> frames) {
        Writer host = new Writer();
        EmbeddedChannel ch = batch != null ? new EmbeddedChannel(batch, host) : new EmbeddedChannel(host);
        frames.accept(writer, host.ctx);
        ch.flush();
        ByteBuf all = Unpooled.buffer();
        int messages = 0;
        for (ByteBuf b; (b = ch.readOutbound()) != null; messages++) {
            all.writeBytes(b);
            b.release();
        }
        ch.finishAndReleaseAll();
        String hex = ByteBufUtil.hexDump(all);
        all.release();
        return new Wire(hex, messages);
    }

    private record Wire(String hex, int messages) {}

    /** The writer under test and the batch it writes into. */
    private record Ours(Http2BatchFrameWriter writer, Http2WriteBatch batch) {}

    private static Ours ours() {
        Http2WriteBatch batch = new Http2WriteBatch();
        return new Ours(new Http2BatchFrameWriter(batch), batch);
    }

    private static void sameAsNetty(BiConsumer<Http2FrameWriter, ChannelHandlerContext> frames, int maxFrameSize) throws Http2Exception {
        DefaultHttp2FrameWriter netty = new DefaultHttp2FrameWriter();
        netty.maxFrameSize(maxFrameSize);
        Ours ours = ours();
        ours.writer().configuration().frameSizePolicy().maxFrameSize(maxFrameSize);
        Wire expected = wire(netty, null, frames);
        Wire actual = wire(ours.writer(), ours.batch(), frames);
        assertThat(actual.hex()).isEqualTo(expected.hex());
        assertThat(actual.messages()).as("a small response leaves as one buffer").isEqualTo(1);
    }

    @Test
    void aResponseIsTheSameBytesAsNettysAndOneBuffer() throws Http2Exception {
        sameAsNetty((w, ctx) -> {
            w.writeHeaders(ctx, 1, response(null), 0, false, ctx.newPromise());
            w.writeData(ctx, 1, text("hello"), 0, true, ctx.newPromise());
            w.writeHeaders(ctx, 3, response("again"), 0, true, ctx.newPromise()); // HPACK's state carries over
            w.writeRstStream(ctx, 5, 8, ctx.newPromise()); // through Netty's writer, into the same batch
            w.writeData(ctx, 7, Unpooled.EMPTY_BUFFER, 0, true, ctx.newPromise());
        }, 16_384);
    }

    @Test
    void aHeaderBlockOverTheFrameSizeGoesOnInContinuationFrames() throws Http2Exception {
        String big = "v".repeat(40_000); // over two 16 KiB frames, HPACK literal (Huffman would not be shorter for 'v')
        sameAsNetty((w, ctx) -> w.writeHeaders(ctx, 1, response(big), 0, true, ctx.newPromise()), 16_384);
    }

    @Test
    void paddedAndLargeFramesAreNettysOwn() throws Http2Exception {
        DefaultHttp2FrameWriter netty = new DefaultHttp2FrameWriter();
        BiConsumer<Http2FrameWriter, ChannelHandlerContext> frames = (w, ctx) -> {
            w.writeHeaders(ctx, 1, response(null), 16, false, ctx.newPromise());
            w.writeData(ctx, 1, text("x".repeat(Http2WriteBatch.SMALL + 1)), 0, false, ctx.newPromise());
            w.writeData(ctx, 1, text("padded"), 7, true, ctx.newPromise());
        };
        Ours ours = ours();
        assertThat(wire(ours.writer(), ours.batch(), frames).hex()).isEqualTo(wire(netty, null, frames).hex());
    }

    @Test
    void promisesCompleteWhenTheBatchIsWritten() {
        Ours ours = ours();
        Http2BatchFrameWriter w = ours.writer();
        Writer host = new Writer();
        EmbeddedChannel ch = new EmbeddedChannel(ours.batch(), host);
        ChannelPromise headers = ch.newPromise();
        ChannelPromise data = ch.newPromise();
        w.writeHeaders(host.ctx, 1, response(null), 0, false, headers);
        w.writeData(host.ctx, 1, text("body"), 0, true, data);
        assertThat(headers.isDone()).isFalse();
        assertThat(data.isDone()).isFalse();
        ch.flush();
        assertThat(headers.isSuccess()).isTrue();
        assertThat(data.isSuccess()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isTrue();
    }

    @Test
    void aHeaderListTooLargeFailsItsWriteAloneAndLeavesNothingBehind() throws Http2Exception {
        Ours ours = ours();
        Http2BatchFrameWriter w = ours.writer();
        w.configuration().headersConfiguration().maxHeaderListSize(100);
        Writer host = new Writer();
        EmbeddedChannel ch = new EmbeddedChannel(ours.batch(), host);
        ChannelPromise first = ch.newPromise();
        ChannelPromise tooLarge = ch.newPromise();
        w.writeData(host.ctx, 1, text("first"), 0, false, first);
        w.writeHeaders(host.ctx, 3, response("y".repeat(200)), 0, true, tooLarge);
        assertThat(tooLarge.cause()).isInstanceOf(Http2Exception.class);
        ch.flush();
        ByteBuf out = ch.readOutbound();
        assertThat(out.readableBytes()).as("the DATA frame alone: 9 + 5 bytes").isEqualTo(14);
        out.release();
        assertThat(first.isSuccess()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void withoutTheBatchInThePipelineFramesGoThroughIt() throws Http2Exception {
        Http2BatchFrameWriter w = ours().writer(); // its batch never added to a pipeline
        DefaultHttp2FrameWriter netty = new DefaultHttp2FrameWriter();
        BiConsumer<Http2FrameWriter, ChannelHandlerContext> frames = (wr, ctx) -> {
            wr.writeHeaders(ctx, 1, response(null), 0, false, ctx.newPromise());
            wr.writeData(ctx, 1, text("hello"), 0, true, ctx.newPromise());
        };
        assertThat(wire(w, null, frames).hex()).isEqualTo(wire(netty, null, frames).hex());
    }
}
