package io.mosn4j.api.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.PlatformDependent;

/** Copies between Netty buffers that codecs make often. */
public final class Buffers {

    private Buffers() {}

    /**
     * Appends {@code length} bytes of {@code src} from {@code index} to {@code dst} (growing it as
     * {@code writeBytes} does); returns {@code dst}. Neither buffer's reader index moves. Between two
     * direct buffers, or from a heap buffer's array into a direct one, it is one memory copy: Netty's
     * pooled buffer takes another buffer's bytes through NIO views of the two, made per call (two
     * objects, each sliced through a method handle: a sixth of a proxied bolt call's allocations, and
     * of an HTTP/1 response whose body joins its head).
     *
     * @throws IndexOutOfBoundsException when the bytes are not all in {@code src}
     * @throws IllegalReferenceCountException when either buffer was released
     */
    public static ByteBuf append(ByteBuf dst, ByteBuf src, int index, int length) {
        if (index < 0 || length < 0 || index > src.capacity() - length) {
            throw new IndexOutOfBoundsException("bytes " + index + "+" + length + " of a buffer of " + src.capacity());
        }
        boolean fromArray = !src.hasMemoryAddress() && src.hasArray(); // a heap buffer: a direct response's body, a filter's
        if (!PlatformDependent.hasUnsafe() || !dst.hasMemoryAddress() || !(src.hasMemoryAddress() || fromArray)) {
            return dst.writeBytes(src, index, length); // addresses without Unsafe (no --sun-misc-unsafe-memory-access=allow)
        }
        if (src.refCnt() == 0 || dst.refCnt() == 0) {
            throw new IllegalReferenceCountException(0); // what writeBytes would say: never copy freed memory
        }
        dst.ensureWritable(length);
        int at = dst.writerIndex();
        if (fromArray) {
            PlatformDependent.copyMemory(src.array(), src.arrayOffset() + index, dst.memoryAddress() + at, length);
        } else {
            PlatformDependent.copyMemory(src.memoryAddress() + index, dst.memoryAddress() + at, length);
        }
        return dst.writerIndex(at + length);
    }

    /** {@link #append(ByteBuf, ByteBuf, int, int)} of {@code src}'s readable bytes. */
    public static ByteBuf append(ByteBuf dst, ByteBuf src) {
        return append(dst, src, src.readerIndex(), src.readableBytes());
    }
}
