package io.mosn4j.protocol.http1;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.TurnFlush;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 client codec on one upstream connection: sends one request stream at a time
 * through Netty's {@code HttpClientCodec} and delivers the response as neutral stream events.
 * When a response and its request are both complete and the connection may be kept alive, the
 * connection goes back to its pool.
 */
public final class Http1ClientConnection extends ChannelInboundHandlerAdapter implements ClientConnection {
    private final long connectionId = io.mosn4j.api.network.ConnectionIds.next();

    @Override
    public long id() {
        return connectionId;
    }

    @Override
    public java.net.SocketAddress localAddress() {
        return ctx == null ? null : ctx.channel().localAddress();
    }

    private static final Logger log = LoggerFactory.getLogger(Http1ClientConnection.class);

    /** What the connection tells the pool that owns it. */
    public interface Owner {
        void release(Http1ClientConnection connection);

        void closed(Http1ClientConnection connection);
    }

    private final Owner owner;
    private final long maxRequests;
    private ChannelHandlerContext ctx;
    private Http1ResponseDecoder decoder;
    private Stream stream;
    private long requests;
    private boolean reusable = true;
    /** The upstream closed the connection while it carried a request. */
    private boolean diedUnderRequest;
    /** When it went back to its pool idle (kept only with {@code idle_timeout}). */
    long idleSince;
    private final TurnFlush flush = new TurnFlush(() -> ctx.flush());
    /** What mapping the response being read found about its framing. */
    private final Http1Headers.Framing framing = new Http1Headers.Framing();

    public Http1ClientConnection(Owner owner, long maxRequests) {
        this.owner = owner;
        this.maxRequests = maxRequests;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.decoder = ctx.pipeline().get(Http1ResponseDecoder.class);
    }

    public boolean isActive() {
        return ctx != null && ctx.channel().isActive();
    }

    @Override
    public boolean reused() {
        return requests > 0;
    }

    @Override
    public StreamSender newStream(StreamReceiver responseReceiver) {
        if (stream != null) {
            throw new IllegalStateException("HTTP/1 connection already carries a stream");
        }
        stream = new Stream(responseReceiver);
        return stream;
    }

    @Override
    public void releaseUnused() {
        if (isActive()) {
            owner.release(this);
        }
    }

