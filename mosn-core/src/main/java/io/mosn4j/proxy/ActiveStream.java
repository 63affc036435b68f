package io.mosn4j.proxy;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.mosn4j.router.Route;
import io.mosn4j.upstream.Cluster;
import io.mosn4j.upstream.Host;
import io.mosn4j.upstream.ConnectionPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the proxy: route it, pick a host, get an upstream connection from the
 * event loop's pool, and pipe request and response between the two codecs, pausing whichever side
 * reads faster than the other can write. Protocol-neutral: it sees only {@link Headers}, body
 * chunks and trailers. Lives on one event loop; no locks.
 */
final class ActiveStream implements StreamReceiver, ConnectionPool.Callback, StreamTimeouts.Expiry {
    private static final Logger log = LoggerFactory.getLogger(ActiveStream.class);

    private final ProxyContext context;
    private final StreamSender downstream;
    private final EventLoop loop;
    private final UpstreamReceiver upstreamReceiver = new UpstreamReceiver();

    private Headers requestHeaders;
    private Cluster cluster;
    private Host host;
    private Duration timeout;
    private StreamSender upstream;
    private ClientConnection connection;
    /** Request body and trailers that arrived before the upstream connection was ready. */
    private ArrayDeque<Object> pending;
    private boolean requestComplete;
    private boolean upstreamRequestComplete;
    private boolean responseStarted;
    private boolean responseComplete;
    private boolean downstreamPaused;
    private boolean upstreamPaused;
    private boolean retried;
    private boolean requestEndedOnHeaders;
    /** A gRPC request: local replies carry a grpc-status, and its grpc-timeout bounds the wait. */
    private boolean grpc;
    private boolean done;
    private final StreamTimeouts timeouts;
    private boolean timerArmed;
    private final IdleTimer idle = new IdleTimer();
    private final Deadline deadline = new Deadline();
    /** Counts body chunks both ways; the idle timer looks for a change instead of being re-armed per chunk. */
    private int progress;

    ActiveStream(ProxyContext context, StreamSender downstream, EventLoop loop, StreamTimeouts timeouts) {
        this.context = context;
        this.downstream = downstream;
        this.loop = loop;
        this.timeouts = timeouts;
        context.activeStreams().incrementAndGet();
    }

    // ---- downstream request events ----

    @Override
    public void onHeaders(Headers headers, boolean endStream) {
        requestHeaders = headers;
        idle.arm();
        requestComplete = endStream;
        requestEndedOnHeaders = endStream;
        grpc = Grpc.isGrpc(headers);
        Route route = context.routes().match(headers);
        if (route == null) {
            localReply(404, "no route matched");
            return;
        }
        if (route.isDirectResponse()) {
            directReply(route.directStatus(), route.directBody());
            return;
        }
        cluster = context.clusters().get(route.clusterName());
        if (cluster == null) {
            localReply(502, "no cluster named \"" + route.clusterName() + "\"");
            return;
        }
        host = cluster.chooseHost();
        if (host == null) {
            localReply(502, "no healthy upstream in cluster \"" + cluster.name() + "\"");
            return;
        }
        timeout = route.timeout() == null ? ProxyContext.DEFAULT_TIMEOUT : route.timeout();
        if (headers.message() instanceof XFrame frame && frame.timeout() != null) {
            timeout = frame.timeout(); // the caller's own timeout (bolt's field) sets the proxy's
        }
        Duration deadline = grpc ? Grpc.timeout(headers.get("grpc-timeout")) : null;
        if (deadline != null) {
            // the caller's deadline runs from now, whether or not its request stream has ended;
            // the route timeout still runs from the request's end
            this.deadline.arm(deadline.isZero() ? 1 : deadline.toNanos());
        }
        if (!endStream) {
            pauseDownstream(true); // hold the body back until there is somewhere to send it
        } else {
            startTimer();
        }
        acquire();
    }

    private void acquire() {
        context.pool(host, cluster, loop).acquire(this);
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        if (done || responseComplete) {
            data.release();
            return;
        }
        progress++;
        if (endStream) {
            requestComplete = true;
            startTimer();
        }
        if (upstream == null) {
            pending().add(data);
            if (endStream) {
                pending.add(END);
            }
            return;
        }
        upstream.sendData(data, endStream);
        upstreamRequestComplete = endStream;
        if (!endStream && !upstream.isWritable()) {
            pauseDownstream(true);
        }
    }

    @Override
    public void onTrailers(Headers trailers) {
        if (done || responseComplete) {
            return;
        }
        requestComplete = true;
        startTimer();
        if (upstream == null) {
            pending().add(trailers);
            return;
        }
        upstream.sendTrailers(trailers);
        upstreamRequestComplete = true;
    }

