package io.mosn4j.api.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.TimeUnit;

/** Closing a connection after what was written to it is sent, without waiting forever for that. */
public final class Closing {
    /** How long a peer that does not read gets to take what was written before the close. */
    private static final long GRACE_SECONDS = 10;

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
}
