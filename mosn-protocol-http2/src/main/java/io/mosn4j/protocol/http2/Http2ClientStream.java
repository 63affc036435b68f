package io.mosn4j.protocol.http2;

import io.mosn4j.api.network.Closing;
import io.mosn4j.api.network.TurnFlush;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request stream on an upstream HTTP/2 connection: the request is written as frames on a child
 * channel, the response frames become neutral events. Frames written before the child channel is
 * open wait in order. Flow control as on the server side: auto-read off withholds WINDOW_UPDATEs.
 */
final class Http2ClientStream extends ChannelInboundHandlerAdapter implements StreamSender {
    private static final Logger log = LoggerFactory.getLogger(Http2ClientStream.class);

    private final Http2ClientConnection connection;
    private final StreamReceiver receiver;
    private Channel ch;
    private ArrayDeque<Object> pending;
    private boolean requestStarted;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    /** No more events to the receiver (reset either way, or failed). */
    private boolean reset;
    private boolean released;
    private int readDisables;
    private final TurnFlush flush = new TurnFlush(() -> {
        if (ch != null) {
            ch.flush();
        }
    });

    Http2ClientStream(Http2ClientConnection connection, StreamReceiver receiver) {
        this.connection = connection;
        this.receiver = receiver;
    }

    void open(Http2StreamChannelBootstrap bootstrap) {
        Future<Http2StreamChannel> f = bootstrap.handler(this).open();
        if (f.isDone()) {
            opened(f);
        } else {
            f.addListener(done -> opened(f));
        }
    }

    private void opened(Future<Http2StreamChannel> f) {
        if (!f.isSuccess()) {
            log.debug("cannot open an HTTP/2 stream on {}: {}", connection.channel(), f.cause().toString());
            releasePending();
            fail(ResetReason.CONNECTION_TERMINATION);
            releaseSlot();
            return;
        }
        ch = f.getNow();
        if (pending != null) {
            Object frame;
            while ((frame = pending.poll()) != null) {
                ch.write(frame, ch.voidPromise());
            }
            ch.flush();
        }
        if (readDisables > 0) {
            ch.config().setAutoRead(false);
        }
        if (reset && !responseDone) {
            ch.close(); // reset before the stream opened
        }
    }

    // ---- the request ----

    @Override
    public void sendHeaders(Headers headers, boolean endStream) {
        if (requestStarted || reset) {
            return;
        }
        requestStarted = true;
        requestDone = endStream;
        write(new DefaultHttp2HeadersFrame(Http2HeaderMapping.requestToHttp2(headers), endStream), endStream);
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        if (!requestStarted || requestDone || reset) {
            data.release();
            return;
        }
        requestDone = endStream;
        write(new DefaultHttp2DataFrame(data, endStream), endStream);
    }

    @Override
    public void sendTrailers(Headers trailers) {
        if (!requestStarted || requestDone || reset) {
            return;
        }
        requestDone = true;
        if (trailers.isEmpty()) {
            write(new DefaultHttp2DataFrame(true), true);
        } else {
            write(new DefaultHttp2HeadersFrame(Http2HeaderMapping.trailersToHttp2(trailers), true), true);
        }
    }

    @Override
    public void reset(ResetReason reason) {
        if (reset) {
            return;
        }
        reset = true;
        if (ch == null) {
            releasePending(); // opened() closes the child when it arrives
            return;
        }
        if (!(requestDone && responseDone)) {
            ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2HeaderMapping.errorFor(reason)), ch.voidPromise());
            connection.resetSent();
        }
    }

    @Override
    public void readDisable(boolean disable) {
        readDisables = Math.max(0, readDisables + (disable ? 1 : -1));
        if (ch != null && !reset) {
            boolean resume = readDisables == 0 && !ch.config().isAutoRead();
            ch.config().setAutoRead(readDisables == 0);
            if (resume) {
                Http2Codecs.flushWindowUpdates(ch);
            }
        }
    }

    @Override
    public boolean isWritable() {
        return ch == null || ch.isWritable();
    }

    private void write(Object frame, boolean flushNow) {
        if (ch == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(frame);
            return;
        }
        ch.write(frame, ch.voidPromise());
        if (flushNow) {
            ch.flush();
        } else {
            flush.request(ch.eventLoop());
        }
    }

    private void releasePending() {
        if (pending != null) {
            Object frame;
            while ((frame = pending.poll()) != null) {
                ReferenceCountUtil.release(frame);
            }
        }
    }

    // ---- the response ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (reset) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame f) {
            String bad = Http2HeaderMapping.valuesError(f.headers());
            if (bad != null) {
                // an HTTP/1 client would read the value as more than one field: refused as the upstream's protocol error
                log.debug("malformed HTTP/2 response from {}: {}", connection.channel(), bad);
                fail(ResetReason.PROTOCOL_ERROR);
                ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR), ch.voidPromise());
                connection.resetSent();
                return;
            }
            if (!responseStarted) {
                Headers h = Http2HeaderMapping.fromHttp2(f.headers(), false);
                int status = h.status();
                if (status >= 100 && status < 200 && !f.isEndStream()) {
                    return; // 100 Continue and friends: not forwarded
                }
                responseStarted = true;
                responseDone = f.isEndStream();
                receiver.onHeaders(h, responseDone);
            } else if (!responseDone) {
                responseDone = true;
                receiver.onTrailers(Http2HeaderMapping.trailersFromHttp2(f.headers()));
            }
        } else if (msg instanceof Http2DataFrame f) {
            if (!responseStarted || responseDone) {
                f.release();
                return;
            }
            responseDone = f.isEndStream();
            receiver.onData(f.content(), responseDone);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame r) {
            fail(r.errorCode() == Http2Error.REFUSED_STREAM.code() ? ResetReason.REFUSED_STREAM : ResetReason.REMOTE_RESET);
            return;
        }
        if (evt instanceof Http2GoAwayFrame g) {
            // our stream id is above the server's last one: it never processed this request
            g.release();
            connection.goAwayReceived();
            fail(ResetReason.REFUSED_STREAM);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!reset && !requestDone) {
            receiver.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ResetReason.CONNECTION_TERMINATION);
        releaseSlot();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Closing.isNetworkFailure(cause) || Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            log.debug("upstream HTTP/2 stream {} failed: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("upstream HTTP/2 stream {} reset on an unexpected exception", ctx.channel(), cause);
        }
        fail(ResetReason.PROTOCOL_ERROR);
        ctx.close();
    }

    private void fail(ResetReason reason) {
        if (!reset && !responseDone) {
            reset = true;
            receiver.onReset(reason);
        }
    }

    private void releaseSlot() {
        if (!released) {
            released = true;
            connection.streamDone();
        }
    }
}
