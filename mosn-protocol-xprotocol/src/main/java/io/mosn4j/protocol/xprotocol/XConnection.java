package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.TurnFlush;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both ends of an RPC protocol connection share: frames cut from the byte stream by the
 * protocol's decoder and handed to {@link #onFrame} one by one; bytes that cannot be framed close
 * the connection with a log line naming the protocol, the problem and where; frames written out
 * are flushed once per event-loop turn, however many answers that turn produced.
 *
 * <p>What is left buffered after each read (the start of a frame whose end has not come) is
 * reported to the process's {@link PartialFrameBudget}; a connection evicted from it (it held the
 * largest partial frame when all together held too much) is closed with a log line.
 */
abstract class XConnection extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(XConnection.class);

    final XProtocol protocol;
    private final PartialFrameBudget budget;
    private final Counter evictions;
    private PartialFrameBudget.Share partial;
    ChannelHandlerContext ctx;
    private final TurnFlush flush = new TurnFlush(() -> {
        writeBatch();
        ctx.flush();
    });
    /**
     * This turn's frames, appended one after another ({@link XProtocol#encodeInto}) and handed to
     * the channel as one write when the turn flushes, or once {@link #BATCH_BYTES} gathered: a write
     * per frame cost an outbound entry, a pipeline pass and an iovec each (~8% of a bolt call's CPU).
     */
    private ByteBuf batch;
    static final int BATCH_BYTES = 16 * 1024;
    private static final int BATCH_START = 2048;

    /** @param evictions counts closes for holding the largest partial frame while the budget was spent */
    XConnection(XProtocol protocol, PartialFrameBudget budget, Counter evictions) {
        this.protocol = protocol;
        this.budget = budget;
        this.evictions = evictions;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.partial = budget.share(this::evicted);
    }

    /** Evicted from the budget, on whatever event loop reported past it: close. */
    private void evicted() {
        evictions.inc();
        log.warn("{} {}: holds the largest partial frame while all connections together hold more than {} bytes of "
                + "partial frames (partial_frames_buffer_limit_bytes); closing it", protocol.name(), describe(), budget.limit());
        ctx.channel().close();
    }

    /** A whole frame arrived; the callee owns it. */
    abstract void onFrame(XFrame frame);

    /** Whether frames should still be read (false once closing). */
    abstract boolean accepting();

    /** "connection from ADDR" or "upstream ADDR", for log lines. */
    abstract String describe();

    /** {@code host:port} of the peer, without the resolver's "name/" prefix. */
    final String peer() {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
                ? a.getHostString() + ":" + a.getPort()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && accepting()) {
            int start = in.readerIndex();
            XFrame frame;
            try {
                frame = protocol.decode(in);
            } catch (XProtocolException e) {
                log.info("{} {}: {} (at byte {} of the connection); closing it", protocol.name(), describe(), e.getMessage(), start);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (frame == null) {
                break;
            }
            onFrame(frame);
        }
        // what stays buffered is the start of the next frame; a closing connection's bytes are
        // released with it (or here, once it was evicted)
        if (!partial.hold(in.readableBytes())) {
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * Not ByteToMessageDecoder's: it asks for one more read whenever a read decoded no message
     * while auto-read is off, taking it for a frame still waiting for its end. Frames here are
     * handled in {@link #decode} and never passed down the pipeline, so to it no read ever decodes
     * one, and its extra read would undo every pause (a full upstream, a client not reading its
     * answers, a drain): here reading resumes only when auto-read is turned back on.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        discardSomeReadBytes();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        partial.release();
        releaseBatch(); // the connection is gone: what it gathered cannot go out
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        partial.release();
        releaseBatch();
        super.handlerRemoved0(ctx);
    }

    /** Encodes {@code frame}, releases it, and queues the bytes for this turn's flush. */
    final void write(XFrame frame) {
        ByteBuf out = null;
        try {
            if (!batched(frame)) {
                out = protocol.encode(frame, ctx.alloc());
            }
        } finally {
            frame.release();
        }
        if (out != null) {
            writeEncoded(out);
        } else {
            flushThisTurn();
        }
    }

    /**
     * Whether {@code frame} (not released) was appended to this turn's batch; the caller then
     * calls {@link #flushThisTurn}. False when the protocol writes it as a buffer of its own.
     *
     * @throws XProtocolException when the frame cannot be encoded (the batch is as it was)
     */
    final boolean batched(XFrame frame) {
        if (!protocol.encodesInto()) {
            return false;
        }
        if (batch == null) {
            batch = ctx.alloc().ioBuffer(BATCH_START);
        }
        int mark = batch.writerIndex();
        boolean appended;
        try {
            appended = protocol.encodeInto(frame, batch);
        } catch (RuntimeException e) {
            batch.writerIndex(mark);
            throw e;
        }
        if (appended && batch.readableBytes() >= BATCH_BYTES) {
            writeBatch();
        }
        return appended;
    }

    /** Writes a frame's own buffer after the batch gathered so far (frames keep their order). */
    final void writeEncoded(ByteBuf out) {
        writeBatch();
        ctx.write(out, ctx.voidPromise());
        flushThisTurn();
    }

    /** Hands the frames gathered so far to the channel, ahead of anything written after. */
    final void writeBatch() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            if (b.isReadable()) {
                ctx.write(b, ctx.voidPromise());
            } else {
                b.release();
            }
        }
    }

    final void flushThisTurn() {
        flush.request(ctx.channel().eventLoop());
    }

    private void releaseBatch() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            b.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Closing.isNetworkFailure(cause)) {
            log.debug("{} {} failed: {}", protocol.name(), describe(), cause.toString());
        } else {
            log.warn("{} {} closed on an unexpected exception", protocol.name(), describe(), cause);
        }
        ctx.close();
    }
}
