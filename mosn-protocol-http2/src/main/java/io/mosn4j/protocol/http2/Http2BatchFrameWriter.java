package io.mosn4j.protocol.http2;

import io.mosn4j.api.protocol.Buffers;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.internal.PlatformDependent;

/**
 * The HTTP/2 server connection's frame writer: a response's HEADERS frame and its small DATA frames are
 * written straight into the connection's {@link Http2WriteBatch}, each frame in one piece with the caller's
 * promise. Netty's frame writer makes two buffers of each (the 9-byte frame header, then the header block or
 * the payload), sends each down the pipeline with a promise of its own and completes the caller's promise
 * through an aggregator of the two: an h2c profile put ~10% of the event loops' user time there, after
 * {@link Http2WriteBatch} had already joined the pieces into one socket write.
 *
 * <p>Everything else goes to Netty's writer, which shares this writer's HPACK encoder and maximum frame size
 * (what the peer's SETTINGS set through {@link #configuration()}): padded or prioritised frames, DATA frames
 * over {@link Http2WriteBatch#SMALL} bytes, control frames, and any frame while the batch is not in the
 * pipeline. The bytes on the wire are the same as Netty's writer's.
 */
final class Http2BatchFrameWriter extends DecoratingHttp2FrameWriter {
    private static final int HEADER = Http2CodecUtil.FRAME_HEADER_LENGTH;

    private final Http2WriteBatch batch;
    /** Shared with {@link #netty}: one HPACK context per connection, whichever writer encodes. */
    private final DefaultHttp2HeadersEncoder headersEncoder;
    private final DefaultHttp2FrameWriter netty;

    Http2BatchFrameWriter(Http2WriteBatch batch) {
        this(batch, new DefaultHttp2HeadersEncoder());
    }

    private Http2BatchFrameWriter(Http2WriteBatch batch, DefaultHttp2HeadersEncoder headersEncoder) {
        this(batch, headersEncoder, new DefaultHttp2FrameWriter(headersEncoder));
    }

    private Http2BatchFrameWriter(Http2WriteBatch batch, DefaultHttp2HeadersEncoder headersEncoder, DefaultHttp2FrameWriter netty) {
        super(netty); // every other frame, and the configuration the peer's SETTINGS change
        this.batch = batch;
        this.headersEncoder = headersEncoder;
        this.netty = netty;
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream,
                                      ChannelPromise promise) {
        if (padding != 0 || streamId <= 0) {
            return netty.writeHeaders(ctx, streamId, headers, padding, endStream, promise);
        }
        ByteBuf out = batch.room(0);
        if (out == null) {
            return netty.writeHeaders(ctx, streamId, headers, padding, endStream, promise);
        }
        int start = out.writerIndex();
        try {
            out.ensureWritable(HEADER + 256); // a response's block is mostly smaller; the encoder grows it if not
            out.writerIndex(start + HEADER);
            headersEncoder.encodeHeaders(streamId, headers, out);
            int block = out.writerIndex() - start - HEADER;
            int max = netty.maxFrameSize();
            if (block <= max) {
                frameHeader(out, start, block, Http2FrameTypes.HEADERS, flags(endStream) | Http2Flags.END_HEADERS, streamId);
            } else {
                fragment(ctx, out, start, block, max, endStream, streamId);
            }
        } catch (Throwable t) {
            out.writerIndex(start); // nothing of the frame stays in the batch
            promise.tryFailure(t); // a header list over the peer's limit fails this write alone, as with Netty's writer
            if (!(t instanceof Http2Exception)) {
                PlatformDependent.throwException(t); // anything else goes on up, as Netty's writer lets it
            }
            return promise;
        }
        batch.added(promise);
        return promise;
    }

    /** A header block over the peer's frame size: a HEADERS frame and CONTINUATION frames, as RFC 9113 6.10 has it. */
    private static void fragment(ChannelHandlerContext ctx, ByteBuf out, int start, int block, int max, boolean endStream, int streamId) {
        ByteBuf encoded = ctx.alloc().buffer(block);
        try {
            encoded.writeBytes(out, start + HEADER, block);
            out.writerIndex(start);
            byte type = Http2FrameTypes.HEADERS;
            int typeFlags = flags(endStream);
            while (encoded.isReadable()) {
                int n = Math.min(max, encoded.readableBytes());
                boolean last = n == encoded.readableBytes();
                out.ensureWritable(HEADER + n);
                frameHeader(out, out.writerIndex(), n, type, typeFlags | (last ? Http2Flags.END_HEADERS : 0), streamId);
                out.writerIndex(out.writerIndex() + HEADER);
                out.writeBytes(encoded, n);
                type = Http2FrameTypes.CONTINUATION;
                typeFlags = 0;
            }
        } finally {
            encoded.release();
        }
    }

    @Override
    public ChannelFuture writeData(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endStream,
                                   ChannelPromise promise) {
        int n = data.readableBytes();
        if (padding != 0 || streamId <= 0 || n > Http2WriteBatch.SMALL) { // SMALL is under any frame size (16 KiB at least)
            return netty.writeData(ctx, streamId, data, padding, endStream, promise);
        }
        ByteBuf out;
        try {
            out = batch.room(HEADER + n);
            if (out == null) {
                return netty.writeData(ctx, streamId, data, padding, endStream, promise);
            }
            int start = out.writerIndex();
            frameHeader(out, start, n, Http2FrameTypes.DATA, flags(endStream), streamId);
            out.writerIndex(start + HEADER);
            Buffers.append(out, data);
        } catch (Throwable t) {
            data.release();
            promise.tryFailure(t); // as the write would have failed (no memory for the batch)
            return promise;
        }
        data.release();
        batch.added(promise);
        return promise;
    }

    private static int flags(boolean endStream) {
        return endStream ? Http2Flags.END_STREAM : 0;
    }

    /** The 9 bytes of a frame header at {@code index}: length (24 bits), type, flags, stream id. */
    private static void frameHeader(ByteBuf out, int index, int length, byte type, int flags, int streamId) {
        out.setMedium(index, length);
        out.setByte(index + 3, type);
        out.setByte(index + 4, flags);
        out.setInt(index + 5, streamId);
    }
}
