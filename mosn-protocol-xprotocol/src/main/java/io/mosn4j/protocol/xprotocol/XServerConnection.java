package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.MessageDecodeException;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of an RPC protocol connection: frames become streams, each request one stream
 * whose headers carry the whole frame; answers go back with the request's own id, in whatever
 * order they come. Heartbeats are answered here and never routed. Bytes that cannot be framed
 * close this connection only, with a log line naming the protocol and what was wrong.
 *
 * <p>Flow control is per connection, since every request is whole when it is routed: reading stops
 * while any stream asks for it ({@link Stream#readDisable}, which the proxy calls while the
 * upstream connection its request went to is full), while the client does not read its answers
 * (the write buffer is full), and for good once draining. A request beyond
 * {@code max_concurrent_requests} in flight is answered at once with the protocol's overflow error.
 */
public final class XServerConnection extends XConnection {
    private static final Logger log = LoggerFactory.getLogger(XServerConnection.class);

    private final ServerStreamHandler handler;
    private final int maxConcurrentRequests;
    private final Counter refused;
    private final Counter pausedForUpstream;
    private final Counter pausedForClient;
    private boolean draining;
    private boolean closed;
    /** Pauses asked for by streams and not yet lifted; reading waits for none. */
    private int pauses;
    /**
     * The streams in flight, most recent first, linked through their own fields: adding to a hash set
     * cost an identity hash (slow on an object's first use) and a node per request.
     */
    private Stream newest;
    private int open;

    /** With the defaults and no counters (tests). */
    XServerConnection(XProtocol protocol, ServerStreamHandler handler) {
        this(protocol, handler, XServerOptions.DEFAULTS, Stats.NONE, PartialFrameBudget.UNLIMITED);
    }

    XServerConnection(XProtocol protocol, ServerStreamHandler handler, XServerOptions options, Stats stats, PartialFrameBudget budget) {
        super(protocol, budget, stats.counter(protocol.name() + ".downstream.closed_partial_frames_limit"));
        this.handler = handler;
        this.maxConcurrentRequests = options.maxConcurrentRequestsInt();
        this.refused = stats.counter(protocol.name() + ".downstream.refused_max_concurrent_requests");
        this.pausedForUpstream = stats.counter(protocol.name() + ".downstream.read_paused_upstream_full");
        this.pausedForClient = stats.counter(protocol.name() + ".downstream.read_paused_client_not_reading");
    }

    @Override
    boolean accepting() {
        return !closed && ctx.channel().isActive();
    }

    @Override
    String describe() {
        return "connection from " + peer();
    }

    @Override
    void onFrame(XFrame frame) {
        dispatch(frame);
    }

    private void dispatch(XFrame frame) {
        if (!frame.isRequest()) {
            log.debug("{} connection from {} sent a response (id {}); ignored", protocol.name(), ctx.channel().remoteAddress(), frame.requestId());
            frame.release();
            return;
        }
        if (frame.isHeartbeat()) {
            XFrame reply = protocol.heartbeatResponse(frame);
            write(reply);
            frame.release();
            return;
        }
        if (open >= maxConcurrentRequests) {
            // refused, not queued: the client learns now, in its protocol, and may go elsewhere;
            // pausing instead would hold its later calls behind the slowest one
            refused.inc();
            log.debug("{} request {} from {}: {} requests in flight on the connection (max_concurrent_requests); refused",
                    protocol.name(), frame.requestId(), ctx.channel().remoteAddress(), open);
            if (!frame.isOneWay()) {
                write(protocol.errorResponse(frame, ProxyError.OVERFLOW, "too many requests in flight on the connection"));
            }
            frame.release();
            return;
        }
        // protocols decode headers lazily, and the proxy answers a request whose routing fields
        // cannot be read with the protocol's deserialization error when it first reads them; a
        // protocol that decodes them here already gets the same answer
        Headers headers;
        try {
            headers = frame.headers();
        } catch (MessageDecodeException e) {
            log.info("{} request {} from {}: {}", protocol.name(), frame.requestId(), ctx.channel().remoteAddress(), e.getMessage());
            if (!frame.isOneWay()) {
                write(protocol.errorResponse(frame, ProxyError.DESERIALIZATION, e.getMessage()));
            }
            frame.release();
            return;
        }
        Stream s = new Stream(frame);
        s.receiver = handler.newStream(s);
        s.receiver.onHeaders(headers, true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (open == 0) {
                ctx.close();
            }
            return;
        }
        if (evt instanceof DrainEvent) {
            // RPC protocols have no GOAWAY: stop reading, close once the answers in flight are out
            draining = true;
            updateAutoRead();
            if (open == 0) {
                closeAfterWrites();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // responses are whole frames: a full write buffer pauses reading new requests instead;
        // what it holds then is its limit plus the answers of the requests already in flight
        if (!ctx.channel().isWritable() && !draining) {
            pausedForClient.inc();
        }
        updateAutoRead();
        super.channelWritabilityChanged(ctx);
    }

    private void updateAutoRead() {
        ctx.channel().config().setAutoRead(!draining && pauses == 0 && ctx.channel().isWritable());
    }

    private void pause() {
        if (pauses++ == 0) {
            pausedForUpstream.inc();
            updateAutoRead();
        }
    }

    private void resume(int n) {
        pauses -= n;
        if (pauses == 0) {
            updateAutoRead();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        super.channelInactive(ctx);
        Stream[] all = new Stream[open];
        int n = 0;
        for (Stream s = newest; s != null; s = s.older) {
            all[n++] = s;
        }
        for (Stream s : all) {
            s.connectionClosed();
        }
    }

    private void link(Stream s) {
        s.older = newest;
        if (newest != null) {
            newest.newer = s;
        }
        newest = s;
        s.linked = true;
        open++;
    }

    private void unlink(Stream s) {
        if (!s.linked) {
            return;
        }
        s.linked = false;
        if (s.newer != null) {
            s.newer.older = s.older;
        } else {
            newest = s.older;
        }
        if (s.older != null) {
            s.older.newer = s.newer;
        }
        s.newer = null;
        s.older = null;
        open--;
    }

    private void streamEnded(Stream s) {
        unlink(s);
        s.liftPauses();
        if (draining && open == 0) {
            closeAfterWrites();
        }
    }

    /**
     * Closes once what is queued is on the wire: answers are flushed at the end of the event-loop
     * turn, and a plain close() would drop the last one, written a moment before.
     */
    private void closeAfterWrites() {
        writeBatch();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** One request and its answer. */
    private final class Stream implements ServerStream {
        private final XFrame request;
        private final long downstreamId;
        private StreamReceiver receiver;
        private boolean done;
        /** This stream's share of the connection's pauses. */
        private int paused;
        /** Its neighbours among the connection's streams in flight, while linked. */
        private Stream newer;
        private Stream older;
        private boolean linked;

        Stream(XFrame request) {
            this.request = request;
            this.downstreamId = request.requestId();
            link(this);
        }

        @Override
        public void sendHeaders(Headers headers, boolean endStream) {
            if (done) {
                releaseMessage(headers);
                return;
            }
            if (request.isOneWay()) {
                releaseMessage(headers); // the caller expects nothing back
                finished();
                return;
            }
            if (headers.message() instanceof XFrame response) {
                response.setRequestId(downstreamId);
                answer(response);
                return;
            }
            // a response that is no frame of this protocol (an HTTP answer cannot be one): say so in the protocol
            log.debug("{} request {}: the response is not a {} frame; answering with an error", protocol.name(), downstreamId, protocol.name());
            sendLocalReply(LocalReply.error(ProxyError.CODEC, "response is not " + protocol.name()));
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            data.release(); // the body travels inside the frame
        }

        @Override
        public void sendTrailers(Headers trailers) {
        }

        /** The proxy's own answer (no route, upstream down, timeout, a filter's refusal), in the protocol's terms. */
        @Override
        public void sendLocalReply(LocalReply reply) {
            if (done) {
                return;
            }
            if (request.isOneWay()) {
                finished(); // the caller expects nothing back
                return;
            }
            request.setRequestId(downstreamId); // the upstream side may have renumbered it
            XFrame answer = protocol.errorResponse(request, reply.rpcError(), reply.body());
            answer.setRequestId(downstreamId);
            answer(answer);
        }

        @Override
        public boolean retrySafe() {
            return !request.isOneWay() && protocol.retrySafe(request);
        }

        @Override
        public Duration requestTimeout() {
            return request.timeout(); // the caller's own timeout (bolt's field) replaces the route's
        }

        private void answer(XFrame response) {
            if (closed) {
                response.release();
            } else {
                write(response);
            }
            finished();
        }

        private void finished() {
            done = true;
            request.release();
            streamEnded(this);
        }

        /** A finished stream's pauses die with it. */
        private void liftPauses() {
            if (paused > 0) {
                int n = paused;
                paused = 0;
                resume(n);
            }
        }

        @Override
        public void reset(ResetReason reason) {
            // the upstream failed after the proxy committed to its answer: nothing can be said in
            // the protocol any more, so the caller is told the only way left
            if (done) {
                return;
            }
            done = true;
            request.release();
            streamEnded(this);
            if (!request.isOneWay()) {
                log.debug("{} request {} from {} reset ({}); closing the connection", protocol.name(), downstreamId, ctx.channel().remoteAddress(), reason);
                ctx.close();
            }
        }

        void connectionClosed() {
            if (!done) {
                done = true;
                request.release();
                streamEnded(this);
                receiver.onReset(ResetReason.CONNECTION_TERMINATION);
            }
        }

        /**
         * Pauses ({@code true}) or resumes reading the whole connection: its requests are whole
         * frames, so the only thing to hold back is the client's next requests. The proxy pauses
         * while the upstream connection this request went to is full (other clients' requests
         * share it); the connection reads again once none of its streams asks otherwise.
         */
        @Override
        public void readDisable(boolean disable) {
            if (done) {
                return;
            }
            if (disable) {
                paused++;
                pause();
            } else if (paused > 0) {
                paused--;
                resume(1);
            }
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }
    }

    static void releaseMessage(Headers headers) {
        headers.releaseMessage();
    }
}
