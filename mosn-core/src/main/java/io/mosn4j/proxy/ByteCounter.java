package io.mosn4j.proxy;

import io.mosn4j.stats.DownstreamMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in a proxied connection's pipeline: counts its bytes both ways into the listener's
 * {@code downstream_bytes_read_total} / {@code bytes_write_total}, and the connection's end into
 * {@code connection_destroy} and {@code connection_active}. Per read or write, not per byte.
 */
final class ByteCounter extends ChannelDuplexHandler {
    private final DownstreamMetrics metrics;

    ByteCounter(DownstreamMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            metrics.bytesReadTotal.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            metrics.bytesWriteTotal.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionActive.dec();
        metrics.connectionDestroy.inc();
        ctx.fireChannelInactive();
    }
}