    public void close() {
        if (ctx != null) {
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Stream s = stream;
        if (s == null || s.reset) {
            ReferenceCountUtil.release(msg);
            if (s == null && (msg instanceof HttpResponse || msg instanceof ParsedResponse)) {
                log.debug("unexpected response on idle upstream connection {}; closing", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        if (msg instanceof ParsedResponse resp) {
            s.onResponse(resp.status, !resp.http10, resp.headers, resp);
            return;
        }
        if (msg instanceof HttpResponse resp) {
            if (resp.decoderResult().isFailure()) {
                // not HTTP at all: nothing reached the client yet, so the proxy can still answer 502
                ReferenceCountUtil.release(msg);
                log.debug("malformed response from upstream {}: {}", ctx.channel().remoteAddress(), resp.decoderResult().cause().toString());
                reusable = false;
                s.reset = true;
                s.receiver.onReset(ResetReason.PROTOCOL_ERROR);
                ctx.close();
                return;
            }
            int status = resp.status().code();
            if (status >= 100 && status < 200 && status != 101) {
                s.informational = true; // 100 Continue and friends: not forwarded
            } else {
                HttpVersion version = resp.protocolVersion();
                s.onResponse(status, version.isKeepAliveDefault(), Http1Headers.fromResponse(resp, framing), framing);
            }
        }
        if (msg instanceof HttpContent content) {
            s.onContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Stream s = stream;
        if (s != null && !s.reset && !s.responseDone) {
            s.receiver.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Whether the connection closed while carrying a request that had not been answered in full. */
    boolean diedUnderRequest() {
        return diedUnderRequest;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Stream s = stream;
        stream = null;
        diedUnderRequest = s != null && !s.reset && !s.responseDone;
        owner.closed(this);
        if (s != null && !s.reset && !s.responseDone) {
            s.reset = true;
            s.receiver.onReset(ResetReason.CONNECTION_TERMINATION);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Closing.isNetworkFailure(cause)) {
            log.debug("upstream connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("upstream HTTP/1 connection {} closed on an unexpected exception", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private static final long NOT_COUNTED = Long.MIN_VALUE;

    /** A Content-Length's value, or -1 (never counted down to 0) when it is not a plain number. */
    private static long parseLength(String value) {
        try {
            return Math.max(-1, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Writes, flushing at the end of the loop's turn ({@link TurnFlush}), a finished request too. */
    private void write(Object msg) {
        ctx.write(msg, ctx.voidPromise());
        flushLater();
    }

    private void flushLater() {
        flush.request(ctx.channel().eventLoop());
    }

    /** Reading on or off; unchanged, no atomic swap of Netty's flag (one per request was ~1% of its user time). */
    private void autoRead(boolean on) {
        if (ctx.channel().config().isAutoRead() != on) {
            ctx.channel().config().setAutoRead(on);
        }
    }

    private void streamDone(Stream s) {
        if (stream != s) {
            return;
        }
        stream = null;
        requests++;
        autoRead(true);
        if (reusable && (maxRequests <= 0 || requests < maxRequests) && ctx.channel().isActive()) {
            owner.release(this);
        } else {
            ctx.close();
        }
    }

    /** One request and its response. */
    private final class Stream implements StreamSender {
        private final StreamReceiver receiver;
        private boolean head;
        private boolean requestStarted;
        private boolean requestDone;
        private boolean chunked;
        /** Body bytes the request's Content-Length still owes the upstream; NOT_COUNTED when chunked or none. */
        private long bodyLeft = NOT_COUNTED;
        private boolean informational;
        private boolean responseStarted;
        private boolean responseEndsOnHeaders;
        private boolean responseDone;
        private boolean reset;
        private int readDisables;

        Stream(StreamReceiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void sendHeaders(Headers headers, boolean endStream) {
            if (requestStarted || reset) {
                return;
            }
            requestStarted = true;
            String method = headers.method();
            if (method == null) {
                method = "GET";
            }
            String path = headers.path();
            if (path == null || path.isEmpty()) {
                path = "/";
            }
            head = method.equals("HEAD");
            if (decoder != null) {
                decoder.expectHeadResponse(head);
            }
            int framing = 0;
            if (!endStream) {
                String length = headers.get("content-length");
                if (length == null) {
                    framing |= Http1Wire.CHUNKED;
                    chunked = true;
                } else {
                    bodyLeft = parseLength(length);
                }
            }
            String authority = headers.authority();
            if (authority == null) {
                // an HTTP/1.0 client may omit Host; HTTP/1.1 requires it, so name the upstream
                authority = ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
                        ? a.getHostString() + ":" + a.getPort() : "localhost";
            }
            ByteBuf requestHead = Http1Wire.requestHead(ctx.alloc(), method, path, authority, headers, framing);
            if (endStream) {
                requestDone = true;
                write(requestHead);
                if (responseDone) {
                    streamDone(this);
                }
            } else {
                write(requestHead);
            }
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            if (!requestStarted || requestDone || reset) {
                data.release();
                return;
            }
            if (chunked) {
                int n = data.readableBytes();
                if (n > 0) {
                    ctx.write(Http1Wire.chunkHeader(ctx.alloc(), n), ctx.voidPromise());
                    ctx.write(data, ctx.voidPromise());
                    write(Http1Wire.crlf());
                } else {
                    data.release();
                }
            } else if (data.isReadable()) {
                if (bodyLeft != NOT_COUNTED) {
                    bodyLeft -= data.readableBytes();
                }
                write(data);
            } else {
                data.release();
            }
            if (endStream) {
                endRequest(null);
            }
        }

        @Override
        public void sendTrailers(Headers trailers) {
            if (!requestStarted || requestDone || reset) {
                return;
            }
            endRequest(trailers);
        }

        private void endRequest(Headers trailers) {
            requestDone = true;
            if (bodyLeft != NOT_COUNTED && bodyLeft != 0) {
                reusable = false; // the body did not match its Content-Length: the upstream's framing is lost
            }
            if (chunked) {
                write(Http1Wire.lastChunk(ctx.alloc(), trailers));
            } else {
                flushLater();
            }
            if (responseDone) {
                streamDone(this);
            }
        }

        /** A final response's head, mapped to {@code headers}; {@code framing} is what its fields said. */
        void onResponse(int status, boolean keepAliveByDefault, Headers headers, Http1Headers.Framing framing) {
            responseStarted = true;
            if (!framing.keepAlive(keepAliveByDefault)) {
                reusable = false;
            }
            boolean framed = framing.contentLength != null || framing.chunked;
            responseEndsOnHeaders = head || status == 204 || status == 304 || framing.contentLength(-1L) == 0;
            if (!framed && !responseEndsOnHeaders) {
                reusable = false; // the body runs until the upstream closes
            }
            receiver.onHeaders(headers, responseEndsOnHeaders);
        }

        /** Takes ownership of {@code content}. */
        void onContent(HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                log.debug("malformed response from upstream {}: {}", ctx.channel().remoteAddress(), content.decoderResult().cause().toString());
                reusable = false;
                if (!reset && !responseDone) {
                    reset = true;
                    receiver.onReset(ResetReason.PROTOCOL_ERROR);
                }
                ctx.close();
                return;
            }
            ByteBuf data = content.content();
            boolean last = content instanceof LastHttpContent;
            if (informational) {
                data.release();
                informational = !last;
                return;
            }
            if (!responseStarted) {
                data.release();
                return;
            }
            if (responseEndsOnHeaders) {
                data.release();
                if (last) {
                    finishResponse();
                }
                return;
            }
            if (last) {
                HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
                responseDone = true;
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
                finishResponse();
            } else if (data.isReadable()) {
                receiver.onData(data, false);
            } else {
                data.release();
            }
        }

        private void finishResponse() {
            responseDone = true;
            if (requestDone) {
                streamDone(this);
            }
            // else answered early: the proxy sends the rest (takesRestAfterResponse) or resets
        }

        @Override
        public boolean takesRestAfterResponse() {
            return stream == this && responseDone && !requestDone && !reset && reusable && ctx.channel().isActive();
        }

        @Override
        public void reset(ResetReason reason) {
            if (reset) {
                return;
            }
            reset = true;
            reusable = false;
            if (stream == this) {
                stream = null;
                ctx.close();
            }
        }

        @Override
        public void readDisable(boolean disable) {
            if (stream != this) {
                return;
            }
            readDisables = Math.max(0, readDisables + (disable ? 1 : -1));
            autoRead(readDisables == 0);
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }
    }
}
