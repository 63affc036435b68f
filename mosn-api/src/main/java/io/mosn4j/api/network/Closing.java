package io.mosn4j.api.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Closing a connection after what was written to it is sent, without waiting forever for that. */
public final class Closing {
    /** How long a peer that does not read gets to take what was written before the close. */
    private static final long GRACE_SECONDS = 10;
    /** How long a connection closed after a refusal keeps reading, and dropping, what its client still sends. */
    public static final long LINGER_SECONDS = 5;

    private Closing() {}

    /**
     * Flushes, then closes; a peer that stops reading cannot hold the connection (and its buffers)
     * open: the close happens anyway after a grace period.
     */
    public static void afterFlush(Channel ch) {
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        // usually all is written at once and the listener has closed the channel already: a closed
        // channel is not writable either, but needs no timer. What waits may count nothing against
        // writability (a splice's bytes sit in a pipe), so anything still queued arms the timer too.
        if (ch.isActive() && (!ch.isWritable() || queued(ch))) {
            closeIn(ch, GRACE_SECONDS);
        }
    }

    private static boolean queued(Channel ch) {
        io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out != null && !out.isEmpty();
    }

    /**
     * Closes {@code ch} in {@code seconds} unless it closes before: then the timer is cancelled. A
     * timer left armed would hold the closed channel (pipeline, codec state: ~2 KiB) until it fires:
     * at 20,000 connections a second closed through here, 5 s of them, ~200 MiB of heap, and as many
     * entries in the event loop's timer queue, whose every insertion and removal then costs more.
     */
    private static void closeIn(Channel ch, long seconds) {
        ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            ch.close();
        }, seconds, TimeUnit.SECONDS);
        ch.closeFuture().addListener(f -> timer.cancel(false));
    }

    /**
     * Whether {@code cause}, ending a connection, is the network's or the peer's doing (an I/O error
     * anywhere in its causes: a reset, a broken pipe) rather than a bug in the proxy. Codecs log the
     * first at debug and the second as a warning with its stack trace, so that no exception closes a
     * connection unseen.
     */
    public static boolean isNetworkFailure(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes after what was written is sent without a reset racing it, for a connection whose
     * client may still be sending (a request the proxy refused, a body it did not read): closing a
     * socket with unread bytes makes the kernel answer RST, and a client receiving it may lose the
     * reply before reading it. So the reply is flushed, the output shut down (the client reads the
     * reply, then end of stream), and the connection keeps reading until the client closes, for at
     * most {@link #LINGER_SECONDS} (nginx's lingering close). The caller drops what it reads from now
     * on. A peer that does not read gets {@link #afterFlush}'s grace period.
     */
    public static void lingering(Channel ch) {
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess() && ch.isActive() && ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                ch.config().setAutoRead(true);
                closeIn(ch, LINGER_SECONDS);
            } else {
                ch.close();
            }
        });
        if (ch.isActive() && !ch.isWritable()) {
            closeIn(ch, GRACE_SECONDS);
        }
    }
}
