package io.mosn4j.protocol.http1;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.TurnFlush;
import io.mosn4j.api.protocol.Buffers;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.api.stream.Grpc;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server codec: turns the requests Netty's {@code HttpServerCodec} decodes into
 * neutral streams, one at a time per connection, and writes their responses back with the framing
 * the client understands (content-length, chunked, or close-delimited for HTTP/1.0).
 *
 * <p>Pipelined requests wait, decoded, until the response before them is done; reading pauses
 * meanwhile. Bodies are never aggregated: each chunk goes to the stream as it arrives.
 *
 * <p>Requests are checked before they reach the proxy: a method that is not an upper-case token, a
 * target that is not origin-form, an HTTP/1.1 request without exactly one {@code Host}, get 400.
 * A request head that takes longer than the listener's {@code request_headers_timeout} from its
 * first byte gets 408. Every refusal closes the connection after its reply is read (lingering).
 */
final class Http1ServerConnection extends ChannelInboundHandlerAdapter implements Http1RequestDecoder.HeadListener {
    private static final Logger log = LoggerFactory.getLogger(Http1ServerConnection.class);
    /** The most of an answered request's body still to come that is read and dropped to keep the connection. */
    static final long DISCARD_MAX_BYTES = 1024 * 1024;
    /**
     * The most of that rest handed on to the proxy, to complete the upstream's request so that its
     * connection serves again. Beyond it, sending the rest costs more than the new upstream
     * connection it saves, so the rest is dropped here and the upstream connection closed.
     */
    static final long FORWARD_REST_MAX_BYTES = 64 * 1024;
    /** How long a client has to send that rest. */
    static final long DISCARD_TIMEOUT_MILLIS = 5_000;

    private final ServerStreamHandler handler;
    /** {@code request_headers_timeout} in nanoseconds; 0: none. */
    private final long headTimeoutNanos;
    private final Counter invalid;
    private final Counter headTimeouts;
    /** A request head is arriving (from its first byte) and not complete yet; since {@link #headStartedAt}. */
    private boolean inHead;
    private long headStartedAt;
    /** The one check of the head timeout per connection, moved on rather than re-armed per request. */
    private ScheduledFuture<?> headTimer;
    /** The listener is draining ({@link DrainEvent}): each response closes its connection. */
    private boolean draining;
    private ChannelHandlerContext ctx;
    private Stream current;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>(2);
    private int readDisables;
    private boolean pausedForPipeline;
    /** The connection will close: requests read after that decision are not processed (RFC 9112 9.6). */
    private boolean closing;
    private boolean drainingPipeline;
    private boolean pipelineChanged;
    private final TurnFlush flush = new TurnFlush(() -> {
        writeHeld();
        ctx.flush();
    });
    /**
     * A response head kept back, with room for the small body its content-length announced: the
     * body, which mostly follows in the same read of the upstream, is copied in behind it, and the
     * response leaves as one buffer (one outbound entry, a send instead of a writev). Written ahead
     * of anything else written, and at the turn's flush at the latest: a head is kept back only with
     * that flush asked for, so while one is held a flush is pending.
     */
    private ByteBuf held;
    /** What mapping the request being dispatched found about its framing. */
    private final Http1Headers.Framing framing = new Http1Headers.Framing();

