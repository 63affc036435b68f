package io.mosn4j.network;

import io.mosn4j.api.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.EventLoop;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * Adds the bytes a connection reads and writes to two counters, a listener's {@code downstream}
 * {@code bytes_read_total} / {@code bytes_write_total} or a cluster's {@code upstream}
 * {@code connection_bytes_read_total} / {@code connection_bytes_write}: one add per read or write,
 * not per byte. It counts at the socket, below every handler, so the bytes on the wire (TLS
 * records, not what they carry); a write counts when it is handed to the connection.
 *
 * <p>It is no handler in the pipeline, where it cost a hop per read and per write on each side
 * (taking it out saved ~4% of the CPU per keep-alive request, ~10% of the user time), but two
 * hooks Netty calls anyway:
 * the channel's read handle, told the bytes of every read (into a buffer or spliced into a pipe:
 * {@link ForwardingReadHandle}), and its message size estimator, asked the size of every message
 * written to the channel. {@link #install} puts them on a connection before its first read or
 * write. One instance serves all the connections of a listener version or a cluster, on any event
 * loop (the counters are per loop). Bytes written without passing the channel's {@code write}
 * ({@code tcp_proxy}'s splice out of a pipe) are added by what moves them ({@link #written}).
 */
public final class ByteCounter {
    private static final MessageSizeEstimator.Handle SIZES = DefaultMessageSizeEstimator.DEFAULT.newHandle();

    private final Counter read;
    private final Counter written;
    /** The read allocator made for the last one wrapped: a listener's connections all start with the same. */
    private volatile Reads lastReads;

    public ByteCounter(Counter read, Counter written) {
        this.read = read;
        this.written = written;
    }

    /** Counts {@code ch}'s bytes from now on; before its first read and write (its read handle is made then). */
    public void install(Channel ch) {
        RecvByteBufAllocator current = ch.config().getRecvByteBufAllocator();
        Reads reads = lastReads;
        if (reads == null || reads.wrapped != current) {
            lastReads = reads = new Reads(current);
        }
        ch.config().setRecvByteBufAllocator(reads);
        ch.config().setMessageSizeEstimator(new Writes(ch.eventLoop()));
    }

    /** The counter {@code ch}'s bytes go to, or null: it has none. */
    public static ByteCounter of(Channel ch) {
        return ch.config().getMessageSizeEstimator() instanceof Writes w ? w.counter() : null;
    }

    /** {@code bytes} went out on a connection of this counter without passing its channel's {@code write}. */
    public void written(long bytes) {
        written.add(bytes);
    }

    /** A read allocator that counts what its channels' reads move, leaving the reading to the one it wraps. */
    private final class Reads implements RecvByteBufAllocator {
        final RecvByteBufAllocator wrapped;

        Reads(RecvByteBufAllocator wrapped) {
            this.wrapped = wrapped;
        }

        @Override
        public Handle newHandle() {
            return new ForwardingReadHandle(wrapped.newHandle()) {
                @Override
                public void lastBytesRead(int bytes) {
                    if (bytes > 0) {
                        read.add(bytes);
                    }
                    super.lastBytesRead(bytes);
                }
            };
        }
    }

    /**
     * One connection's size estimator, Netty's default one that also counts buffers. Netty asks it
     * on the connection's loop as a write enters the channel, and on another thread when that thread
     * writes (to size the task that carries the write to the loop, which then asks again): only the
     * loop's asking counts.
     */
    private final class Writes implements MessageSizeEstimator, MessageSizeEstimator.Handle {
        private final EventLoop loop;

        Writes(EventLoop loop) {
            this.loop = loop;
        }

        ByteCounter counter() {
            return ByteCounter.this;
        }

        @Override
        public Handle newHandle() {
            return this;
        }

        @Override
        public int size(Object msg) {
            if (msg instanceof ByteBuf b) {
                int n = b.readableBytes();
                if (loop.inEventLoop()) {
                    written.add(n);
                }
                return n;
            }
            return SIZES.size(msg);
        }
    }
}
