package io.mosn4j.protocol.http2;

import io.mosn4j.api.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request header timeout of a downstream HTTP/2 connection ({@code request_headers_timeout}):
 * the client has that long from the connection's start to complete its first header block, and as
 * long for every header block it starts later. A block is a HEADERS frame and its CONTINUATIONs, up
 * to END_HEADERS; nothing else may come between them, so a client that never ends one would hold
 * its whole connection (PINGs or a byte now and then keep an idle timeout from firing). A client
 * too slow is closed (GOAWAY; its other streams may finish).
 *
 * <p>Netty's codec does not tell when a block starts, so this handler, in front of it, follows the
 * frame boundaries in the bytes it passes on: the preface, then each frame's 9-byte header, its
 * payload skipped. It reads nothing twice and holds no buffer. Lives on the connection's loop.
 */
final class Http2HeaderTimer extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2HeaderTimer.class);
    private static final int PREFACE = 24;
    private static final int FRAME_HEADER = 9;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final long timeoutNanos;
    private final Counter timeouts;
    private ChannelHandlerContext ctx;
    private int prefaceLeft = PREFACE;
    private final byte[] frameHeader = new byte[FRAME_HEADER];
    private int frameHeaderRead;
    private long payloadLeft;
    /** The frame being read is a HEADERS or CONTINUATION with END_HEADERS: its end ends the block. */
    private boolean endsBlock;
    /** Waiting for a header block to end, since {@link #blockStartedAt}: from the start, the first one. */
    private boolean inBlock = true;
    private long blockStartedAt;
    private ScheduledFuture<?> check;

    Http2HeaderTimer(long timeoutNanos, Counter timeouts) {
        this.timeoutNanos = timeoutNanos;
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        blockStartedAt = System.nanoTime();
        scheduleCheck(timeoutNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf in) {
            follow(in);
        }
        ctx.fireChannelRead(msg);
    }

    /** Moves over the frames in {@code in} (without reading it), noting where header blocks start and end. */
    private void follow(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        if (prefaceLeft > 0) {
            int n = Math.min(prefaceLeft, end - i);
            prefaceLeft -= n;
            i += n;
        }
        while (i < end) {
            if (frameHeaderRead < FRAME_HEADER) {
                int n = Math.min(FRAME_HEADER - frameHeaderRead, end - i);
                in.getBytes(i, frameHeader, frameHeaderRead, n);
                frameHeaderRead += n;
                i += n;
                if (frameHeaderRead < FRAME_HEADER) {
                    return;
                }
                payloadLeft = ((frameHeader[0] & 0xffL) << 16) | ((frameHeader[1] & 0xff) << 8) | (frameHeader[2] & 0xff);
                int type = frameHeader[3] & 0xff;
                boolean endHeaders = (frameHeader[4] & END_HEADERS) != 0;
                if (type == HEADERS && !inBlock) {
                    inBlock = true;
                    blockStartedAt = System.nanoTime();
                    if (check == null) {
                        scheduleCheck(timeoutNanos);
                    }
                }
                endsBlock = endHeaders && (type == HEADERS || type == CONTINUATION);
            } else {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
            }
            if (payloadLeft == 0) {
                frameHeaderRead = 0;
                if (endsBlock) {
                    endsBlock = false;
                    inBlock = false;
                }
            }
        }
    }

    /** Whether a header block (the connection's first, or one a HEADERS frame started) has not ended yet. */
    boolean inHeaderBlock() {
        return inBlock;
    }

    private void scheduleCheck(long delayNanos) {
        check = ctx.executor().schedule(this::checkTimeout, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The one scheduled check of a connection, moved on to the block in progress rather than re-armed per block. */
    private void checkTimeout() {
        check = null;
        if (!inBlock || !ctx.channel().isActive()) {
            return;
        }
        long left = blockStartedAt + timeoutNanos - System.nanoTime();
        if (left > 0) {
            scheduleCheck(left);
            return;
        }
        timeouts.inc();
        log.debug("HTTP/2 connection {}: header block not complete within {} ms; closing", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        ctx.channel().close(); // through the codec: GOAWAY, then the close once the streams in flight end
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
