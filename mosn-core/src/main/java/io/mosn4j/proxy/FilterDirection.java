package io.mosn4j.proxy;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.MessageDecodeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;

/**
 * One direction of a stream (the request through its receiver filters, or the response through
 * its sender filters): headers, body chunks and trailers handed from filter to filter, then to the
 * direction's sink. A filter that returns {@link FilterStatus#STOP} holds what follows until it
 * resumes:
 *
 * <ul>
 *   <li>on headers: later chunks and trailers wait at the filter without calling it;
 *   <li>on a chunk: the chunk is buffered, the filter sees each later chunk and the trailers, and
 *       the first {@code CONTINUE} (or {@code resume()}) passes everything buffered on as one chunk;
 *   <li>on trailers: they (and any buffered body before them) wait for {@code resume()}.
 * </ul>
 *
 * With no filters every event goes straight to the sink. Runs on the stream's event loop only.
 */
abstract class FilterDirection {
    static final int NONE = 0;
    static final int HEADERS = 1;
    static final int DATA = 2;
    static final int TRAILERS = 3;

    /** Marks, in an entry's held items, that the data item before it ended the direction. */
    private static final Object END = new Object();

    final DownstreamStream stream;
    Entry[] entries = EMPTY;
    int count;
    Headers headers;
    boolean headersEnd;
    /** Bytes held by filters of this direction right now. */
    long heldBytes;

    FilterDirection(DownstreamStream stream) {
        this.stream = stream;
    }

    // ---- what a direction plugs in ----

    abstract FilterStatus callHeaders(Entry e, Headers h, boolean end);

    abstract FilterStatus callData(Entry e, ByteBuf data, boolean end);

    abstract FilterStatus callTrailers(Entry e, Headers trailers);

    /** Work due before entry {@code i} runs (or the sink, {@code i == count}); false when the stream ended. */
    boolean beforeHeaders(int i) {
        return true;
    }

    /** After a filter's headers call returned (request filters: a re-route it asked for). */
    void afterHeadersCall(Entry e) {}

    abstract void sinkHeaders(Headers h, boolean end);

    /** Takes ownership of {@code data}. */
    abstract void sinkData(ByteBuf data, boolean end);

    abstract void sinkTrailers(Headers trailers);

    /** What filters of this direction hold grew past the buffer limit while stopped: {@code kind} says how it stopped. */
    abstract void overLimit(int kind);

    /** Everything held was passed on: what {@link #overLimit} paused may go on. */
    void underLimit() {}

    // ---- events from the source ----

    final void onHeaders(Headers h, boolean end) {
        headers = h;
        headersEnd = end;
        headersAt(0, h, end);
    }

    final void onData(ByteBuf data, boolean end) {
        dataAt(0, data, end);
    }

    final void onTrailers(Headers trailers) {
        trailersAt(0, trailers);
    }

    private void headersAt(int i, Headers h, boolean end) {
        for (; i < count; i++) {
            if (!beforeHeaders(i)) {
                return;
            }
            Entry e = entries[i];
            FilterStatus status = call(e, HEADERS, h, null, end);
            if (stream.done) {
                return;
            }
            afterHeadersCall(e);
            if (status == FilterStatus.STOP) {
                e.stop = HEADERS;
                return;
            }
        }
        if (beforeHeaders(count)) {
            sinkHeaders(h, end);
        }
    }

    private void dataAt(int i, ByteBuf data, boolean end) {
        for (; i < count; i++) {
            Entry e = entries[i];
            if (e.stop == HEADERS || e.stop == TRAILERS) {
                hold(e, data, end);
                return;
            }
            FilterStatus status = call(e, DATA, null, data, end);
            ByteBuf replaced = e.takeReplacement();
            if (replaced != null) {
                data.release();
                data = replaced;
            }
            if (stream.done) {
                data.release();
                return;
            }
            if (status == FilterStatus.STOP) {
                e.stop = DATA;
                hold(e, data, end);
                return;
            }
            if (e.stop == DATA) {
                e.stop = NONE;
                data = takeHeldData(e, data);
            }
        }
        sinkData(data, end);
    }

    private void trailersAt(int i, Headers trailers) {
        for (; i < count; i++) {
            Entry e = entries[i];
            if (e.stop == HEADERS || e.stop == TRAILERS) {
                e.held().add(trailers);
                return;
            }
            FilterStatus status = call(e, TRAILERS, trailers, null, false);
            ByteBuf added = e.takeReplacement(); // a body chunk the filter adds before the trailers
            if (stream.done) {
                if (added != null) {
                    added.release();
                }
                return;
            }
            if (status == FilterStatus.STOP) {
                e.stop = TRAILERS;
                if (added != null) {
                    hold(e, added, false); // a resume passes held body on before the trailers
                }
                e.held().add(trailers);
                return;
            }
            if (e.stop == DATA) {
                e.stop = NONE;
                ByteBuf held = takeHeldData(e, added);
                if (held != null) {
                    dataAt(i + 1, held, false);
                    if (stream.done) {
                        return;
                    }
                }
            } else if (added != null) {
                dataAt(i + 1, added, false);
                if (stream.done) {
                    return;
                }
            }
        }
        sinkTrailers(trailers);
    }

