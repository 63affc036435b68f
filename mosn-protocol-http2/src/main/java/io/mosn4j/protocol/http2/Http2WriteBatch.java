package io.mosn4j.protocol.http2;

import io.mosn4j.api.protocol.Buffers;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies the small frames an HTTP/2 connection writes between two flushes into one buffer, so that
 * the channel queues one entry per flush rather than four per response: Netty's frame writer
 * writes a HEADERS frame as two buffers (its 9-byte header, then the header block) and a DATA frame
 * as two (its header, then the payload), each with its own entry in the channel's outbound queue, its
 * own iovec and its own completion. An
 * h2c profile put ~20% of the event loops' user time in queueing, writing and completing those
 * entries, for responses of a few hundred bytes.
 *
 * <p>A buffer of up to {@link #SMALL} bytes is copied in and released; anything larger (a DATA
 * frame's big payload), anything that is not a buffer, and a close or disconnect first write out what was copied,
 * so the order of the bytes is the order of the writes. A copied write's promise completes when the
 * combined buffer's write does, with its outcome, as it would have completed on its own. The copy is
 * written out at the latest at the next flush, or when it reaches {@link #LIMIT} bytes (bounding
 * what a burst of small responses holds here, outside the channel's writability accounting).
 * Lives on the connection's event loop, between the HTTP/2 handler and the head of the pipeline.
 *
 * <p>The connection's own frame writer ({@link Http2BatchFrameWriter}) does not go through the pipeline
 * for a response's HEADERS and small DATA frames: it encodes them straight into this batch ({@link #room},
 * {@link #added}), where they take the same place and the same promise handling as a copied write.
 */
final class Http2WriteBatch extends ChannelOutboundHandlerAdapter {
    /** Buffers up to this size are copied: HEADERS frames, frame headers, small bodies, control frames. */
    static final int SMALL = 2048;
    /** The copy is written out (not flushed) once it holds this much. */
    static final int LIMIT = 32 * 1024;
    private static final int FIRST_CAPACITY = 1024;

    private ByteBuf batch;
    /** The copied writes' promises (none when every one was void). */
    private Waiting waiting;
    /** This handler's place in the pipeline; null once removed. */
    private ChannelHandlerContext ctx;

    @Override
    public boolean isSharable() {
        return false; // Netty's check would look this up in a per-thread map for every connection
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * The batch's buffer, with room for {@code bytes} more, for a frame that the connection's frame writer
     * ({@link Http2BatchFrameWriter}) writes into it directly, as if the frame had come down the pipeline;
     * follow with {@link #added}. Null (write through the pipeline) when this handler is not in one. Called on
     * the connection's event loop, as Netty's HTTP/2 encoder, the writer's caller, is.
     */
    ByteBuf room(int bytes) {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return null;
        }
        if (batch == null) {
            batch = c.alloc().directBuffer(Math.max(FIRST_CAPACITY, bytes));
        } else {
            batch.ensureWritable(bytes);
        }
        return batch;
    }

    /** A frame was written into the buffer {@link #room} gave: {@code promise} completes with the batch's write. */
    void added(ChannelPromise promise) {
        if (!promise.isVoid()) {
            if (waiting == null) {
                waiting = new Waiting();
            }
            waiting.add(promise);
        }
        if (batch.readableBytes() >= LIMIT) {
            writeBatch(ctx);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf && buf.readableBytes() <= SMALL) {
            try {
                Buffers.append(room(buf.readableBytes()), buf); // one memory copy (writeBytes makes two NIO views per call)
            } catch (Throwable t) {
                promise.tryFailure(t); // as the write itself would have failed (no memory for the batch)
                return;
            } finally {
                buf.release();
            }
            added(promise);
            return;
        }
        writeBatch(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeBatch(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeBatch(ctx); // queued as before: flushed by an earlier flush, or failed by the close
        ctx.close(promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeBatch(ctx); // a TCP channel's disconnect is its close
        ctx.disconnect(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        this.ctx = null;
        ByteBuf b = batch;
        Waiting w = waiting;
        batch = null;
        waiting = null;
        if (b != null) {
            b.release();
        }
        if (w != null) {
            w.fail(new IllegalStateException("the HTTP/2 connection's write batch was removed before its bytes were written"));
        }
    }

    private void writeBatch(ChannelHandlerContext ctx) {
        ByteBuf b = batch;
        if (b == null) {
            return;
        }
        Waiting w = waiting;
        batch = null;
        waiting = null;
        if (w == null) {
            ctx.write(b, ctx.voidPromise());
        } else {
            ctx.write(b).addListener(w);
        }
    }

    /** The promises of one combined write, completed with its outcome. */
    private static final class Waiting implements ChannelFutureListener {
        private final List<ChannelPromise> promises = new ArrayList<>(4);

        void add(ChannelPromise p) {
            promises.add(p);
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            Throwable cause = future.cause();
            if (cause == null) {
                for (int i = 0; i < promises.size(); i++) {
                    promises.get(i).trySuccess();
                }
            } else {
                fail(cause);
            }
        }

        void fail(Throwable cause) {
            for (int i = 0; i < promises.size(); i++) {
                promises.get(i).tryFailure(cause);
            }
        }
    }
}