    Http1ServerConnection(ServerStreamHandler handler, ServerContext context) {
        this.handler = handler;
        Duration headTimeout = context.requestHeadersTimeout();
        this.headTimeoutNanos = headTimeout == null ? 0 : headTimeout.toNanos();
        this.invalid = context.stats().counter("downstream.request.invalid");
        this.headTimeouts = context.stats().counter("downstream.request.header_timeout");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pipelined.isEmpty() || (current != null && current.requestDone && isRequest(msg))) {
            pipelined.add(msg);
            if (!pausedForPipeline) {
                pausedForPipeline = true;
                updateAutoRead();
            }
            return;
        }
        dispatch(msg);
    }

    /** A request head: the decoder's own, or Netty's. */
    private static boolean isRequest(Object msg) {
        return msg instanceof ParsedRequest || msg instanceof HttpRequest;
    }

    private void dispatch(Object msg) {
        if (msg instanceof ParsedRequest req) {
            begin(req.method, req.http10, !req.http10, req.headers, req);
            return;
        }
        if (msg instanceof HttpRequest req) {
            DecoderResult result = req.decoderResult();
            if (result.isFailure()) {
                ReferenceCountUtil.release(msg);
                rejectMalformed(result.cause());
                return;
            }
            HttpVersion version = req.protocolVersion();
            Stream s = begin(req.method().name(), version.equals(HttpVersion.HTTP_1_0), version.isKeepAliveDefault(),
                    Http1Headers.fromRequest(req, framing), framing);
            if (msg instanceof HttpContent content) {
                if (s != null && current == s) {
                    s.onContent(content);
                } else {
                    content.release();
                }
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            if (current == null || current.requestDone) {
                content.release(); // the rest of a request already answered (and closing)
                return;
            }
            current.onContent(content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /**
     * Starts the stream of a request whose head was mapped to {@code headers} (null: more than one
     * Host), or refuses it with 400; the stream, or null when refused.
     */
    private Stream begin(String method, boolean http10, boolean keepAliveByDefault, Headers headers, Http1Headers.Framing framing) {
        String bad = Http1Headers.requestError(method, http10, headers, framing);
        if (bad != null) {
            log.debug("refused request from {}: {}", ctx.channel().remoteAddress(), bad);
            invalid.inc();
            refuse(HttpResponseStatus.BAD_REQUEST.code(), "Bad Request");
            return null;
        }
        Stream s = new Stream(method, http10, keepAliveByDefault, framing);
        current = s;
        s.start(headers, framing); // may answer at once (404, direct_response) and clear current
        return s;
    }

    private static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.directBuffer(25)
            .writeBytes("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    /** An Expect other than 100-continue: 417, as RFC 9110 10.1.1 says. */
    private void rejectExpectation() {
        if (current != null) {
            current.reset = true; // never reached the proxy
            current = null;
        }
        refuse(417, null);
    }

    private void rejectMalformed(Throwable cause) {
        HttpResponseStatus status = cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
        log.debug("malformed request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        invalid.inc();
        if (current != null && !current.responseStarted) {
            current.fail(ResetReason.PROTOCOL_ERROR);
        }
        refuse(status.code(), status.reasonPhrase());
    }

    /**
     * Answers {@code status} (with {@code text} as a plain-text body, or none) and closes the
     * connection once the client has read it: it may still be sending what was refused, and a
     * close with unread bytes would reset the reply away ({@link Closing#lingering}).
     */
    private void refuse(int status, String text) {
        byte[] body = text == null ? new byte[0] : (text + "\n").getBytes(StandardCharsets.US_ASCII);
        Headers h = Headers.response(status);
        if (body.length > 0) {
            h.add("content-type", "text/plain");
        }
        h.add("content-length", Integer.toString(body.length));
        queue(Http1Wire.responseHead(ctx.alloc(), false, status, h, Http1Wire.CONNECTION_CLOSE));
        if (body.length > 0) {
            queue(Unpooled.wrappedBuffer(body));
        }
        lingeringClose();
    }

    /** Stops taking requests; what still arrives is dropped while the reply is read ({@link Closing#lingering}). */
    private void lingeringClose() {
        writeHeld();
        closing = true;
        inHead = false;
        Closing.lingering(ctx.channel());
    }

    // ---- the request header timeout ----

    @Override
    public void headStarted() {
        if (headTimeoutNanos <= 0 || closing) {
            return;
        }
        inHead = true;
        headStartedAt = System.nanoTime();
        if (headTimer == null) {
            headTimer = ctx.executor().schedule(this::checkHeadTimeout, headTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void headDone() {
        inHead = false;
    }

    /**
     * The one scheduled check of a connection: a head still arriving after the timeout gets 408;
     * otherwise the check moves to when the head in progress, if any, would time out.
     */
    private void checkHeadTimeout() {
        headTimer = null;
        if (!inHead || closing || !ctx.channel().isActive()) {
            return;
        }
        long left = headStartedAt + headTimeoutNanos - System.nanoTime();
        if (left > 0 || current != null || !pipelined.isEmpty()) {
            // not yet; or requests before it are still being answered (reading may be paused for
            // them, so the proxy is as slow as the client): look again later
            headTimer = ctx.executor().schedule(this::checkHeadTimeout, left > 0 ? left : headTimeoutNanos, TimeUnit.NANOSECONDS);
            return;
        }
        headTimeouts.inc();
        log.debug("request head from {} not complete within {} ms of its first byte; closing", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos));
        refuse(HttpResponseStatus.REQUEST_TIMEOUT.code(), "Request Timeout");
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && current.receiver != null && !current.reset) {
            current.receiver.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent || evt instanceof DrainEvent) {
            draining |= evt instanceof DrainEvent;
            if (current == null && pipelined.isEmpty()) {
                ctx.flush(); // a finished response's flush may be waiting for the end of the loop's turn
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
        Stream s = current;
        current = null;
        if (s != null && !(s.requestDone && s.responseDone)) {
            s.fail(ResetReason.CONNECTION_TERMINATION);
        }
        Object m;
        while ((m = pipelined.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        if (held != null) {
            held.release();
            held = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Closing.isNetworkFailure(cause)) {
            log.debug("downstream connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("downstream HTTP/1 connection {} closed on an unexpected exception", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private void updateAutoRead() {
        boolean on = readDisables == 0 && !pausedForPipeline;
        // a closing connection reads on until its client is done (lingering); unchanged, no atomic swap of Netty's flag
        if (!closing && ctx.channel().config().isAutoRead() != on) {
            ctx.channel().config().setAutoRead(on);
        }
    }

    private void write(Object msg) {
        queue(msg);
        flushLater();
    }

    /** Writes {@code msg} behind what was written before (a head kept back included), not flushed. */
    private void queue(Object msg) {
        writeHeld();
        ctx.write(msg, ctx.voidPromise());
    }

    /** The largest body copied in behind its head ({@link #held}): beyond it a copy costs more than an outbound entry. */
    static final int SMALL_BODY = 1024;

    /** The body length that a content-length of {@code v} announces when it is 1..{@link #SMALL_BODY}, else 0 (also for null). */
    static int smallBody(String v) {
        if (v == null || v.isEmpty() || v.length() > 4) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n <= SMALL_BODY ? n : 0;
    }

    /** Writes the head kept back ({@link #held}), if any. */
    private void writeHeld() {
        ByteBuf h = held;
        if (h != null) {
            held = null;
            ctx.write(h, ctx.voidPromise());
        }
    }

    /** Flushes at the end of the loop's turn ({@link TurnFlush}), a finished response too. */
    private void flushLater() {
        flush.request(ctx.channel().eventLoop());
    }

    private void streamDone(Stream s, boolean close) {
        if (current != s) {
            return;
        }
        current = null;
        if (readDisables > 0) {
            readDisables = 0; // a finished stream's pauses die with it
        }
        if (close || draining) {
            closeAfterFlush();
            return;
        }
        flushLater();
        drainPipelined();
    }

    /**
     * Feeds queued pipelined messages in order: a new request only once the one before is done.
     * A request answered at once finishes inside dispatch and calls back here; that inner call only
     * flags more work, so a long queue of such requests is a loop, not a recursion.
     */
    private void drainPipelined() {
        if (drainingPipeline) {
            pipelineChanged = true;
            return;
        }
        drainingPipeline = true;
        try {
            do {
                pipelineChanged = false;
                while (!pipelined.isEmpty()) {
                    if (closing) {
                        ReferenceCountUtil.release(pipelined.poll());
                        continue;
                    }
                    if (current != null && isRequest(pipelined.peek())) {
                        return; // still paused; resumes when that stream is done
                    }
                    dispatch(pipelined.poll());
                }
            } while (pipelineChanged);
            pausedForPipeline = false;
            updateAutoRead();
        } finally {
            drainingPipeline = false;
        }
    }

    private void closeAfterFlush() {
        writeHeld();
        closing = true;
        Closing.afterFlush(ctx.channel());
    }

    /** One request and its response on this connection. */
    private final class Stream implements ServerStream {
        private final boolean head;
        private final boolean http10;
        private final boolean clientKeepAlive;
        private StreamReceiver receiver;
        private Headers requestHeaders;
        private boolean requestDone;
        private boolean responseStarted;
        private boolean responseDone;
        private boolean bodyless;
        private boolean chunked;
        private boolean closeAfter;
        private boolean reset;
        /** Request body bytes still to come by its Content-Length; -1 when chunked (unknown). */
        private long bodyLeft;
        /** Answered before the request ended: the rest of its body is read and dropped, the connection kept. */
        private boolean discarding;
        private ScheduledFuture<?> discardTimer;

        Stream(String method, boolean http10, boolean keepAliveByDefault, Http1Headers.Framing framing) {
            head = method.equals("HEAD");
            this.http10 = http10;
            clientKeepAlive = framing.keepAlive(keepAliveByDefault);
            boolean chunkedRequest = framing.chunked;
            long length = framing.contentLength(0L);
            requestDone = !(chunkedRequest || length > 0);
            bodyLeft = chunkedRequest ? -1 : length;
        }

        /**
         * Whether an answer that comes before the request's end can keep the connection: the rest of
         * the body has a known length of at most {@link #DISCARD_MAX_BYTES}, read and dropped (as nginx
         * does) instead of a close that costs the client a new connection. Otherwise, or for a client
         * slower than {@link #DISCARD_TIMEOUT_MILLIS} to send it, the connection closes.
         */
        private boolean restDiscardable() {
            return bodyLeft >= 0 && bodyLeft <= DISCARD_MAX_BYTES;
        }

        /** {@code framing} is what the request's mapping found, read before the stream reaches the proxy. */
        void start(Headers headers, Http1Headers.Framing framing) {
            boolean hasBody = !requestDone;
            // HTTP/1.0 has no Expect (HttpUtil.is100ContinueExpected): nothing is answered or refused for one
            if (!http10 && (framing.expectContinue || framing.expectOther)) {
                if (framing.expectContinue) {
                    ctx.writeAndFlush(CONTINUE.duplicate(), ctx.voidPromise()); // as Envoy does: the proxy says go ahead
                } else {
                    rejectExpectation();
                    return;
                }
            }
            if (framing.contentLength != null && !hasBody) {
                headers.set("content-length", "0");
            }
            requestHeaders = headers;
            receiver = handler.newStream(this);
            receiver.onHeaders(headers, requestDone);
        }

        @Override
        public boolean deliversRestAfterResponse() {
            return responseStarted && !requestDone && !closeAfter && !reset && bodyLeft >= 0 && bodyLeft <= FORWARD_REST_MAX_BYTES;
        }

        @Override
        public void sendLocalReply(LocalReply reply) {
            reply.sendAsHttp(this, requestHeaders != null && Grpc.isGrpc(requestHeaders));
        }

        @Override
        public Duration callerDeadline() {
            return requestHeaders == null ? null : Grpc.deadline(requestHeaders);
        }

        /** Takes ownership of {@code content}. */
        void onContent(HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                log.debug("malformed request body from {}: {}", ctx.channel().remoteAddress(), content.decoderResult().cause().toString());
                fail(ResetReason.PROTOCOL_ERROR);
                ctx.close();
                return;
            }
            ByteBuf data = content.content();
            if (requestDone) {
                data.release(); // the empty end marker of a body-less request
                return;
            }
            if (bodyLeft > 0) {
                bodyLeft -= data.readableBytes();
            }
            if (discarding) {
                boolean last = content instanceof LastHttpContent;
                if (last) {
                    requestDone = true;
                    discarding = false;
                    discardTimer.cancel(false);
                }
                if (receiver != null) {
                    receiver.onData(data, last); // the proxy drops it, or completes the upstream's request with it
                } else {
                    data.release();
                }
                if (last) {
                    streamDone(this, false);
                }
                return;
            }
            if (content instanceof LastHttpContent last) {
                requestDone = true;
                HttpHeaders trailers = last.trailingHeaders();
                if (!trailers.isEmpty()) {
                    if (data.isReadable()) {
                        receiver.onData(data, false);
                    } else {
                        data.release();
                    }
                    receiver.onTrailers(Http1Headers.fromTrailers(trailers));
                } else {
                    receiver.onData(data, true);
                }
                if (responseDone && current == this) {
                    streamDone(this, closeAfter);
                }
            } else if (data.isReadable()) {
                receiver.onData(data, false);
            } else {
                data.release();
            }
        }

        void fail(ResetReason reason) {
            // an answered request whose rest was still coming is told too: that rest may be owed upstream
            if (!reset && (!responseDone || discarding) && receiver != null) {
                reset = true;
                receiver.onReset(reason);
            }
        }

        @Override
        public void sendHeaders(Headers headers, boolean endStream) {
            if (responseStarted || reset) {
                return;
            }
            responseStarted = true;
            int status = headers.status();
            if (status < 100 || status > 999) {
                status = 502;
            }
            bodyless = head || status == 204 || status == 304 || status < 200;
            closeAfter = !clientKeepAlive || (!requestDone && !restDiscardable()) || draining;
            int framing = 0;
            if (status == 204 || status < 200) {
                framing |= Http1Wire.DROP_CONTENT_LENGTH;
            }
            String length = headers.get("content-length");
            boolean hasLength = length != null;
            if (!bodyless) {
                if (endStream) {
                    if (!hasLength) {
                        framing |= Http1Wire.CONTENT_LENGTH_ZERO;
                    }
                } else if (!hasLength) {
                    if (http10) {
                        closeAfter = true; // HTTP/1.0 has no chunked: the body ends with the connection
                    } else {
                        framing |= Http1Wire.CHUNKED;
                        chunked = true;
                    }
                }
            }
            if (closeAfter) {
                framing |= Http1Wire.CONNECTION_CLOSE;
            } else if (http10) {
                framing |= Http1Wire.CONNECTION_KEEP_ALIVE;
            }
            int room = endStream || bodyless || chunked ? 0 : smallBody(length);
            ByteBuf out = Http1Wire.responseHead(ctx.alloc(), http10, status, headers, framing, room);
            if (room > 0) {
                writeHeld();
                held = out;
                flushLater();
            } else {
                write(out);
            }
            if (endStream) {
                end(null);
            }
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            if (!responseStarted || responseDone || reset) {
                data.release();
                return;
            }
            if (bodyless) {
                data.release();
            } else if (chunked) {
                int n = data.readableBytes();
                if (n > 0) {
                    queue(Http1Wire.chunkHeader(ctx.alloc(), n));
                    queue(data);
                    write(Http1Wire.crlf());
                } else {
                    data.release();
                }
            } else if (held != null && data.isReadable() && data.readableBytes() <= held.writableBytes()) {
                Buffers.append(held, data); // the body behind its head, one buffer
                data.release();
                writeHeld();
            } else if (data.isReadable()) {
                write(data);
            } else {
                data.release();
            }
            if (endStream) {
                end(null);
            }
        }

        @Override
        public void sendTrailers(Headers trailers) {
            if (!responseStarted || responseDone || reset) {
                return;
            }
            end(trailers);
        }

        /** Ends the response: the last chunk (with trailers) when chunked, nothing otherwise. */
        private void end(Headers trailers) {
            responseDone = true;
            if (chunked) {
                queue(Http1Wire.lastChunk(ctx.alloc(), trailers));
            }
            if (requestDone) {
                streamDone(this, closeAfter);
            } else if (!closeAfter) {
                // answered before the request finished: its known, bounded rest is read and dropped,
                // then the connection serves the next request
                discarding = true;
                discardTimer = ctx.executor().schedule(() -> {
                    if (discarding) {
                        log.debug("client {} did not finish an answered request's body within {} ms; closing",
                                ctx.channel().remoteAddress(), DISCARD_TIMEOUT_MILLIS);
                        ctx.close();
                    }
                }, DISCARD_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                // answered before the request finished, its rest unknown or large: HTTP/1 cannot skip
                // it, so close, once the client has read the answer (it is still sending)
                current = null;
                lingeringClose();
            }
        }

        @Override
        public void reset(ResetReason reason) {
            if (reset || responseDone) {
                return;
            }
            reset = true;
            if (current == this) {
                current = null;
            }
            ctx.close();
        }

        @Override
        public void readDisable(boolean disable) {
            if (current != this) {
                return;
            }
            readDisables += disable ? 1 : -1;
            if (readDisables < 0) {
                readDisables = 0;
            }
            updateAutoRead();
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }
    }
}
