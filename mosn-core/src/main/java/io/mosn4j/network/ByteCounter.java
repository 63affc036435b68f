package io.mosn4j.network;

import io.mosn4j.api.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in a connection's pipeline: adds the bytes of each read and of each write to two counters,
 * a listener's {@code downstream} {@code bytes_read_total} / {@code bytes_write_total} or a
 * cluster's {@code upstream} {@code connection_bytes_read_total} / {@code connection_bytes_write}.
 * One add per read or write, not per byte. Ahead of every other handler it counts the bytes on the
 * wire (TLS records, not what they carry); a write counts when it is handed to the connection.
 *
 * <p>Holds no state of a connection: one instance serves all the connections of a listener or a
 * cluster, on any event loop (the counters are per loop). Bytes that move without passing the
 * pipeline ({@code tcp_proxy}'s splice) are added by what moves them, with {@link #read} and
 * {@link #written}.
 */
@ChannelHandler.Sharable
public final class ByteCounter extends ChannelDuplexHandler {
    private final Counter read;
    private final Counter written;

    public ByteCounter(Counter read, Counter written) {
        this.read = read;
        this.written = written;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            read.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            written.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }

    /** {@code bytes} came in on a connection of this counter without passing its pipeline. */
    public void read(long bytes) {
        read.add(bytes);
    }

    /** {@code bytes} went out on a connection of this counter without passing its pipeline. */
    public void written(long bytes) {
        written.add(bytes);
    }
}
