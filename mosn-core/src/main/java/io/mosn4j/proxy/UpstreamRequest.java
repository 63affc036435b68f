package io.mosn4j.proxy;

import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.mosn4j.api.upstream.Cancellable;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.PoolCallback;
import io.mosn4j.loop.LoopClock;
import io.mosn4j.upstream.Host;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;

/**
 * One attempt to send a request upstream: a connection from the pool (the wait cancellable), the
 * request written on a stream of it (body and trailers that arrive before the connection is ready
 * wait here, in order), and the response's events handed back to the {@link DownstreamStream}.
 * A retry is a new attempt. Lives on the stream's event loop.
 */
final class UpstreamRequest implements PoolCallback, StreamReceiver {
    private static final Object END = new Object();

    private final DownstreamStream stream;
    final HostInfo host;
    private final ConnectionPool pool;
    private Headers headers;
    private Cancellable acquiring;
    ClientConnection connection;
    private StreamSender sender;
    /** Body chunks (an END after the last one) and trailers waiting for the connection. */
    private ArrayDeque<Object> pending;
    /** The stream has been given the request's end. */
    private boolean endGiven;
    /** The request's end went out on the wire. */
    boolean requestSent;
    boolean responseComplete;
    private boolean finished;
    /** Finished, but the rest of the request still goes out (see {@link #finishTakingRest}). */
    private boolean takingRest;
    private boolean paused;
    /** When the attempt started, for balancers that weigh hosts by latency ({@code LB_PEAK_EWMA}); 0 otherwise. */
    private long startNanos;
    /** When the attempt started, for the {@code request_duration_time} histogram. */
    private long attemptStart;
    private io.mosn4j.stats.UpstreamMetrics hostMetrics = io.mosn4j.stats.UpstreamMetrics.NONE;
    private io.mosn4j.stats.UpstreamMetrics clusterMetrics = io.mosn4j.stats.UpstreamMetrics.NONE;
    private boolean answered;
    /** {@link System#nanoTime()} when the response's headers arrived (once answered). */
    long answeredNanos;
    private boolean noConnection;

    /** Converts the request to the pool's protocol and the response back, or null when both speak the same. */
    private final Transcoder transcoder;

    UpstreamRequest(DownstreamStream stream, HostInfo host, ConnectionPool pool, Transcoder transcoder) {
        this.stream = stream;
        this.host = host;
        this.pool = pool;
        this.transcoder = transcoder;
    }

    void start(Headers requestHeaders, boolean end) {
        headers = requestHeaders;
        endGiven = end;
        Host.Counters counters = ((Host) host).stats();
        counters.requestStarted();
        long now = LoopClock.nanoTime();
        if (counters.tracksLatency()) {
            startNanos = now;
        }
        attemptStart = now;
        hostMetrics = ((Host) host).metrics();
        clusterMetrics = stream.clusterMetrics();
        hostMetrics.requestTotal.inc();
        hostMetrics.requestActive.inc();
        clusterMetrics.requestTotal.inc();
        clusterMetrics.requestActive.inc();
        Cancellable c = pool.acquire(this);
        if (connection == null && !finished) {
            acquiring = c;
        }
    }

    boolean connected() {
        return sender != null;
    }

    /** Whether this attempt is over. */
    boolean isFinished() {
        return finished;
    }

    @Override
    public void onReady(ClientConnection conn) {
        acquiring = null;
        if (finished) {
            conn.releaseUnused();
            return;
        }
        connection = conn;
        sender = transcoder == null ? conn.newStream(this) : new TranscodingStream(conn, transcoder, this, stream.bufferLimit());
        boolean endNow = endGiven && (pending == null || pending.isEmpty());
        requestSent = endNow;
        stream.upstreamConnected(this, conn);
        sender.sendHeaders(headers, endNow);
        if (pending != null) {
            Object item;
            while (!finished && (item = pending.poll()) != null) {
                if (item instanceof ByteBuf data) {
                    boolean end = pending.peek() == END;
                    if (end) {
                        pending.poll();
                    }
                    requestSent = end;
                    sender.sendData(data, end);
                } else if (item instanceof Headers trailers) {
                    requestSent = true;
                    sender.sendTrailers(trailers);
                } else if (item == END) {
                    requestSent = true;
                    sender.sendData(Unpooled.EMPTY_BUFFER, true);
                }
            }
        }
        if (!finished) {
            stream.upstreamWritable(sender.isWritable());
        }
    }

    @Override
    public void onFailure(ResetReason reason, Throwable cause) {
        acquiring = null;
        noConnection = true; // counted as a connect failure (or below as an overflow), not a reset
        if (reason == ResetReason.OVERFLOW && !finished) {
            hostMetrics.requestPendingOverflow.inc();
            clusterMetrics.requestPendingOverflow.inc();
        } else if (reason != ResetReason.OVERFLOW) {
            ((Host) host).outlierResult(503); // the host could not be reached: Envoy's local-origin failure, counted as a 503
        }
        if (!finished) {
            stream.upstreamFailed(this, reason, cause);
        }
    }

