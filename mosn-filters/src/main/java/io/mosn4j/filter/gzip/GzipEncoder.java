package io.mosn4j.filter.gzip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One response body as a gzip stream (RFC 1952), chunk by chunk: the JDK's deflater (zlib) does the
 * compressing; this adds gzip's 10-byte header and its CRC-32/size trailer around the raw deflate
 * stream. Each chunk is flushed (zlib's sync flush), so a client sees what the upstream sent as
 * it arrives, never waiting for the next chunk. Holds a deflater until {@link #close}.
 *
 * <p>A deflater's set-up (zlib's ~256 KiB of zeroed state) costs more than compressing a small
 * page, so each thread (an event loop: a stream's calls all arrive on its own) keeps a few reset
 * deflaters per level for the next streams.
 */
final class GzipEncoder {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int KEPT_PER_LEVEL = 8;
    @SuppressWarnings("unchecked")
    private static final ThreadLocal<java.util.ArrayDeque<Deflater>[]> KEPT =
            ThreadLocal.withInitial(() -> new java.util.ArrayDeque[10]);

    private final int level;
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private boolean headerWritten;
    private boolean closed;

    GzipEncoder(int level) {
        this.level = level;
        java.util.ArrayDeque<Deflater> kept = KEPT.get()[level];
        Deflater d = kept == null ? null : kept.poll();
        this.deflater = d != null ? d : new Deflater(level, true);
    }

    /** {@code data}'s bytes compressed (not consumed); with {@code last}, the gzip stream's end too. */
    ByteBuf encode(ByteBufAllocator alloc, ByteBuf data, boolean last) {
        int n = data.readableBytes();
        ByteBuf out = alloc.buffer(Math.max(64, n / 2 + 32));
        if (!headerWritten) {
            out.writeBytes(HEADER);
            headerWritten = true;
        }
        if (n > 0) {
            int count = data.nioBufferCount();
            if (count == 1) {
                deflate(data.nioBuffer(), out);
            } else {
                for (ByteBuffer b : data.nioBuffers()) {
                    deflate(b, out);
                }
            }
        }
        if (last) {
            finish(out);
        }
        return out;
    }

    private void deflate(ByteBuffer in, ByteBuf out) {
        crc.update(in.duplicate());
        deflater.setInput(in);
        drain(out, Deflater.SYNC_FLUSH);
    }

    private void finish(ByteBuf out) {
        deflater.finish();
        while (!deflater.finished()) {
            drain(out, Deflater.NO_FLUSH);
        }
        out.writeIntLE((int) crc.getValue());
        out.writeIntLE((int) deflater.getBytesRead());
        close();
    }

    /** Deflates until zlib has nothing more to say for now (it filled less than the room it had). */
    private void drain(ByteBuf out, int flush) {
        while (true) {
            out.ensureWritable(256);
            int room = out.writableBytes();
            ByteBuffer target = out.internalNioBuffer(out.writerIndex(), room);
            int written = deflater.deflate(target, flush);
            out.writerIndex(out.writerIndex() + written);
            if (written < room || deflater.finished()) {
                return;
            }
        }
    }

    /** Hands the deflater, reset, to this thread's next stream (or frees it when enough are kept); idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        java.util.ArrayDeque<Deflater>[] byLevel = KEPT.get();
        java.util.ArrayDeque<Deflater> kept = byLevel[level];
        if (kept == null) {
            kept = byLevel[level] = new java.util.ArrayDeque<>(KEPT_PER_LEVEL);
        }
        if (kept.size() < KEPT_PER_LEVEL) {
            deflater.reset();
            kept.push(deflater);
        } else {
            deflater.end();
        }
    }
}
