package io.mosn4j.protocol.http2;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits on what a downstream HTTP/2 server connection sends that Netty's handler builder puts around
 * the encoder it makes. {@link Http2ServerConnection} makes its encoder itself (to give it
 * {@link Http2BatchFrameWriter}), and the builder leaves the encoder it is handed as it is, so the connection
 * puts these around it. Each ends a connection that trips it with GOAWAY ENHANCE_YOUR_CALM.
 */
final class Http2EncoderLimits {
    private static final Logger log = LoggerFactory.getLogger(Http2EncoderLimits.class);

    private Http2EncoderLimits() {}

    private static void calm(Http2LifecycleManager lifecycle, ChannelHandlerContext ctx, String why) {
        log.debug("downstream HTTP/2 connection {} closed: {}", ctx.channel().remoteAddress(), why);
        lifecycle.onError(ctx, true, Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "%s", why));
        ctx.close();
    }

    /**
     * Control frames the peer made us owe (SETTINGS and PING acknowledgements, RST_STREAM) and that the socket
     * has not taken yet: a peer that sends them and never reads what comes back (CVE-2019-9512, 9514, 9515)
     * would otherwise fill the proxy's memory. At {@code max} queued, one flush is tried, and if they are still
     * queued the connection ends.
     */
    static final class QueuedControlFrames extends DecoratingHttp2ConnectionEncoder {
        private final int max;
        private int queued;
        private final ChannelFutureListener written = f -> queued--;
        private boolean tripped;
        private Http2LifecycleManager lifecycle;

        QueuedControlFrames(Http2ConnectionEncoder encoder, int max) {
            super(encoder);
            if (max <= 0) {
                throw new IllegalArgumentException("max queued control frames must be positive: " + max);
            }
            this.max = max;
        }

        @Override
        public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
            lifecycle = lifecycleManager;
            super.lifecycleManager(lifecycleManager);
        }

        @Override
        public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
            return super.writeSettingsAck(ctx, counted(ctx, promise));
        }

        @Override
        public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
            return super.writePing(ctx, ack, data, ack ? counted(ctx, promise) : promise); // our own PINGs are ours to bound
        }

        @Override
        public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode, ChannelPromise promise) {
            return super.writeRstStream(ctx, streamId, errorCode, counted(ctx, promise));
        }

        /** {@code promise}, now followed until its frame is written. */
        private ChannelPromise counted(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (tripped) {
                return promise;
            }
            if (queued >= max) {
                ctx.flush(); // what the socket takes now is no longer queued
            }
            if (queued >= max) {
                tripped = true;
                calm(lifecycle, ctx, max + " control frames queued for a peer that does not read them");
            }
            queued++;
            return promise.unvoid().addListener(written);
        }
    }

    /**
     * RST_STREAM frames with an error code (not NO_ERROR or CANCEL) that we send: a peer that makes its streams
     * fail on purpose, many times a second, costs the proxy a reset and a stream each time (CVE-2025-8671).
     * Over {@code max} in {@code seconds}, the connection ends.
     */
    static final class SentResets extends DecoratingHttp2ConnectionEncoder {
        private final int max;
        private final long windowNanos;
        private long windowStart = System.nanoTime();
        private int inWindow;
        private Http2LifecycleManager lifecycle;

        SentResets(Http2ConnectionEncoder encoder, int max, int seconds) {
            super(encoder);
            this.max = max;
            this.windowNanos = TimeUnit.SECONDS.toNanos(seconds);
        }

        @Override
        public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
            lifecycle = lifecycleManager;
            super.lifecycleManager(lifecycleManager);
        }

        @Override
        public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode, ChannelPromise promise) {
            ChannelFuture written = super.writeRstStream(ctx, streamId, errorCode, promise);
            if (errorCode != Http2Error.NO_ERROR.code() && errorCode != Http2Error.CANCEL.code()) {
                long now = System.nanoTime();
                if (now - windowStart >= windowNanos) {
                    windowStart = now;
                    inWindow = 1;
                } else if (++inWindow == max + 1) {
                    calm(lifecycle, ctx, "over " + max + " streams reset with an error in " + TimeUnit.NANOSECONDS.toSeconds(windowNanos) + " s");
                }
            }
            return written;
        }
    }
}
