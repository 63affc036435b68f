package io.mosn4j.api.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
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
        if (!ch.isWritable()) {
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, GRACE_SECONDS, TimeUnit.SECONDS);
        }
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
                ch.eventLoop().schedule(() -> {
                    ch.close();
                }, LINGER_SECONDS, TimeUnit.SECONDS);
            } else {
                ch.close();
            }
        });
        if (!ch.isWritable()) {
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, GRACE_SECONDS, TimeUnit.SECONDS);
        }
    }
}
