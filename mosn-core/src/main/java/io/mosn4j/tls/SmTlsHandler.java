package io.mosn4j.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsServer;

/**
 * TLS on Bouncy Castle's protocol engine in its non-blocking mode, for the SM suites: bytes read
 * are offered to the engine, the records it produces are written, and the plaintext it yields is
 * passed on; writes are encrypted once the handshake is done (queued before). Fires the same
 * {@link SslHandshakeCompletionEvent} as Netty's SslHandler, so what follows cannot tell them
 * apart. On the connection's event loop only; nothing here blocks.
 */
final class SmTlsHandler extends ChannelDuplexHandler {
    private static final long HANDSHAKE_TIMEOUT_SECONDS = 10;

    private final TlsProtocol protocol;
    private final TlsPeer peer;
    private final boolean client;
    private final BooleanSupplier handshakeDone;
    private final Supplier<List<X509Certificate>> peerCertificates;
    private final ArrayDeque<Object[]> pending = new ArrayDeque<>();
    private Promise<Void> handshake;
    private ScheduledFuture<?> timeout;
    private boolean done;
    private boolean failed;
    private boolean started;

    SmTlsHandler(TlsProtocol protocol, TlsPeer peer, boolean client, BooleanSupplier handshakeDone,
                 Supplier<List<X509Certificate>> peerCertificates) {
        this.protocol = protocol;
        this.peer = peer;
        this.client = client;
        this.handshakeDone = handshakeDone;
        this.peerCertificates = peerCertificates;
    }

    /** The chain the peer presented, leaf first (empty: none); read once the handshake is done. */
    List<X509Certificate> peerCertificates() {
        return peerCertificates.get();
    }

    /** Done when the handshake is: succeeded, or failed with why. */
    Future<Void> handshakeFuture() {
        return handshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        handshake = ctx.executor().newPromise();
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timeout = ctx.executor().schedule(() -> {
            if (!done && !failed) {
                fail(ctx, new SSLHandshakeException("handshake timed out after " + HANDSHAKE_TIMEOUT_SECONDS + "s"));
            }
        }, HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try {
            if (client) {
                ((TlsClientProtocol) protocol).connect((TlsClient) peer);
            } else {
                ((TlsServerProtocol) protocol).accept((TlsServer) peer);
            }
        } catch (IOException e) {
            fail(ctx, e);
            return;
        }
        writeOutput(ctx, ctx.newPromise());
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            in.release();
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(in);
        in.release();
        try {
            protocol.offerInput(bytes);
        } catch (IOException e) {
            writeOutput(ctx, ctx.newPromise()); // the alert the engine raised
            ctx.flush();
            fail(ctx, e);
            return;
        }
        writeOutput(ctx, ctx.newPromise());
        ctx.flush();
        if (!done && handshakeDone.getAsBoolean()) {
            done = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            handshake.trySuccess(null);
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
            flushPending(ctx);
        }
        int n;
        while ((n = protocol.getAvailableInputBytes()) > 0) {
            byte[] plain = new byte[n];
            protocol.readInput(plain, 0, n);
            ctx.fireChannelRead(Unpooled.wrappedBuffer(plain));
        }
        if (protocol.isClosed() && done) {
            ctx.close(); // the peer's close_notify
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (failed) {
            buf.release();
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (!done) {
            pending.add(new Object[] {buf, promise});
            return;
        }
        encrypt(ctx, buf, promise);
    }

    private void encrypt(ChannelHandlerContext ctx, ByteBuf buf, ChannelPromise promise) {
        try {
            if (buf.isReadable()) {
                byte[] bytes = ByteBufUtil.getBytes(buf);
                protocol.writeApplicationData(bytes, 0, bytes.length);
            }
        } catch (IOException e) {
            promise.tryFailure(e);
            fail(ctx, e);
            return;
        } finally {
            buf.release();
        }
        writeOutput(ctx, promise);
    }

    private void flushPending(ChannelHandlerContext ctx) {
        Object[] w;
        boolean any = false;
        while ((w = pending.poll()) != null) {
            encrypt(ctx, (ByteBuf) w[0], (ChannelPromise) w[1]);
            any = true;
        }
        if (any) {
            ctx.flush();
        }
    }

    /** Writes what the engine has to send; {@code promise} completes with it (at once when there is nothing). */
    private void writeOutput(ChannelHandlerContext ctx, ChannelPromise promise) {
        int n = protocol.getAvailableOutputBytes();
        if (n == 0) {
            promise.trySuccess();
            return;
        }
        byte[] out = new byte[n];
        protocol.readOutput(out, 0, n);
        ctx.write(Unpooled.wrappedBuffer(out), promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        if (done && !failed && !protocol.isClosed()) {
            try {
                protocol.close(); // close_notify
                writeOutput(ctx, ctx.newPromise());
                ctx.flush();
            } catch (IOException ignored) {
                // the connection is going anyway
            }
        }
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!done && !failed) {
            failed = true;
            handshake.tryFailure(new SSLHandshakeException("connection closed during the handshake"));
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(handshake.cause()));
        }
        failPending(new ClosedChannelException());
        if (timeout != null) {
            timeout.cancel(false);
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        Throwable why = cause instanceof SSLHandshakeException ? cause : new SSLHandshakeException(String.valueOf(cause.getMessage()));
        if (why != cause) {
            why.initCause(cause);
        }
        if (!done) {
            handshake.tryFailure(why);
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(why));
        }
        failPending(why);
        ctx.close();
    }

    private void failPending(Throwable cause) {
        Object[] w;
        while ((w = pending.poll()) != null) {
            ReferenceCountUtil.release(w[0]);
            ((ChannelPromise) w[1]).tryFailure(cause);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        failPending(new ClosedChannelException());
    }
}
