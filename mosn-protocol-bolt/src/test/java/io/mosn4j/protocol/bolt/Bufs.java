package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/** Pooled direct buffers (what a connection reads into) and their bytes. */
final class Bufs {
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private Bufs() {}

    static ByteBuf direct(byte[] bytes) {
        return ALLOC.directBuffer(bytes.length).writeBytes(bytes);
    }

    static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    /** Encodes {@code frame} and returns the bytes, releasing the encoded buffer. */
    static byte[] encode(XProtocol protocol, XFrame frame) {
        ByteBuf out = protocol.encode(frame, ALLOC);
        try {
            return bytes(out);
        } finally {
            out.release();
        }
    }

    /** Decodes exactly one whole frame from {@code bytes}; the input buffer is released. */
    static BoltFrame decodeOne(XProtocol protocol, byte[] bytes) {
        ByteBuf in = direct(bytes);
        try {
            BoltFrame f = (BoltFrame) protocol.decode(in);
            if (f == null || in.isReadable()) {
                throw new AssertionError("expected exactly one frame, got " + f + " and " + in.readableBytes() + " bytes left");
            }
            return f;
        } finally {
            in.release();
        }
    }
}
