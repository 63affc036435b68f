package io.mosn4j.api.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.PlatformDependent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuffersTest {

    private static ByteBuf text(ByteBuf b, String s) {
        return b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void appendsTheBytesOfAnyKindOfBufferAndGrowsTheTarget() {
        assertThat(PlatformDependent.hasUnsafe()).as("Netty's Unsafe, as bin/mosn runs it: the one-copy path").isTrue();
        ByteBufAllocator pooled = ByteBufAllocator.DEFAULT;
        for (ByteBuf src : List.of(text(pooled.directBuffer(16), "xxhello worldyy"), text(Unpooled.buffer(16), "xxhello worldyy"),
                text(pooled.directBuffer(64), "zzxxhello worldyy").skipBytes(2).retainedSlice(),
                // a heap buffer whose bytes start past its array's first (an array offset, as a slice of an array has)
                Unpooled.wrappedBuffer("zzxxhello worldyy".getBytes(StandardCharsets.US_ASCII), 2, 15))) {
            for (ByteBuf dst : List.of(text(pooled.directBuffer(4, 64), "HEAD"), text(Unpooled.buffer(4, 64), "HEAD"))) {
                try {
                    int srcReader = src.readerIndex();
                    assertThat(Buffers.append(dst, src, srcReader + 2, 11)).isSameAs(dst);
                    assertThat(dst.toString(StandardCharsets.US_ASCII)).isEqualTo("HEADhello world");
                    assertThat(src.readerIndex()).isEqualTo(srcReader); // the source is only read
                    dst.skipBytes(4);
                    ByteBuf head = dst.copy(0, 4);
                    Buffers.append(dst, head); // readable bytes, from the source's reader index
                    head.release();
                    assertThat(dst.toString(StandardCharsets.US_ASCII)).isEqualTo("hello worldHEAD");
                } finally {
                    dst.release();
                }
            }
            src.release();
        }
    }

    @Test
    void refusesBytesOutsideTheSourceAndReleasedBuffers() {
        ByteBuf src = text(ByteBufAllocator.DEFAULT.directBuffer(8, 8), "12345678");
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            assertThatThrownBy(() -> Buffers.append(dst, src, 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> Buffers.append(dst, src, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(dst.writerIndex()).isZero();
        } finally {
            dst.release();
        }
        ByteBuf freed = ByteBufAllocator.DEFAULT.directBuffer(8);
        freed.release();
        assertThatThrownBy(() -> Buffers.append(freed, src, 0, 2)).isInstanceOf(IllegalReferenceCountException.class);
        src.release();
        ByteBuf heap = Unpooled.wrappedBuffer(new byte[8]);
        heap.release();
        ByteBuf into = ByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            // a released heap buffer has given its array up (capacity 0): refused one way or the other, nothing copied
            assertThatThrownBy(() -> Buffers.append(into, heap, 0, 2))
                    .isInstanceOfAny(IllegalReferenceCountException.class, IndexOutOfBoundsException.class);
            assertThat(into.writerIndex()).isZero();
        } finally {
            into.release();
        }
        ByteBuf to = ByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            assertThatThrownBy(() -> Buffers.append(to, src, 0, 2)).isInstanceOf(IllegalReferenceCountException.class);
        } finally {
            to.release();
        }
    }
}
