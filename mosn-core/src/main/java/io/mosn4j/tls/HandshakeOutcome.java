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
 * Sits after a connection's TLS handler until its handshake ends: counts it, and logs a failure
 * with the peer's address and the engine's reason (at most one line a second per kind, saying how
 * many it held back). Keeps the handshake's exception from reaching the protocol's handlers, which
 * would report it again as an unexpected error. Then steps out.
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
    private boolean over;

    HandshakeOutcome(Sink sink) {
        this.sink = sink;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !over) {
            over = true;
            if (e.isSuccess()) {
                sink.successes().inc();
                ctx.pipeline().remove(this);
            } else {
                sink.failed(ctx.channel().remoteAddress(), e.cause());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof SSLException || over) {
            ctx.close(); // told by the completion event; the handler closes the connection
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
