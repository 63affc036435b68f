package io.mosn4j.proxy;

import io.mosn4j.api.protocol.ProtocolCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code "downstream_protocol": "Auto"}: looks at the first bytes of a connection, asks each
 * codec ({@link ProtocolCodec#detect}, in their detection order) whether they are its protocol,
 * installs that codec behind itself and steps out of the pipeline, handing the codec every byte it
 * held. A connection no codec claims is closed with a log line showing what it sent, and so is one
 * still undecided {@link #SNIFF_TIMEOUT} after it was accepted (a client that sends nothing, or one
 * ambiguous byte such as {@code P}, would otherwise hold its connection open for ever).
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProtocolSniffer.class);

    /** Puts the chosen codec's handlers on the pipeline, after the sniffer. */
    interface Installer {
        void install(ChannelHandlerContext sniffer, ProtocolCodec codec);
    }

    /** Longest prefix any detector may ask for; past it an undecided connection is refused. */
    private static final int MAX_SNIFF = 64;

    /** How long a connection may take to show which protocol it speaks before it is closed. */
    static final Duration SNIFF_TIMEOUT = Duration.ofSeconds(15);

    private final List<ProtocolCodec> detectors;
    private final Installer installer;
    private final String listener;
    private ScheduledFuture<?> timeout;

    ProtocolSniffer(List<ProtocolCodec> detectors, Installer installer, String listener) {
        this.detectors = detectors;
        this.installer = installer;
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> timedOut(ctx), SNIFF_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        ByteBuf held = internalBuffer();
        log.info("listener {}: connection from {} has not shown which protocol it speaks within {} s; first bytes: {}; closing it",
                listener, ctx.channel().remoteAddress(), SNIFF_TIMEOUT.toSeconds(), printable(held));
        ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        boolean waiting = false;
        for (ProtocolCodec d : detectors) {
            switch (d.detect(in)) {
                case YES -> {
                    installer.install(ctx, d);
                    ctx.pipeline().remove(this); // hands the bytes read so far to the codec
                    return;
                }
                case NEED_MORE -> waiting = true;
                case NO -> { }
            }
        }
        if (!waiting || in.readableBytes() >= MAX_SNIFF) {
            log.info("listener {}: connection from {} speaks no protocol this listener knows; first bytes: {}; closing it",
                    listener, ctx.channel().remoteAddress(), printable(in));
            in.skipBytes(in.readableBytes());
            ctx.close();
        }
    }

    private static String printable(ByteBuf in) {
        int n = Math.min(in.readableBytes(), 24);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            byte c = in.getByte(in.readerIndex() + i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : ".");
        }
        return "\"" + b + "\" (" + ByteBufUtil.hexDump(in, in.readerIndex(), n) + ")";
    }

}