    /** Calls the filter, turning a resume it asked for during the call (a completed stage) into CONTINUE. */
    private FilterStatus call(Entry e, int what, Headers h, ByteBuf data, boolean end) {
        e.calling = what;
        e.resumeAfterCall = false;
        FilterStatus status;
        try {
            status = switch (what) {
                case HEADERS -> callHeaders(e, h, end);
                case DATA -> callData(e, data, end);
                default -> callTrailers(e, h);
            };
        } catch (MessageDecodeException ex) {
            stream.decodeFailed(ex); // the filter read headers that cannot be decoded (an RPC body)
            return FilterStatus.STOP;
        } catch (RuntimeException ex) {
            stream.filterFailed(e, ex);
            return FilterStatus.STOP;
        } finally {
            e.calling = NONE;
        }
        if (status == FilterStatus.STOP && e.resumeAfterCall) {
            return FilterStatus.CONTINUE;
        }
        return status == null ? FilterStatus.CONTINUE : status;
    }

    /** The filter at {@code e} resumes its stopped direction: what it held goes on to the next filter. */
    final void resume(Entry e) {
        if (stream.done) {
            return;
        }
        if (e.calling != NONE) {
            e.resumeAfterCall = true;
            return;
        }
        int kind = e.stop;
        if (kind == NONE) {
            return;
        }
        e.stop = NONE;
        int next = e.index + 1;
        if (kind == HEADERS) {
            headersAt(next, headers, headersEnd);
            if (stream.done) {
                return;
            }
        }
        ArrayDeque<Object> held = e.held;
        if (held != null) {
            if (kind == DATA || kind == TRAILERS) {
                // a buffered body goes on as one chunk
                ByteBuf body = takeHeldData(e, null);
                if (body != null) {
                    boolean end = held.peekFirst() == END;
                    if (end) {
                        held.pollFirst();
                    }
                    dataAt(next, body, end);
                    if (stream.done) {
                        return;
                    }
                }
            }
            Object item;
            while ((item = held.poll()) != null) {
                if (item instanceof ByteBuf data) {
                    heldBytes -= data.readableBytes();
                    boolean end = held.peekFirst() == END;
                    if (end) {
                        held.pollFirst();
                    }
                    dataAt(next, data, end);
                } else if (item instanceof Headers trailers) {
                    trailersAt(next, trailers);
                }
                if (stream.done) {
                    return;
                }
            }
        }
        if (heldBytes <= 0) {
            heldBytes = 0;
            underLimit();
        }
    }

    private void hold(Entry e, ByteBuf data, boolean end) {
        ArrayDeque<Object> held = e.held();
        held.add(data);
        if (end) {
            held.add(END);
        }
        heldBytes += data.readableBytes();
        if (heldBytes > stream.bufferLimit()) {
            overLimit(e.stop);
        }
    }

    /** The data chunks {@code e} holds at the front of its queue, with {@code tail} after them, as one buffer. */
    private ByteBuf takeHeldData(Entry e, ByteBuf tail) {
        ArrayDeque<Object> held = e.held;
        if (held == null || !(held.peekFirst() instanceof ByteBuf)) {
            return tail;
        }
        CompositeByteBuf all = Unpooled.compositeBuffer(Math.max(2, held.size() + 1));
        while (held.peekFirst() instanceof ByteBuf b) {
            held.pollFirst();
            heldBytes -= b.readableBytes();
            all.addComponent(true, b);
            if (held.peekFirst() == END && tail != null) {
                held.pollFirst(); // the tail comes after: it carries the end now
            }
            if (held.peekFirst() == END) {
                break;
            }
        }
        if (tail != null) {
            all.addComponent(true, tail);
        }
        return all;
    }

    /** Releases what filters hold; the stream ended. */
    final void releaseHeld() {
        for (int i = 0; i < count; i++) {
            ArrayDeque<Object> held = entries[i].held;
            if (held != null) {
                Object item;
                while ((item = held.poll()) != null) {
                    if (item instanceof ByteBuf b) {
                        b.release();
                    }
                }
            }
        }
        heldBytes = 0;
    }

    final void add(Entry e) {
        if (count == entries.length) {
            entries = java.util.Arrays.copyOf(entries, Math.max(4, count * 2));
        }
        e.index = count;
        entries[count++] = e;
    }

    private static final Entry[] EMPTY = new Entry[0];

    /** One filter's place in the direction, and its state for this stream. */
    abstract static class Entry {
        int index;
        int stop = NONE;
        /** The call the filter is in ({@link #HEADERS}, {@link #DATA}, {@link #TRAILERS}), or {@link #NONE}. */
        int calling;
        boolean resumeAfterCall;
        ArrayDeque<Object> held;
        /** The chunk the filter's current data or trailers call hands on instead (see replaceData). */
        ByteBuf replacement;

        /** Sets the replacement chunk; only while the filter's call runs. */
        final void replace(ByteBuf data) {
            if (calling != DATA && calling != TRAILERS) {
                data.release(); // nothing would hand it on: a headers call's replacement would leak
                throw new IllegalStateException("replaceData outside the filter's own data or trailers call");
            }
            if (replacement != null) {
                replacement.release();
            }
            replacement = data;
        }

        final ByteBuf takeReplacement() {
            ByteBuf r = replacement;
            replacement = null;
            return r;
        }

        ArrayDeque<Object> held() {
            if (held == null) {
                held = new ArrayDeque<>(4);
            }
            return held;
        }
    }
}
