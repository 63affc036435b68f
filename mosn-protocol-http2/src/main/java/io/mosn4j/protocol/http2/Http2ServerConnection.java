package io.mosn4j.protocol.http2;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.TurnFlush;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2PromisedRequestVerifier;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 server codec of a downstream connection (h2c with prior knowledge, or h2 after ALPN):
 * Netty's connection handler with a frame listener that turns each request stream into a
 * {@link Http2ServerStream} directly, without a frame object or a child channel per stream. Also
 * what concerns the whole connection: the connection window, flushing, idle close, drain.
 *
 * <p>Flushing: what streams write while the connection reads is flushed once when the read burst
 * ends ({@code channelReadComplete}); what they write at other times (responses arriving from
 * upstream) is flushed by one task per event-loop turn, however many streams wrote. Lives on the
 * connection's event loop.
 */
final class Http2ServerConnection extends Http2ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(Http2ServerConnection.class);

    private final ServerStreamHandler handler;
    /** Requests refused as malformed ({@code downstream.request.invalid}). */
    private final Counter invalid;
    private final Http2Options options;
    /** Each open request's {@link Http2ServerStream}, on its Netty stream. */
    private final Http2Connection.PropertyKey streamKey;
    private ChannelHandlerContext ctx;
    private boolean windowGrown;
    /** Inside a read burst: its end flushes. */
    private boolean reading;
    private final TurnFlush turnFlush = new TurnFlush(() -> flush(ctx));

    private Http2ServerConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings, ServerStreamHandler handler,
                                  Counter invalid, Http2Options options) {
        super(decoder, encoder, settings);
        this.handler = handler;
        this.invalid = invalid;
        this.options = options;
        Http2Connection connection = connection();
        streamKey = connection.newKey();
        Events events = new Events();
        decoder.frameListener(events);
        connection.addListener(events);
        encoder.flowController().listener(this::writabilityChanged);
    }

    /**
     * Adds the HTTP/2 server handlers to {@code pipeline}. A {@link DrainEvent} starts a graceful
     * close: GOAWAY, let streams in flight finish (up to {@code gracefulMillis}), then close. A
     * client slower than {@code headerTimeout} (zero: none) to send a header block is closed
     * ({@link Http2HeaderTimer}).
     */
    static void install(ChannelPipeline pipeline, ServerStreamHandler handler, long gracefulMillis, Http2Options options, Stats stats,
                        Duration headerTimeout) {
        Http2WriteBatch batch = new Http2WriteBatch();
        pipeline.addLast(batch);
        if (headerTimeout != null && !headerTimeout.isZero()) {
            pipeline.addLast(new Http2HeaderTimer(headerTimeout.toNanos(), stats.counter("downstream.request.header_timeout")));
        }
        pipeline.addLast(new Builder(handler, stats.counter("downstream.request.invalid"), options, gracefulMillis, batch).build());
    }

    /** Netty's builder, for the decoder and encoder with the limits that keep a hostile client from exhausting the proxy. */
    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2ServerConnection, Builder> {
        /** RST_STREAM frames with an error code a server sends per window before it ends the connection: Netty's builder's figures. */
        private static final int SENT_RESETS_PER_WINDOW = 200;
        private static final int SENT_RESETS_WINDOW_SECONDS = 30;
        private final ServerStreamHandler handler;
        private final Counter invalid;
        private final Http2Options options;

        Builder(ServerStreamHandler handler, Counter invalid, Http2Options o, long gracefulMillis, Http2WriteBatch batch) {
            this.handler = handler;
            this.invalid = invalid;
            this.options = o;
            // streams share the client's window evenly: HTTP/2's priority tree (deprecated by RFC 9113,
            // and what Netty's default distributor keeps up per stream opened and closed) is not followed
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            Http2Settings settings = Http2Codecs.serverSettings(o);
            // The decoder and encoder as the builder makes them from a connection (validated headers, SETTINGS and
            // PING acknowledged by Netty), but with our frame writer, which the builder has no place for. The limits
            // the builder puts around an encoder it makes are ours to put (Http2EncoderLimits); those around the
            // decoder it still puts (the rst and empty-DATA limits below).
            Http2FrameReader reader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(true, settings.maxHeaderListSize()));
            Http2ConnectionEncoder encoder = new DefaultHttp2ConnectionEncoder(connection, new Http2BatchFrameWriter(batch));
            encoder = new Http2EncoderLimits.QueuedControlFrames(encoder, o.maxOutboundControlFrames());
            encoder = new Http2EncoderLimits.SentResets(encoder, SENT_RESETS_PER_WINDOW, SENT_RESETS_WINDOW_SECONDS);
            Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader,
                    Http2PromisedRequestVerifier.ALWAYS_VERIFY, true, true, true);
            // the same limits as Http2Codecs.limits, which speaks to the frame codec's builder
            decoderEnforceMaxRstFramesPerWindow(o.maxResetsPerWindow(), (int) o.resetWindow().toSeconds());
            decoderEnforceMaxConsecutiveEmptyDataFrames(2);
            codec(decoder, encoder);
            initialSettings(settings);
            gracefulShutdownTimeoutMillis(gracefulMillis);
        }

        @Override
        public Http2ServerConnection build() {
            return super.build();
        }

        @Override
        protected Http2ServerConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            return new Http2ServerConnection(decoder, encoder, settings, handler, invalid, options);
        }
    }

    // ---- the connection ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        staticTableOnly();
        super.handlerAdded(ctx); // sends our SETTINGS when the channel is already active (Auto hands over to us)
        if (ctx.channel().isActive()) {
            growConnectionWindow();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx); // SETTINGS first: the window update must follow the preface
        growConnectionWindow();
    }

    private void growConnectionWindow() {
        if (windowGrown) {
            return;
        }
        windowGrown = true;
        Http2Connection connection = connection();
        int delta = Http2Codecs.connectionWindowDelta(connection, options);
        if (delta > 0) {
            try {
                connection.local().flowController().incrementWindowSize(connection.connectionStream(), delta);
            } catch (Http2Exception e) {
                onError(ctx, true, e);
            }
            flush(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        super.channelReadComplete(ctx); // flushes what the burst wrote
    }

    /** Something was written: flushed at the end of the read burst, or by one task per loop turn outside of one. */
    void flushSoon() {
        if (!reading) {
            turnFlush.request(ctx.executor());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (connection().numActiveStreams() == 0) {
                ctx.channel().close();
            }
            return;
        }
        if (evt instanceof DrainEvent) {
            // Http2ConnectionHandler.close sends GOAWAY and waits for the streams in flight
            ctx.channel().close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // the peer broke the protocol: GOAWAY or RST_STREAM with the error's own code (PROTOCOL_ERROR, ENHANCE_YOUR_CALM...)
            log.debug("downstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            super.exceptionCaught(ctx, cause);
            return;
        }
        if (Closing.isNetworkFailure(cause)) {
            log.debug("downstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("downstream HTTP/2 connection {} closed on an unexpected exception", ctx.channel().remoteAddress(), cause);
        }
        ctx.channel().close();
    }

    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause, Http2Exception.StreamException http2Ex) {
        Http2ServerStream s = stream(connection().stream(http2Ex.streamId()));
        if (s != null) {
            log.debug("downstream HTTP/2 stream {} on {} failed: {}", http2Ex.streamId(), ctx.channel().remoteAddress(), cause.toString());
            s.failed();
        }
        super.onStreamError(ctx, outbound, cause, http2Ex); // RST_STREAM with the error's code
    }

    // ---- what the streams ask of the connection ----

    private Http2ServerStream stream(Http2Stream stream) {
        return stream == null ? null : stream.getProperty(streamKey);
    }

    void writeHeaders(Http2Stream stream, Http2Headers headers, boolean endStream, ChannelPromise promise) {
        encoder().writeHeaders(ctx, stream.id(), headers, 0, endStream, promise);
        flushSoon();
    }

    void writeData(Http2Stream stream, ByteBuf data, boolean endStream, ChannelPromise promise) {
        if (!endStream || !wroteLastData(stream, data, promise)) {
            encoder().writeData(ctx, stream.id(), data, 0, endStream, promise);
        }
        flushSoon();
    }

    /**
     * Writes a response's last DATA frame at once when it is small ({@link Http2WriteBatch#SMALL}),
     * nothing of its stream waits in the flow controller, both windows hold it and the channel takes
     * writes, as the encoder writes a stream's HEADERS frame when nothing waits before it: the windows
     * shrink by its bytes as when the flow controller writes a frame, and the stream closes on our side
     * once it is written, as after the encoder's write. Otherwise false, and the encoder queues it with
     * the flow controller, whose per-frame queue, second promise and turn through the byte distributor
     * were ~5% of an h2c request's user time.
     */
    private boolean wroteLastData(Http2Stream stream, ByteBuf data, ChannelPromise promise) {
        int n = data.readableBytes();
        Http2RemoteFlowController flow = encoder().flowController();
        Http2Stream.State state = stream.state();
        if (n > Http2WriteBatch.SMALL || state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE
                || flow.hasFlowControlled(stream) || flow.windowSize(stream) < n
                || flow.windowSize(connection().connectionStream()) < n || !ctx.channel().isWritable()) {
            return false;
        }
        try {
            flow.incrementWindowSize(connection().connectionStream(), -n);
            flow.incrementWindowSize(stream, -n);
        } catch (Http2Exception e) {
            throw new IllegalStateException("a window that held the frame refused its decrement", e); // only growth overflows
        }
        ChannelPromise written = promise.unvoid();
        encoder().frameWriter().writeData(ctx, stream.id(), data, 0, true, written);
        closeStreamLocal(stream, written);
        return true;
    }

    void reset(Http2Stream stream, Http2Error error) {
        if (stream.state() == Http2Stream.State.CLOSED) {
            return; // gone from the connection: by its id, Netty would reset it as an unknown stream
        }
        resetStream(ctx, stream.id(), error.code(), ctx.voidPromise());
        flushSoon();
    }

    ChannelPromise voidPromise() {
        return ctx.voidPromise();
    }

    ChannelPromise newPromise() {
        return ctx.newPromise();
    }

    /** Returns window for bytes the stream delivered after holding them (WINDOW_UPDATE once half the window is consumed). */
    void consumed(Http2Stream stream, int bytes) {
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                flushSoon();
            }
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
    }

    boolean isWritable(Http2Stream stream) {
        return encoder().flowController().isWritable(stream);
    }

    private void writabilityChanged(Http2Stream stream) {
        Http2ServerStream s = stream(stream);
        if (s != null) {
            s.writabilityChanged(isWritable(stream));
        }
    }

    /**
     * Response headers are encoded with HPACK's static table and literals, never added to the
     * dynamic table (as HAProxy's and nginx's encoders do): the client's table may be up to its
     * SETTINGS_HEADER_TABLE_SIZE, and an encoder may use less (RFC 7541 4.2, the size update leads the
     * next header block). Searching and keeping the table was ~7% of an h2c request's user time
     * (date and content-length change with every response, so little was found in it); the cost is a
     * few bytes per response on the wire.
     */
    private void staticTableOnly() {
        try {
            encoder().configuration().headersConfiguration().maxHeaderTableSize(0);
        } catch (Http2Exception e) {
            throw new IllegalStateException("HPACK: a table size of 0 refused", e); // 0 is always in range
        }
    }

    /** The frames Netty's decoder has checked, and the end of each stream. */
    private final class Events extends Http2EventAdapter {
        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            if (settings.headerTableSize() != null) {
                staticTableOnly(); // Netty's decoder has just sized the encoder's table to the client's
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            if (stream == null) {
                return;
            }
            Http2ServerStream s = stream.getProperty(streamKey);
            if (s != null) {
                s.onHeaders(headers, endOfStream);
                return;
            }
            String bad = Http2HeaderMapping.requestError(headers);
            if (bad != null) {
                // RFC 9113 8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR
                log.debug("malformed HTTP/2 request on {} stream {}: {}", ctx.channel().remoteAddress(), streamId, bad);
                invalid.inc();
                resetStream(ctx, streamId, Http2Error.PROTOCOL_ERROR.code(), ctx.voidPromise());
                return;
            }
            s = new Http2ServerStream(Http2ServerConnection.this, stream, invalid);
            stream.setProperty(streamKey, s);
            s.onRequest(handler, headers, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency, short weight, boolean exclusive,
                                  int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Http2ServerStream s = stream(connection().stream(streamId));
            int bytes = data.readableBytes() + padding;
            return s == null ? bytes : s.onData(data, bytes, endOfStream);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            Http2ServerStream s = stream(connection().stream(streamId));
            if (s != null) {
                s.remoteReset();
            }
        }

        @Override
        public void onStreamClosed(Http2Stream stream) {
            Http2ServerStream s = stream.getProperty(streamKey);
            if (s != null) {
                s.closed();
            }
        }
    }
}