    /** Takes ownership of {@code data}. */
    void sendData(ByteBuf data, boolean end) {
        if (finished) {
            data.release();
            return;
        }
        endGiven |= end;
        if (sender == null) {
            pending().add(data);
            if (end) {
                pending.add(END);
            }
            return;
        }
        requestSent = end;
        sender.sendData(data, end);
        if (!end && !finished && !sender.isWritable()) {
            stream.upstreamWritable(false);
        }
    }

    void sendTrailers(Headers trailers) {
        if (finished) {
            return;
        }
        endGiven = true;
        if (sender == null) {
            pending().add(trailers);
            return;
        }
        requestSent = true;
        sender.sendTrailers(trailers);
    }

    private ArrayDeque<Object> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        return pending;
    }

    /** Pauses or resumes the response (the client cannot take more, or filters hold too much). */
    void pause(boolean pause) {
        if (sender != null && pause != paused) {
            paused = pause;
            sender.readDisable(pause);
        }
    }

    /** The response's headers arrived with {@code status}: the host's latency and error averages learn it. */
    void responded(int status) {
        if (startNanos != 0) {
            ((Host) host).stats().responded(status, answeredNanos - startNanos);
        }
    }

    // ---- the response ----

    @Override
    public void onHeaders(Headers h, boolean endStream) {
        if (finished) {
            h.releaseMessage(); // an answer that came too late (an RPC frame)
            return;
        }
        responseComplete = endStream;
        if (!answered) {
            answered = true;
            answeredNanos = LoopClock.nanoTime();
            long took = answeredNanos - attemptStart;
            int status = DownstreamStream.countedStatus(h);
            ((Host) host).outlierResult(status);
            hostMetrics.response(status);
            clusterMetrics.response(status);
            hostMetrics.requestDurationTime.record(took);
            hostMetrics.requestDurationTimeTotal.add(took);
            clusterMetrics.requestDurationTime.record(took);
            clusterMetrics.requestDurationTimeTotal.add(took);
        }
        stream.upstreamHeaders(this, h, endStream);
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        if (finished) {
            data.release();
            return;
        }
        responseComplete = endStream;
        stream.upstreamData(data, endStream);
    }

    @Override
    public void onTrailers(Headers trailers) {
        if (finished) {
            return;
        }
        responseComplete = true;
        stream.upstreamTrailers(trailers);
    }

    @Override
    public void onReset(ResetReason reason) {
        if (!finished) {
            if (!answered) {
                ((Host) host).outlierResult(503);
            }
            hostMetrics.requestRemoteReset.inc();
            clusterMetrics.requestRemoteReset.inc();
            stream.upstreamReset(this, reason);
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (!finished || takingRest) {
            stream.upstreamWritable(writable);
        }
    }

    /**
     * This attempt is over: the stream ended, or gave up on it ({@code reason} is what the
     * upstream is told when its request or response is unfinished). Idempotent.
     */
    void finish(ResetReason reason) {
        if (finished) {
            return;
        }
        finished = true;
        ((Host) host).stats().requestEnded();
        hostMetrics.requestActive.dec();
        clusterMetrics.requestActive.dec();
        if (!answered && !noConnection) {
            if (reason == ResetReason.TIMEOUT) {
                ((Host) host).outlierResult(504);
            }
            var counter = reason == ResetReason.TIMEOUT ? hostMetrics.requestTimeout : hostMetrics.requestLocalReset;
            var clusterCounter = reason == ResetReason.TIMEOUT ? clusterMetrics.requestTimeout : clusterMetrics.requestLocalReset;
            counter.inc();
            clusterCounter.inc();
        }
        if (acquiring != null) {
            acquiring.cancel();
            acquiring = null;
        }
        if (pending != null) {
            Object item;
            while ((item = pending.poll()) != null) {
                if (item instanceof ByteBuf b) {
                    b.release();
                }
            }
        }
        if (sender != null && !(requestSent && responseComplete) && !takingRest) {
            sender.reset(reason);
        }
    }

    /**
     * Finishes an attempt whose complete answer came before the request's end, keeping its stream
     * open for the rest of the request when the connection can take it ({@link #sendRest}): the
     * upstream then has its request whole and the connection serves the next one, where a reset
     * would close it and cost the next request a new connection. Returns whether it does.
     */
    boolean finishTakingRest() {
        takingRest = !finished && responseComplete && !requestSent && transcoder == null && sender != null
                && (pending == null || pending.isEmpty()) && sender.takesRestAfterResponse();
        finish(ResetReason.LOCAL_RESET);
        return takingRest;
    }

    /** Takes ownership of {@code data}: more of the request's rest after {@link #finishTakingRest}. */
    void sendRest(ByteBuf data, boolean end) {
        if (!takingRest) {
            data.release();
            return;
        }
        takingRest = !end;
        requestSent = end;
        sender.sendData(data, end);
    }

    /** The rest will not come (the client went away): the upstream's unfinished request is reset. */
    void abandonRest() {
        if (takingRest) {
            takingRest = false;
            sender.reset(ResetReason.LOCAL_RESET);
        }
    }
}
