package io.mosn4j.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;

/**
 * One channel's read allocator, wrapping the one it had, that counts the bytes of each read round:
 * Netty's epoll transport reports what a round moved to the allocator's handle, whether it read
 * into a buffer or spliced into a pipe. With splice no buffer reaches the pipeline, so this is how
 * the TCP proxy learns that a round moved bytes (activity) or nothing at all (after the peer's FIN:
 * the end of its data).
 *
 * <p>Only usable when it is installed before the channel's first read: the channel keeps the
 * handle it made then ({@link #install} says whether it took).
 */
final class ReadCounter implements RecvByteBufAllocator {
    private final RecvByteBufAllocator wrapped;
    /** Handles made since {@link #install} set it (the setter makes one to check its type). */
    private int made = -1;
    /** Bytes the current (or last) read round moved. */
    private long round;

    private ReadCounter(RecvByteBufAllocator wrapped) {
        this.wrapped = wrapped;
    }

    /** Counts {@code ch}'s reads from now on; null when its reads were set up already (it read before). */
    static ReadCounter install(Channel ch) {
        ReadCounter counter = new ReadCounter(ch.config().getRecvByteBufAllocator());
        ch.config().setRecvByteBufAllocator(counter);
        counter.made = 0;
        ch.unsafe().recvBufAllocHandle(); // makes the handle now, from this allocator unless it exists
        if (counter.made == 0) {
            ch.config().setRecvByteBufAllocator(counter.wrapped);
            return null;
        }
        return counter;
    }

    /** The bytes the last read round moved (zero: nothing came, or the channel's input is at its end). */
    long lastRound() {
        return round;
    }

    @Override
    public Handle newHandle() {
        if (made >= 0) {
            made++;
        }
        return new Counting(wrapped.newHandle());
    }

    private final class Counting extends ForwardingReadHandle {
        Counting(Handle delegate) {
            super(delegate);
        }

        @Override
        public void reset(ChannelConfig config) {
            round = 0;
            super.reset(config);
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes > 0) {
                round += bytes;
            }
            super.lastBytesRead(bytes);
        }
    }
}
