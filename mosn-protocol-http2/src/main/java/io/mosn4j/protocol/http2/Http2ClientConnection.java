package io.mosn4j.protocol.http2;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream h2c connection multiplexing many request streams (each a child channel, see
 * {@link Http2ClientStream}). It tells its pool when it is ready (the server's first SETTINGS
 * arrived, so its MAX_CONCURRENT_STREAMS is known), when a stream slot frees, when the server sent
 * GOAWAY (no new streams here; the ones it will still process finish), and when it closed.
 * Used only on its event loop.
 */
public final class Http2ClientConnection extends ChannelInboundHandlerAdapter implements ClientConnection {
    private final long connectionId = io.mosn4j.api.network.ConnectionIds.next();

    @Override
    public long id() {
        return connectionId;
    }

    @Override
    public java.net.SocketAddress localAddress() {
        return ctx == null ? null : ctx.channel().localAddress();
    }

    private static final Logger log = LoggerFactory.getLogger(Http2ClientConnection.class);

    /** What the connection tells the pool that owns it. */
    public interface Owner {
        void ready(Http2ClientConnection connection);

        /** A stream slot freed, or the peer raised its limit. */
        void capacity(Http2ClientConnection connection);

        /** The peer sent GOAWAY: no new streams on this connection. */
        void goingAway(Http2ClientConnection connection);

        void closed(Http2ClientConnection connection);
    }

    /** Refuses streams the server tries to open (push is disabled in our SETTINGS). */
    @ChannelHandler.Sharable
    private static final class RefuseInbound extends ChannelInboundHandlerAdapter {
        static final RefuseInbound INSTANCE = new RefuseInbound();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    private final Owner owner;
    private final long settingsTimeoutMillis;
    private final Http2Options options;
    private final Http2FrameCodec codec;
    /** A keepalive PING is out and its ACK not yet back. */
    private boolean pingOutstanding;
    /** RST_STREAMs sent in the current window, and when that window started. */
    private int resetsSent;
    private long resetWindowStart;
    private ChannelHandlerContext ctx;
    /** Opens the request streams, on the loop; made with the first. */
    private Http2StreamChannelBootstrap bootstrap;
    /** Streams handed out: reserved by the pool, then open, until their child channel closes. */
    private int streams;
    private long maxConcurrent = Long.MAX_VALUE;
    private boolean ready;
    private boolean goingAway;
    private boolean closed;
    private boolean windowGrown;
    /** Streams this connection may carry in all ({@code max_request_per_conn}); 0: no limit. */
    private final long maxRequests;
    private long served;
    /** When the connection last had no stream, for the pool's {@code idle_timeout}. */
    long idleSince = System.nanoTime();

    private Http2ClientConnection(Owner owner, long settingsTimeoutMillis, Http2Options options, Http2FrameCodec codec, long maxRequests) {
        this.codec = codec;
        this.owner = owner;
        this.settingsTimeoutMillis = settingsTimeoutMillis;
        this.options = options;
        this.maxRequests = maxRequests;
    }

    /**
     * Adds the HTTP/2 client handlers to a new upstream channel's pipeline. A server that does not
     * send its SETTINGS within {@code settingsTimeoutMillis} of the TCP connect is given up on, so
     * a silent upstream cannot hold the requests waiting for this connection. With keepalive on,
     * a connection that has read nothing for its interval sends a PING and closes if no ACK comes
     * back in time: a dead peer or a NAT that forgot us is found before a request is sent into it.
     */
    public static void install(ChannelPipeline pipeline, Owner owner, long settingsTimeoutMillis, Http2Options options) {
        install(pipeline, owner, settingsTimeoutMillis, options, 0);
    }

