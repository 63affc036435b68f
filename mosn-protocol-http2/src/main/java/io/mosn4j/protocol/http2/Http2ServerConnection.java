package io.mosn4j.protocol.http2;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.DrainEvent;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 server codec of a downstream connection (h2c with prior knowledge): Netty's frame
 * codec and multiplexer, each stream a child channel handled by {@link Http2ServerStream}, and this
 * handler for what concerns the whole connection: the connection window, idle close, drain.
 */
final class Http2ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2ServerConnection.class);

    private final Http2FrameCodec codec;
    private final Http2Options options;
    private boolean windowGrown;

    private Http2ServerConnection(Http2FrameCodec codec, Http2Options options) {
        this.codec = codec;
        this.options = options;
    }

    /**
     * Adds the HTTP/2 server handlers to {@code pipeline}. A {@link DrainEvent} starts a graceful
     * close: GOAWAY, let streams in flight finish (up to {@code gracefulMillis}), then close. A
     * client slower than {@code headerTimeout} (zero: none) to send a header block is closed
     * ({@link Http2HeaderTimer}).
     */
    static void install(ChannelPipeline pipeline, ServerStreamHandler handler, long gracefulMillis, Http2Options options, Stats stats,
                        Duration headerTimeout) {
        Http2FrameCodec codec = Http2Codecs.server(options, gracefulMillis);
        Counter invalid = stats.counter("downstream.request.invalid");
        if (headerTimeout != null && !headerTimeout.isZero()) {
            pipeline.addLast(new Http2HeaderTimer(headerTimeout.toNanos(), stats.counter("downstream.request.header_timeout")));
        }
        pipeline.addLast(codec);
        pipeline.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2ServerStream(handler, invalid));
            }
        }));
        pipeline.addLast(new Http2ServerConnection(codec, options));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        growConnectionWindow(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            growConnectionWindow(ctx.channel());
        }
    }

    private void growConnectionWindow(Channel ch) {
        if (!windowGrown) {
            windowGrown = true;
            Http2Codecs.growConnectionWindow(ch, codec, options);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // SETTINGS, PING, GOAWAY: the codec already acted on them
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (codec.connection().numActiveStreams() == 0) {
                ctx.close();
            }
            return;
        }
        if (evt instanceof DrainEvent) {
            // Http2ConnectionHandler.close sends GOAWAY and waits for the streams in flight
            ctx.channel().close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // the peer broke the protocol: the codec sends GOAWAY with the error's own code (PROTOCOL_ERROR, ENHANCE_YOUR_CALM...) and closes
            log.debug("downstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            return;
        }
        if (Closing.isNetworkFailure(cause)) {
            log.debug("downstream HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("downstream HTTP/2 connection {} closed on an unexpected exception", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
