package io.mosn4j.protocol.http2;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.Grpc;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream HTTP/2 request stream: the events {@link Http2ServerConnection}'s listener reads
 * become neutral stream events, and the response is written back through the connection's encoder.
 *
 * <p>Flow control: window is returned only for DATA delivered to the receiver, so while it
 * {@link #readDisable}s, what arrives is held here and its WINDOW_UPDATEs withheld: the client must
 * stop after its window. Writability is the remote flow controller's: whether the peer's window (and
 * the socket) still take this stream's queued bytes.
 */
final class Http2ServerStream implements ServerStream {
    private static final Logger log = LoggerFactory.getLogger(Http2ServerStream.class);

    /** A request event held while reading is disabled: DATA (with its flow-controlled size) or trailers. */
    private record Held(ByteBuf data, int flowBytes, boolean endStream, Headers trailers) {}

    private final Http2ServerConnection connection;
    private final Http2Stream stream;
    /** Requests refused as malformed ({@code downstream.request.invalid}). */
    private final Counter invalid;
    private StreamReceiver receiver;
    private Headers requestHeaders;
    /** The request's last event was delivered. */
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    /** No more events either way (reset by either side, or the response ended first). */
    private boolean reset;
    /** Netty closed the stream: nothing may be written to it any more. */
    private boolean closed;
    private int readDisables;
    /** Events that arrived while reading was disabled, in order; null until the first. */
    private ArrayDeque<Held> held;
    private boolean delivering;

    Http2ServerStream(Http2ServerConnection connection, Http2Stream stream, Counter invalid) {
        this.connection = connection;
        this.stream = stream;
        this.invalid = invalid;
    }

    // ---- the request ----

    /** The request's (already checked) header block opened this stream. */
    void onRequest(ServerStreamHandler handler, Http2Headers headers, boolean endStream) {
        Headers h = Http2HeaderMapping.fromHttp2(headers, true);
        requestDone = endStream;
        String expect = h.get("expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            h.remove("expect"); // as on HTTP/1: the proxy says go ahead
            if (!requestDone) {
                connection.writeHeaders(stream, new DefaultHttp2Headers().status("100"), false, connection.voidPromise());
            }
        }
        requestHeaders = h;
        try {
            receiver = handler.newStream(this);
            receiver.onHeaders(h, requestDone);
        } catch (RuntimeException e) {
            unexpected(e);
        }
    }

    /** A later header block: the request's trailers. */
    void onHeaders(Http2Headers headers, boolean endStream) {
        if (reset || requestDone || receiver == null) {
            return;
        }
        String bad = Http2HeaderMapping.valuesError(headers);
        if (bad != null) {
            log.debug("malformed HTTP/2 request trailers on stream {}: {}", stream.id(), bad);
            invalid.inc();
            fail(ResetReason.PROTOCOL_ERROR);
            connection.reset(stream, Http2Error.PROTOCOL_ERROR);
            return;
        }
        Headers trailers = Http2HeaderMapping.trailersFromHttp2(headers);
        if (mustHold()) {
            hold(new Held(null, 0, true, trailers));
            return;
        }
        requestDone = true;
        try {
            receiver.onTrailers(trailers);
        } catch (RuntimeException e) {
            unexpected(e);
        }
    }

    /**
     * A DATA frame of {@code flowBytes} (payload and padding); returns how many of them are done
     * with now, the rest are returned to the flow controller when the receiver takes them.
     */
    int onData(ByteBuf data, int flowBytes, boolean endStream) {
        if (reset || requestDone || receiver == null) {
            return flowBytes;
        }
        if (mustHold()) {
            hold(new Held(data.retain(), flowBytes, endStream, null));
            return 0;
        }
        requestDone = endStream;
        try {
            receiver.onData(data.retain(), endStream); // ownership passes on
        } catch (RuntimeException e) {
            unexpected(e);
        }
        return flowBytes;
    }

    private boolean mustHold() {
        return readDisables > 0 || (held != null && !held.isEmpty());
    }

    private void hold(Held h) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(h);
    }

    /** Delivers what was held while reading was disabled, until it is disabled again; returns its window. */
    private void deliverHeld() {
        if (delivering || held == null) {
            return;
        }
        delivering = true;
        int consumed = 0;
        try {
            Held h;
            while (readDisables == 0 && !reset && (h = held.poll()) != null) {
                consumed += h.flowBytes();
                if (h.trailers() != null) {
                    requestDone = true;
                    receiver.onTrailers(h.trailers());
                } else {
                    requestDone = h.endStream();
                    receiver.onData(h.data(), h.endStream());
                }
            }
        } catch (RuntimeException e) {
            unexpected(e);
        } finally {
            delivering = false;
            if (consumed > 0) {
                connection.consumed(stream, consumed);
            }
        }
    }

    private void releaseHeld() {
        if (held != null) {
            Held h;
            while ((h = held.poll()) != null) {
                if (h.data() != null) {
                    h.data().release(); // its window comes back when the stream closes
                }
            }
        }
    }

    @Override
    public void sendLocalReply(LocalReply reply) {
        reply.sendAsHttp(this, requestHeaders != null && Grpc.isGrpc(requestHeaders));
    }

    @Override
    public Duration callerDeadline() {
        return requestHeaders == null ? null : Grpc.deadline(requestHeaders);
    }

    /** The client reset the stream. */
    void remoteReset() {
        fail(ResetReason.REMOTE_RESET);
    }

    /** Netty's decoder found a stream error (it resets the stream with its code). */
    void failed() {
        fail(ResetReason.PROTOCOL_ERROR);
    }

    /** Netty closed the stream: both sides ended, a reset, or the connection closed. */
    void closed() {
        closed = true;
        fail(ResetReason.CONNECTION_TERMINATION);
        releaseHeld();
    }

    void writabilityChanged(boolean writable) {
        if (receiver != null && !reset && !responseDone) {
            receiver.onWritabilityChanged(writable);
        }
    }

    /** A bug behind the receiver: this stream is reset, the connection's other streams go on. */
    private void unexpected(RuntimeException e) {
        log.warn("downstream HTTP/2 stream {} reset on an unexpected exception", stream.id(), e);
        boolean wasReset = reset;
        fail(ResetReason.PROTOCOL_ERROR);
        reset = true;
        releaseHeld();
        if (!wasReset && !closed) {
            connection.reset(stream, Http2Error.CANCEL);
        }
    }

    private void fail(ResetReason reason) {
        if (!reset && receiver != null && !(requestDone && responseDone)) {
            reset = true;
            releaseHeld();
            receiver.onReset(reason);
        }
    }

    // ---- the response ----

    @Override
    public void sendHeaders(Headers headers, boolean endStream) {
        if (responseStarted || reset || closed) {
            return;
        }
        responseStarted = true;
        Http2Headers h = Http2HeaderMapping.responseToHttp2(headers);
        if (endStream) {
            connection.writeHeaders(stream, h, true, endPromise());
            responseEnded();
        } else {
            connection.writeHeaders(stream, h, false, connection.voidPromise());
        }
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        if (!responseStarted || responseDone || reset || closed) {
            data.release();
            return;
        }
        if (endStream) {
            connection.writeData(stream, data, true, endPromise());
            responseEnded();
        } else {
            connection.writeData(stream, data, false, connection.voidPromise());
        }
    }

    @Override
    public void sendTrailers(Headers trailers) {
        if (!responseStarted || responseDone || reset || closed) {
            return;
        }
        if (trailers.isEmpty()) {
            connection.writeData(stream, Unpooled.EMPTY_BUFFER, true, endPromise());
        } else {
            connection.writeHeaders(stream, Http2HeaderMapping.trailersToHttp2(trailers), true, endPromise());
        }
        responseEnded();
    }

    /**
     * The promise of the response's last frame. Answered before the request ended (RFC 9113 8.1),
     * the client is told to stop sending with RST_STREAM(NO_ERROR), but only once that frame is
     * out: the reset would otherwise overtake the DATA the flow controller still queues.
     */
    private ChannelPromise endPromise() {
        if (requestDone || !stream.state().remoteSideOpen()) {
            return connection.voidPromise();
        }
        ChannelPromise p = connection.newPromise();
        p.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && stream.state().remoteSideOpen()) {
                connection.reset(stream, Http2Error.NO_ERROR);
            }
        });
        return p;
    }

    private void responseEnded() {
        responseDone = true;
        if (!requestDone) {
            reset = true; // the request's remaining events are not wanted: what is held goes, the window comes back at close
            releaseHeld();
        }
    }

    @Override
    public void reset(ResetReason reason) {
        if (reset || responseDone || closed) {
            return;
        }
        reset = true;
        releaseHeld();
        connection.reset(stream, Http2HeaderMapping.errorFor(reason));
    }

    @Override
    public void readDisable(boolean disable) {
        if (reset) {
            return;
        }
        readDisables = Math.max(0, readDisables + (disable ? 1 : -1));
        if (readDisables == 0) {
            deliverHeld();
        }
    }

    @Override
    public boolean isWritable() {
        return !closed && connection.isWritable(stream);
    }
}