    @Override
    public void onReset(ResetReason reason) {
        // the client went away or broke the protocol: abandon the upstream side too
        if (upstream != null && !(responseComplete && upstreamRequestComplete)) {
            upstream.reset(ResetReason.LOCAL_RESET);
        }
        finish();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // the downstream response buffer filled or drained: pace the upstream response
        pauseUpstream(!writable);
    }

    // ---- upstream connection ----

    @Override
    public void onReady(ClientConnection conn) {
        if (done) {
            conn.releaseUnused();
            return;
        }
        connection = conn;
        upstream = conn.newStream(upstreamReceiver);
        boolean endNow = requestComplete && (pending == null || pending.isEmpty());
        upstream.sendHeaders(requestHeaders, endNow);
        upstreamRequestComplete = endNow;
        if (pending != null) {
            Object item;
            while ((item = pending.poll()) != null) {
                if (item instanceof ByteBuf data) {
                    boolean end = pending.peek() == END;
                    if (end) {
                        pending.poll();
                    }
                    upstream.sendData(data, end);
                    upstreamRequestComplete = end;
                } else if (item instanceof Headers trailers) {
                    upstream.sendTrailers(trailers);
                    upstreamRequestComplete = true;
                } else if (item == END) {
                    upstream.sendData(Unpooled.EMPTY_BUFFER, true);
                    upstreamRequestComplete = true;
                }
            }
        }
        if (!requestComplete) {
            pauseDownstream(!upstream.isWritable());
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        if (done) {
            return;
        }
        log.debug("connect to {} (cluster {}) failed: {}", host, cluster.name(), cause.toString());
        upstreamFailed(ResetReason.CONNECT_FAILURE);
    }

    private void upstreamFailed(ResetReason reason) {
        if (done) {
            return;
        }
        if (responseStarted) {
            downstream.reset(reason);
            finish();
            return;
        }
        switch (reason) {
            case TIMEOUT -> localReply(504, "upstream request timeout", reason);
            case OVERFLOW -> localReply(503, "upstream overflow", reason);
            case CONNECT_FAILURE -> localReply(502, "upstream connect error (" + host + ")", reason);
            default -> localReply(502, "upstream reset before response (" + host + ")", reason);
        }
    }

    /** Receives the upstream response and passes it down. */
    private final class UpstreamReceiver implements StreamReceiver {
        @Override
        public void onHeaders(Headers headers, boolean endStream) {
            if (done) {
                if (headers.message() instanceof XFrame frame) {
                    frame.release(); // an RPC answer that came too late
                }
                return;
            }
            cancelTimer();
            deadline.disarm();
            responseStarted = true;
            responseComplete = endStream;
            downstream.sendHeaders(headers, endStream);
            if (endStream) {
                responseEnded();
            }
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            if (done) {
                data.release();
                return;
            }
            progress++;
            responseComplete = endStream;
            downstream.sendData(data, endStream);
            if (endStream) {
                responseEnded();
            } else if (!downstream.isWritable()) {
                pauseUpstream(true);
            }
        }

        @Override
        public void onTrailers(Headers trailers) {
            if (done) {
                return;
            }
            responseComplete = true;
            downstream.sendTrailers(trailers);
            responseEnded();
        }

        @Override
        public void onReset(ResetReason reason) {
            if (done) {
                return;
            }
            // a kept-alive connection the upstream closed just as we reused it: most likely the
            // request never reached the application, so an idempotent one is tried once more on a
            // fresh connection (nginx's rule: never replay a POST the upstream may have acted on)
            // a stream the upstream says it never processed (REFUSED_STREAM, or above its GOAWAY's
            // last stream) is safe to send again whatever its method, as long as no body was lost
            boolean refused = reason == ResetReason.REFUSED_STREAM && requestEndedOnHeaders;
            if (!responseStarted && !retried && connection != null && (refused || connection.reused()
                    && reason == ResetReason.CONNECTION_TERMINATION && requestEndedOnHeaders && idempotent())) {
                retried = true;
                upstream = null;
                connection = null;
                upstreamRequestComplete = false;
                acquire();
                return;
            }
            upstreamFailed(reason);
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            // the upstream request buffer filled or drained: pace the downstream request body
            if (!requestComplete) {
                pauseDownstream(!writable);
            }
        }
    }

    private boolean idempotent() {
        String m = requestHeaders.method();
        return m != null && switch (m) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    private void responseEnded() {
        if (upstream != null && !upstreamRequestComplete) {
            upstream.reset(ResetReason.LOCAL_RESET); // answered before the request finished
        }
        finish();
    }

    // ---- local replies, timers, flow control ----

    private void localReply(int status, String message) {
        localReply(status, message, null);
    }

    private void localReply(int status, String message, ResetReason reason) {
        if (grpc) {
            sendLocal(Grpc.trailersOnly(Grpc.statusFor(status, reason), message), EMPTY);
            return;
        }
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        Headers h = Headers.response(status);
        h.add("content-type", "text/plain; charset=utf-8");
        h.add("content-length", Integer.toString(body.length));
        sendLocal(h, body);
    }

    private void directReply(int status, byte[] body) {
        Headers h = Headers.response(status);
        if (body.length > 0) {
            h.add("content-type", "text/plain; charset=utf-8");
        }
        h.add("content-length", Integer.toString(body.length));
        sendLocal(h, body);
    }

    private void sendLocal(Headers h, byte[] body) {
        responseStarted = true;
        responseComplete = true;
        // finished before writing: the write may complete the connection's turn and start the next
        // pipelined request right here, and this stream must already be out of the way
        finish();
        if (body.length == 0) {
            downstream.sendHeaders(h, true);
        } else {
            downstream.sendHeaders(h, false);
            downstream.sendData(Unpooled.wrappedBuffer(body), true);
        }
    }

    private void startTimer() {
        if (!timerArmed && timeout != null && !timeout.isZero() && !responseStarted && !done) {
            timerArmed = true;
            timeouts.arm(this, timeout.toNanos());
        }
    }

    @Override
    public void onTimeout() {
        timerArmed = false;
        expire();
    }

    /** The route timeout or the caller's deadline passed before the response started. */
    private void expire() {
        if (done || responseStarted) {
            return;
        }
        if (upstream != null) {
            upstream.reset(ResetReason.TIMEOUT);
        }
        upstreamFailed(ResetReason.TIMEOUT);
    }

    private void cancelTimer() {
        if (timerArmed) {
            timerArmed = false;
            timeouts.disarm(this);
        }
    }

    /** A gRPC caller's deadline ({@code grpc-timeout}), from its request headers to the response's. */
    private final class Deadline implements StreamTimeouts.Expiry {
        private boolean armed;

        void arm(long nanos) {
            armed = true;
            timeouts.arm(this, nanos);
        }

        void disarm() {
            if (armed) {
                armed = false;
                timeouts.disarm(this);
            }
        }

        @Override
        public void onTimeout() {
            armed = false;
            expire();
        }
    }

    /**
     * Envoy's stream idle timeout: a stream with no body bytes moving either way for
     * {@link ProxyContext#STREAM_IDLE_TIMEOUT} is ended, so a stalled upload or download cannot
     * hold its connections forever.
     */
    private final class IdleTimer implements StreamTimeouts.Expiry {
        private boolean armed;
        private int seen;

        void arm() {
            armed = true;
            seen = progress;
            timeouts.arm(this, ProxyContext.STREAM_IDLE_TIMEOUT.toNanos());
        }

        void disarm() {
            if (armed) {
                armed = false;
                timeouts.disarm(this);
            }
        }

        @Override
        public void onTimeout() {
            armed = false;
            if (done) {
                return;
            }
            if (progress != seen) {
                arm(); // bytes moved since: not idle
                return;
            }
            log.debug("stream idle for {}; ending it", ProxyContext.STREAM_IDLE_TIMEOUT);
            if (upstream != null) {
                upstream.reset(ResetReason.TIMEOUT);
            }
            if (responseStarted) {
                downstream.reset(ResetReason.TIMEOUT);
                finish();
            } else if (!requestComplete) {
                localReply(408, "request body timeout");
            } else {
                localReply(504, "upstream stream idle timeout");
            }
        }
    }

    private void pauseDownstream(boolean pause) {
        if (pause != downstreamPaused) {
            downstreamPaused = pause;
            downstream.readDisable(pause);
        }
    }

    private void pauseUpstream(boolean pause) {
        if (upstream != null && pause != upstreamPaused) {
            upstreamPaused = pause;
            upstream.readDisable(pause);
        }
    }

    private ArrayDeque<Object> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        return pending;
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        deadline.disarm();
        idle.disarm();
        if (pending != null) {
            Object item;
            while ((item = pending.poll()) != null) {
                if (item instanceof ByteBuf b) {
                    b.release();
                }
            }
        }
        context.activeStreams().decrementAndGet();
    }

    private static final Object END = new Object();
    private static final byte[] EMPTY = new byte[0];
}