    /** As above; after {@code maxRequests} streams (0: no limit) the connection takes no more and closes when they end. */
    public static void install(ChannelPipeline pipeline, Owner owner, long settingsTimeoutMillis, Http2Options options, long maxRequests) {
        Http2Options.Keepalive keepalive = options.connectionKeepalive();
        if (keepalive.enabled()) {
            pipeline.addLast(new IdleStateHandler(keepalive.interval().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
        }
        Http2FrameCodec codec = Http2Codecs.client(options);
        pipeline.addLast(codec);
        pipeline.addLast(new Http2MultiplexHandler(RefuseInbound.INSTANCE));
        pipeline.addLast(new Http2ClientConnection(owner, settingsTimeoutMillis, options, codec, maxRequests));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            growConnectionWindow();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        growConnectionWindow();
        if (settingsTimeoutMillis > 0) {
            ctx.executor().schedule(() -> {
                if (!ready && ctx.channel().isActive()) {
                    log.debug("upstream {} sent no HTTP/2 SETTINGS within {} ms; closing", ctx.channel().remoteAddress(), settingsTimeoutMillis);
                    ctx.close();
                }
            }, settingsTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelActive();
    }

    private void growConnectionWindow() {
        if (!windowGrown) {
            windowGrown = true;
            Http2Codecs.growConnectionWindow(ctx.channel(), codec, options);
        }
    }

    public Channel channel() {
        return ctx.channel();
    }

    /** Whether the pool may hand out one more stream on this connection. */
    public boolean hasCapacity() {
        return ready && !goingAway && !closed && ctx.channel().isActive() && streams < maxConcurrent;
    }

    /** The pool hands this connection to one more stream. */
    public void reserve() {
        streams++;
        if (maxRequests > 0 && ++served >= maxRequests) {
            goingAway = true; // max_request_per_conn: no new streams, closed when the last one ends (the pool sees no capacity)
        }
    }

    public int streams() {
        return streams;
    }

    public boolean isReady() {
        return ready;
    }

    @Override
    public StreamSender newStream(StreamReceiver responseReceiver) {
        Http2ClientStream s = new Http2ClientStream(this, responseReceiver);
        Channel ch = ctx.channel();
        if (ch.eventLoop().inEventLoop()) {
            // one bootstrap for the connection's streams: a bootstrap opens a stream at once on the loop, with the
            // handler set just before (a new one per stream costs two maps and a walk of the pipeline)
            if (bootstrap == null) {
                bootstrap = new Http2StreamChannelBootstrap(ch);
            }
            s.open(bootstrap);
        } else {
            s.open(new Http2StreamChannelBootstrap(ch));
        }
        return s;
    }

    @Override
    public void releaseUnused() {
        streamDone();
    }

    @Override
    public boolean reused() {
        return false; // a closing HTTP/2 connection says which streams it never processed (GOAWAY)
    }

    /** A stream handed out on this connection ended (or was never opened). */
    void streamDone() {
        if (streams > 0) {
            streams--;
        }
        if (streams == 0) {
            idleSince = System.nanoTime();
        }
        if (goingAway && streams == 0) {
            ctx.close();
            return;
        }
        if (!closed) {
            owner.capacity(this);
        }
    }

    /**
     * Servers cut off a peer that resets too many streams (the rapid-reset defence: Netty allows
     * 200 per 30 s), and that would fail every stream on this shared connection. Downstream
     * clients cancelling streams make the proxy reset upstream ones, so after half that budget
     * the connection takes no new streams and closes once its streams end; new ones go to a
     * fresh connection.
     */
    void resetSent() {
        long now = System.nanoTime();
        if (now - resetWindowStart > RESET_WINDOW_NANOS) {
            resetWindowStart = now;
            resetsSent = 0;
        }
        if (++resetsSent == RESET_BUDGET && !goingAway) {
            log.debug("upstream {}: {} streams reset within {} s; moving new streams to another connection",
                    ctx.channel().remoteAddress(), RESET_BUDGET, TimeUnit.NANOSECONDS.toSeconds(RESET_WINDOW_NANOS));
            goAwayReceived();
            if (streams == 0) {
                ctx.close();
            }
        }
    }

    static final int RESET_BUDGET = 100;
    static final long RESET_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * The server sent GOAWAY: no new streams here. Streams above its last stream id hear of it
     * before this handler sees the frame, and call this first so their retry goes elsewhere.
     */
    void goAwayReceived() {
        if (!goingAway) {
            goingAway = true;
            owner.goingAway(this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame s) {
                Long max = s.settings().maxConcurrentStreams();
                if (max != null) {
                    maxConcurrent = max;
                }
                if (!ready) {
                    ready = true;
                    owner.ready(this);
                } else {
                    owner.capacity(this);
                }
            } else if (msg instanceof Http2PingFrame p && p.ack()) {
                pingOutstanding = false;
            } else if (msg instanceof Http2GoAwayFrame g) {
                log.debug("upstream {} sent GOAWAY ({}, last stream {})", ctx.channel().remoteAddress(), g.errorCode(), g.lastStreamId());
                goAwayReceived();
                if (streams == 0) {
                    ctx.close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (pingOutstanding || closed) {
            return;
        }
        pingOutstanding = true;
        ctx.writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()), ctx.voidPromise());
        long timeout = options.connectionKeepalive().timeout().toNanos();
        ctx.executor().schedule(() -> {
            if (pingOutstanding && !closed) {
                log.info("upstream {} did not answer a keepalive PING within {} ms; closing the connection",
                        ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(timeout));
                ctx.close();
            }
        }, timeout, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        owner.closed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            log.debug("upstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            return; // the codec sends GOAWAY with the error's own code and closes
        }
        if (Closing.isNetworkFailure(cause)) {
            log.debug("upstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("upstream HTTP/2 connection {} closed on an unexpected exception", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
