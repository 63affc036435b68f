package io.mosn4j.tls;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.log.Throttle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits after a connection's TLS handler until its handshake is over and the first bytes came
 * through: counts it, and logs a failure with the peer's address and the engine's reason (at most
 * one line a second per listener or cluster, saying how many it held back: one failing cluster does
 * not hide another's). In TLS 1.3 a server refuses a
 * client's certificate after the client thinks the handshake done: that alert, arriving before any
 * data, counts as the handshake's failure too. Keeps the exception from reaching the protocol's
 * handlers, which would report it again as an unexpected error. Then steps out.
 */
final class HandshakeOutcome extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("tls");

    /** What one side of the proxy counts and logs; shared by its connections. */
    record Sink(String what, Counter failures, Counter processFailures, Counter successes, Throttle throttle) {
        void failed(Object peer, Throwable cause) {
            failures.inc();
            processFailures.inc();
            long swallowed = throttle.due();
            if (swallowed >= 0) {
                log.info("{}: TLS handshake with {} failed: {}{}", what, peer, reason(cause), Throttle.more(swallowed, "handshake failures"));
            }
        }
    }

    private final Sink sink;
    /** Whether a failure was counted: one per connection. */
    private boolean failed;

    HandshakeOutcome(Sink sink) {
        this.sink = sink;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !failed) {
            if (e.isSuccess()) {
                sink.successes().inc();
            } else {
                failed = true;
                sink.failed(ctx.channel().remoteAddress(), e.cause());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this); // data came through: the handshake is over for good
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof SSLException) {
            if (!failed) {
                failed = true;
                sink.failed(ctx.channel().remoteAddress(), c);
            }
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** The engine's reason, one line. */
    static String reason(Throwable cause) {
        Throwable c = cause;
        while (c instanceof DecoderException && c.getCause() != null) {
            c = c.getCause();
        }
        String m = c == null ? "unknown" : c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        if (c != null && c.getCause() != null && c.getCause().getMessage() != null && !m.contains(c.getCause().getMessage())) {
            m = m + " (" + c.getCause().getMessage() + ")";
        }
        return m.replace('\n', ' ');
    }
}
