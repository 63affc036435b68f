package io.mosn4j.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * A channel's read handle that hands every call to the one it wraps: what a wrapper that watches
 * the reads ({@link ByteCounter}, {@link ReadCounter}) extends, overriding the calls it watches.
 * Netty tells the handle the bytes of every read, into a buffer or spliced into a pipe
 * ({@link #lastBytesRead(int)}), and starts each read round with {@link #reset}.
 */
abstract class ForwardingReadHandle implements RecvByteBufAllocator.ExtendedHandle {
    private final RecvByteBufAllocator.ExtendedHandle delegate;

    ForwardingReadHandle(RecvByteBufAllocator.Handle delegate) {
        this.delegate = (RecvByteBufAllocator.ExtendedHandle) delegate;
    }

    @Override
    public void reset(ChannelConfig config) {
        delegate.reset(config);
    }

    @Override
    public void lastBytesRead(int bytes) {
        delegate.lastBytesRead(bytes);
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
        return delegate.allocate(alloc);
    }

    @Override
    public int guess() {
        return delegate.guess();
    }

    @Override
    public void incMessagesRead(int numMessages) {
        delegate.incMessagesRead(numMessages);
    }

    @Override
    public int lastBytesRead() {
        return delegate.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
        delegate.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
        return delegate.attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
        return delegate.continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
        return delegate.continueReading(maybeMoreDataSupplier);
    }

    @Override
    public void readComplete() {
        delegate.readComplete();
    }
}
