package io.mosn4j.stream;

import io.mosn4j.api.protocol.Detection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code "downstream_protocol": "Auto"}: looks at the first bytes of a connection, asks each
 * registered {@link Detector} whether they are its protocol, installs that protocol's codec behind
 * itself and steps out of the pipeline, handing the codec every byte it held. A connection no
 * detector claims is closed with a log line showing what it sent, and so is one still undecided
 * {@link #SNIFF_TIMEOUT} after it was accepted (a client that sends nothing, or one ambiguous byte
 * such as {@code P}, would otherwise hold its connection open for ever).
 */
public final class ProtocolSniffer extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProtocolSniffer.class);

    /**
     * Recognises {@code protocol} from the first bytes; {@code match} must not move the buffer's
     * indexes. An RPC protocol's is {@code new Detector(p.name(), p::detect)}.
     */
    public record Detector(String protocol, Function<ByteBuf, Detection> match) {}

    /** Puts the chosen protocol's handlers on the pipeline, after the sniffer. */
    public interface Installer {
        void install(ChannelHandlerContext sniffer, String protocol);
    }

    /** Longest prefix any detector may ask for; past it an undecided connection is refused. */
    private static final int MAX_SNIFF = 64;

    /** How long a connection may take to show which protocol it speaks before it is closed. */
    public static final Duration SNIFF_TIMEOUT = Duration.ofSeconds(15);

    private final List<Detector> detectors;
    private final Installer installer;
    private final String listener;
    private ScheduledFuture<?> timeout;

    public ProtocolSniffer(List<Detector> detectors, Installer installer, String listener) {
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
        for (Detector d : detectors) {
            switch (d.match().apply(in)) {
                case YES -> {
                    installer.install(ctx, d.protocol());
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

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The HTTP/2 client connection preface (RFC 9113 section 3.4). */
    public static final Detector HTTP2 = new Detector("Http2", in -> prefix(in, PREFACE));

    /** Request-line starts: the methods Go's and MOSN's sniffers know, each with its space. */
    private static final byte[][] METHODS = Stream.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE")
            .map(m -> (m + " ").getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);

    /** An HTTP/1 request line: a known method and a space. */
    public static final Detector HTTP1 = new Detector("Http1", ProtocolSniffer::http1);

    private static Detection http1(ByteBuf in) {
        boolean more = false;
        for (byte[] m : METHODS) {
            switch (prefix(in, m)) {
                case YES -> {
                    return Detection.YES;
                }
                case NEED_MORE -> more = true;
                case NO -> { }
            }
        }
        return more ? Detection.NEED_MORE : Detection.NO;
    }

    /** YES when {@code in} starts with {@code expected}, NEED_MORE while it is a proper prefix of it. */
    public static Detection prefix(ByteBuf in, byte[] expected) {
        int n = Math.min(in.readableBytes(), expected.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != expected[i]) {
                return Detection.NO;
            }
        }
        return n == expected.length ? Detection.YES : Detection.NEED_MORE;
    }
}
