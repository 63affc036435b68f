package io.mosn4j.protocol.dubbo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** An allocator remembering every buffer it hands out, so a test can check all were released. */
final class TrackingAllocator implements ByteBufAllocator {
    private final ByteBufAllocator delegate;

    /** Over the pooled allocator, whose buffers Netty's leak detector tracks. */
    TrackingAllocator() {
        this(PooledByteBufAllocator.DEFAULT);
    }

    TrackingAllocator(ByteBufAllocator delegate) {
        this.delegate = delegate;
    }
    private final List<ByteBuf> handedOut = new ArrayList<>();

    private <B extends ByteBuf> B track(B buf) {
        handedOut.add(buf);
        return buf;
    }

    /** Buffers handed out and not yet released. */
    List<ByteBuf> unreleased() {
        return handedOut.stream().filter(b -> b.refCnt() != 0).toList();
    }

    int handedOut() {
        return handedOut.size();
    }

    @Override public ByteBuf buffer() { return track(delegate.buffer()); }
    @Override public ByteBuf buffer(int i) { return track(delegate.buffer(i)); }
    @Override public ByteBuf buffer(int i, int m) { return track(delegate.buffer(i, m)); }
    @Override public ByteBuf ioBuffer() { return track(delegate.ioBuffer()); }
    @Override public ByteBuf ioBuffer(int i) { return track(delegate.ioBuffer(i)); }
    @Override public ByteBuf ioBuffer(int i, int m) { return track(delegate.ioBuffer(i, m)); }
    @Override public ByteBuf heapBuffer() { return track(delegate.heapBuffer()); }
    @Override public ByteBuf heapBuffer(int i) { return track(delegate.heapBuffer(i)); }
    @Override public ByteBuf heapBuffer(int i, int m) { return track(delegate.heapBuffer(i, m)); }
    @Override public ByteBuf directBuffer() { return track(delegate.directBuffer()); }
    @Override public ByteBuf directBuffer(int i) { return track(delegate.directBuffer(i)); }
    @Override public ByteBuf directBuffer(int i, int m) { return track(delegate.directBuffer(i, m)); }
    @Override public CompositeByteBuf compositeBuffer() { return track(delegate.compositeBuffer()); }
    @Override public CompositeByteBuf compositeBuffer(int n) { return track(delegate.compositeBuffer(n)); }
    @Override public CompositeByteBuf compositeHeapBuffer() { return track(delegate.compositeHeapBuffer()); }
    @Override public CompositeByteBuf compositeHeapBuffer(int n) { return track(delegate.compositeHeapBuffer(n)); }
    @Override public CompositeByteBuf compositeDirectBuffer() { return track(delegate.compositeDirectBuffer()); }
    @Override public CompositeByteBuf compositeDirectBuffer(int n) { return track(delegate.compositeDirectBuffer(n)); }
    @Override public boolean isDirectBufferPooled() { return delegate.isDirectBufferPooled(); }
    @Override public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
        return delegate.calculateNewCapacity(minNewCapacity, maxCapacity);
    }
}
