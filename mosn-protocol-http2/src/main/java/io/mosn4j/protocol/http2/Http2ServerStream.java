package io.mosn4j.protocol.http2;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.Grpc;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream HTTP/2 stream (a child channel of {@code Http2MultiplexHandler}): its request
 * frames become neutral stream events and the response is written back as frames.
 *
 * <p>Flow control: the child channel returns window bytes only for frames it has delivered, so
 * {@link #readDisable} (auto-read off) withholds WINDOW_UPDATEs and the client must stop after its
 * window. Writability is the child channel's, which counts bytes the peer's window still holds back.
 */
final class Http2ServerStream extends ChannelInboundHandlerAdapter implements ServerStream {
    private static final Logger log = LoggerFactory.getLogger(Http2ServerStream.class);

    private final ServerStreamHandler handler;
    /** Requests refused as malformed ({@code downstream.request.invalid}). */
    private final Counter invalid;
    private Channel ch;
    private StreamReceiver receiver;
    private Headers requestHeaders;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    /** No more events either way (reset by either side, or both directions done). */
    private boolean reset;
    private int readDisables;
    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        ch.flush();
    };

    Http2ServerStream(ServerStreamHandler handler, Counter invalid) {
        this.handler = handler;
        this.invalid = invalid;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ch = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (reset) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame f) {
            if (receiver == null) {
                onRequestHeaders(f);
            } else if (!requestDone) {
                String bad = Http2HeaderMapping.valuesError(f.headers());
                if (bad != null) {
                    log.debug("malformed HTTP/2 request trailers on {}: {}", ch, bad);
                    invalid.inc();
                    fail(ResetReason.PROTOCOL_ERROR);
                    ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR), ch.voidPromise());
                    return;
                }
                requestDone = true;
                receiver.onTrailers(Http2HeaderMapping.trailersFromHttp2(f.headers()));
            }
        } else if (msg instanceof Http2DataFrame f) {
            if (receiver == null || requestDone) {
                f.release();
                return;
            }
            requestDone = f.isEndStream();
            receiver.onData(f.content(), requestDone); // the frame is its content: ownership passes on
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestHeaders(Http2HeadersFrame f) {
        String bad = Http2HeaderMapping.requestError(f.headers());
        if (bad != null) {
            // RFC 9113 8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR
            log.debug("malformed HTTP/2 request on {}: {}", ch, bad);
            invalid.inc();
            reset = true;
            ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR), ch.voidPromise());
            return;
        }
        Headers h = Http2HeaderMapping.fromHttp2(f.headers(), true);
        requestDone = f.isEndStream();
        String expect = h.get("expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            h.remove("expect"); // as on HTTP/1: the proxy says go ahead
            if (!requestDone) {
                ch.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100"), false), ch.voidPromise());
            }
        }
        requestHeaders = h;
        receiver = handler.newStream(this);
        receiver.onHeaders(h, requestDone);
    }

    @Override
    public void sendLocalReply(LocalReply reply) {
        reply.sendAsHttp(this, requestHeaders != null && Grpc.isGrpc(requestHeaders));
    }

    @Override
    public Duration callerDeadline() {
        return requestHeaders == null ? null : Grpc.deadline(requestHeaders);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            fail(ResetReason.REMOTE_RESET);
            return;
        }
        if (evt instanceof Http2GoAwayFrame g) {
            g.release();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (receiver != null && !reset && !responseDone) {
            receiver.onWritabilityChanged(ch.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ResetReason.CONNECTION_TERMINATION);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Closing.isNetworkFailure(cause) || Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            log.debug("downstream HTTP/2 stream {} failed: {}", ch, cause.toString());
        } else {
            log.warn("downstream HTTP/2 stream {} reset on an unexpected exception", ch, cause);
        }
        fail(ResetReason.PROTOCOL_ERROR);
        ctx.close();
    }

    private void fail(ResetReason reason) {
        if (!reset && receiver != null && !(requestDone && responseDone)) {
            reset = true;
            receiver.onReset(reason);
        }
    }

    // ---- the response ----

    @Override
    public void sendHeaders(Headers headers, boolean endStream) {
        if (responseStarted || reset) {
            return;
        }
        responseStarted = true;
        write(new DefaultHttp2HeadersFrame(Http2HeaderMapping.responseToHttp2(headers), endStream));
        if (endStream) {
            responseEnded();
        }
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        if (!responseStarted || responseDone || reset) {
            data.release();
            return;
        }
        write(new DefaultHttp2DataFrame(data, endStream));
        if (endStream) {
            responseEnded();
        }
    }

    @Override
    public void sendTrailers(Headers trailers) {
        if (!responseStarted || responseDone || reset) {
            return;
        }
        if (trailers.isEmpty()) {
            write(new DefaultHttp2DataFrame(true));
        } else {
            write(new DefaultHttp2HeadersFrame(Http2HeaderMapping.trailersToHttp2(trailers), true));
        }
        responseEnded();
    }

    private void responseEnded() {
        responseDone = true;
        if (!requestDone) {
            // answered before the request ended: tell the client to stop sending (RFC 9113 8.1)
            reset = true;
            ch.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR), ch.voidPromise());
            readDisables = 0;
            ch.config().setAutoRead(true); // drain what is queued so it is released
        }
        ch.flush();
    }

    @Override
    public void reset(ResetReason reason) {
        if (reset || responseDone) {
            return;
        }
        reset = true;
        ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2HeaderMapping.errorFor(reason)), ch.voidPromise());
    }

    @Override
    public void readDisable(boolean disable) {
        if (reset) {
            return;
        }
        readDisables = Math.max(0, readDisables + (disable ? 1 : -1));
        boolean resume = readDisables == 0 && !ch.config().isAutoRead();
        ch.config().setAutoRead(readDisables == 0);
        if (resume) {
            Http2Codecs.flushWindowUpdates(ch);
        }
    }

    @Override
    public boolean isWritable() {
        return ch.isWritable();
    }

    private void write(Object frame) {
        ch.write(frame, ch.voidPromise());
        if (!flushScheduled) {
            flushScheduled = true;
            ch.eventLoop().execute(flushTask);
        }
    }
}
