package io.mosn4j.stream.xprotocol;

import io.mosn4j.api.protocol.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of an RPC protocol connection: frames become streams, each request one stream
 * whose headers carry the whole frame; answers go back with the request's own id, in whatever
 * order they come. Heartbeats are answered here and never routed. Bytes that cannot be framed
 * close this connection only, with a log line naming the protocol and what was wrong.
 */
public final class XServerConnection extends XConnection {
    private static final Logger log = LoggerFactory.getLogger(XServerConnection.class);

    private final ServerStreamHandler handler;
    private final Object drainEvent;
    private boolean draining;
    private boolean closed;
    private final Set<Stream> streams = new HashSet<>();

    public XServerConnection(XProtocol protocol, ServerStreamHandler handler, Object drainEvent) {
        super(protocol);
        this.handler = handler;
        this.drainEvent = drainEvent;
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
        Headers headers;
        try {
            headers = frame.headers();
        } catch (XProtocolException e) {
            // framed but its body cannot be read: answered in the protocol, the connection lives on
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
            if (streams.isEmpty()) {
                ctx.close();
            }
            return;
        }
        if (evt == drainEvent) {
            // RPC protocols have no GOAWAY: stop reading, close once the answers in flight are out
            draining = true;
            ctx.channel().config().setAutoRead(false);
            if (streams.isEmpty()) {
                closeAfterWrites();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // responses are whole frames: a full write buffer pauses reading new requests instead
        if (!draining) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        super.channelInactive(ctx);
        for (Stream s : streams.toArray(Stream[]::new)) {
            s.connectionClosed();
        }
    }

    private void streamEnded(Stream s) {
        streams.remove(s);
        if (draining && streams.isEmpty()) {
            closeAfterWrites();
        }
    }

    /**
     * Closes once what is queued is on the wire: answers are flushed at the end of the event-loop
     * turn, and a plain close() would drop the last one, written a moment before.
     */
    private void closeAfterWrites() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** One request and its answer. */
    private final class Stream implements StreamSender {
        private final XFrame request;
        private final long downstreamId;
        private StreamReceiver receiver;
        private boolean done;
        /** A local reply's status, held until its body (the message) arrives. */
        private int localStatus;
        private StringBuilder localMessage;

        Stream(XFrame request) {
            this.request = request;
            this.downstreamId = request.requestId();
            streams.add(this);
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
            // the proxy's own answer (no route, upstream down, timeout): in the protocol's terms
            localStatus = headers.status();
            localMessage = new StringBuilder();
            if (endStream) {
                answerLocally();
            }
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            try {
                if (!done && localMessage != null && localMessage.length() < 1024) {
                    localMessage.append(data.toString(StandardCharsets.UTF_8).strip());
                }
            } finally {
                data.release();
            }
            if (endStream && !done && localMessage != null) {
                answerLocally();
            }
        }

        @Override
        public void sendTrailers(Headers trailers) {
            if (!done && localMessage != null) {
                answerLocally();
            }
        }


        private void answerLocally() {
            request.setRequestId(downstreamId); // the upstream side may have renumbered it
            XFrame reply = protocol.errorResponse(request, errorFor(localStatus), localMessage.toString());
            reply.setRequestId(downstreamId);
            answer(reply);
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

        @Override
        public void readDisable(boolean disable) {
            // whole frames: nothing to pace per stream
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }
    }

    static void releaseMessage(Headers headers) {
        if (headers.message() instanceof XFrame f) {
            f.release();
        }
    }

    /** The proxy outcome behind a local reply's HTTP status, as the proxy core sets them. */
    static ProxyError errorFor(int httpStatus) {
        return switch (httpStatus) {
            case 404 -> ProxyError.NO_ROUTE;
            case 502 -> ProxyError.NO_HEALTHY_UPSTREAM;
            case 503 -> ProxyError.OVERFLOW;
            case 504, 408 -> ProxyError.TIMEOUT;
            case 403 -> ProxyError.PERMISSION_DENIED;
            case 400 -> ProxyError.CODEC;
            default -> ProxyError.UNKNOWN;
        };
    }
}
