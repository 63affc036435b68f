package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The request decoder: reads the common request heads itself, into neutral headers that keep the
 * fields as the bytes they came in as until something reads them whole ({@link ParsedRequest},
 * {@link HeadFields}), and leaves every other one to Netty's decoder, which it extends. It also
 * tells its connection where each request head starts and ends: from the first byte of a request
 * (a pipelined one's first byte included, already buffered behind the request before it) to its
 * complete header block. That span is what the request header timeout bounds; the bytes between
 * requests are the idle timeout's.
 *
 * <p>Netty's decoder makes, for every request, a message, a header map with an entry per field,
 * a split request line and a decoder result, and the codec then copied the map into neutral
 * headers; reading the head here, the codec allocates 28% less for a small request
 * (Http1ServerBench: 592 B a request before, 424 B after). Netty's decoder, ~400 bytes of
 * parsers and buffers, is made only for a connection that sends a head it must read. A head this
 * decoder reads itself ({@link HeadReader}) is one that Netty's decoder would take as it is, and
 * reads the same: a token method other than CONNECT, an
 * origin-form target of visible ASCII, {@code HTTP/1.1} or {@code HTTP/1.0}, plain fields, no
 * {@code Transfer-Encoding}, and at most one {@code Content-Length}, of digits only, that came
 * whole in one read. Anything else (bare LF line ends, folded lines, chunked bodies, an
 * absolute-form target, a malformed or oversized head, a head sent in pieces) goes to Netty's
 * decoder whole, from its first byte, which answers it as before:
 * the same requests, the same refusals (400, 414, 431). A body framed by the length this decoder
 * read follows as slices of the read buffer, as Netty's decoder hands it on.
 */
final class Http1RequestDecoder extends ByteToMessageDecoder {
    /** Told, on the connection's loop, when a request head starts and when it is complete. */
    interface HeadListener {
        void headStarted();

        void headDone();
    }

    private final HeadListener listener;
    private final HttpDecoderConfig config;
    private final int maxChunk;
    /** Netty's decoder, made for the first head this one leaves to it. */
    private NettyDecoder netty;
    /** Bytes of a request head arrived; its request is not decoded yet. */
    private boolean inHead;
    /** A request was decoded; its end (LastHttpContent) not yet. */
    private boolean inBody;
    /** Netty's decoder has the message in progress (or refused one: then it keeps every byte after). */
    private boolean nettyOwns;
    /** A refused message: everything after it stays with Netty's decoder, which drops it. */
    private boolean failed;
    /** Bytes still to come of the body of a request read here. */
    private long bodyLeft;
    /** The loop's {@link HeadReader#scratch}, looked up once (a thread-local lookup per head was ~1% of the loops' user time). */
    private HeadReader.Scratch scratch;

    Http1RequestDecoder(HttpDecoderConfig config, HeadListener listener) {
        this.listener = listener;
        this.config = config;
        this.maxChunk = config.getMaxChunkSize();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (bodyLeft > 0) {
            readBody(buffer, out);
            return;
        }
        if (!inHead && !inBody && buffer.isReadable()) {
            inHead = true;
            listener.headStarted();
        }
        if (!nettyOwns) {
            if (!buffer.isReadable()) {
                return;
            }
            ParsedRequest request = readHead(buffer);
            if (request != NETTYS) {
                inHead = false;
                listener.headDone();
                out.add(request);
                long length = request.contentLength(0L);
                if (length > 0) {
                    bodyLeft = length;
                    inBody = true;
                    readBody(buffer, out);
                }
                return;
            }
            nettyOwns = true;
        }
        int from = out.size();
        NettyDecoder decoder = netty;
        if (decoder == null) {
            netty = decoder = new NettyDecoder(config);
        }
        decoder.decodeFrom(ctx, buffer, out);
        for (int i = from, n = out.size(); i < n; i++) {
            Object m = out.get(i);
            if (m instanceof HttpRequest r) {
                inHead = false;
                inBody = true;
                listener.headDone();
                failed |= r.decoderResult().isFailure();
            }
            if (m instanceof LastHttpContent last) {
                inBody = false; // what follows is the next request's head
                failed |= last.decoderResult().isFailure();
                nettyOwns = failed;
            }
        }
    }

    /** The next piece of a body framed by the length this decoder read: a slice of the read buffer. */
    private void readBody(ByteBuf buffer, List<Object> out) {
        HttpContent piece = HeadReader.bodyPiece(buffer, bodyLeft, maxChunk);
        if (piece != null) {
            bodyLeft -= piece.content().readableBytes();
            inBody = bodyLeft > 0;
            out.add(piece);
        }
    }

    /**
     * At the end of input: what is left goes through {@link #decode}, as for any decoder; then
     * Netty's decoder, if it has a message unfinished, ends it as it would in a pipeline of its own
     * (a head cut short is refused with {@code PrematureChannelClosureException}).
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (netty != null) {
            netty.finishFrom(ctx, out);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        if (netty != null) {
            netty.removedFrom(ctx); // releases its scratch buffer
        }
    }

    /** Netty's request decoder, called by this one (never in a pipeline itself) for the heads it leaves to it. */
    private static final class NettyDecoder extends HttpRequestDecoder {
        NettyDecoder(HttpDecoderConfig config) {
            super(config);
        }

        void decodeFrom(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            decode(ctx, in, out);
        }

        /** The end of input after the bytes were decoded: only the unfinished message's ending is left. */
        void finishFrom(ChannelHandlerContext ctx, List<Object> out) throws Exception {
            decodeLast(ctx, Unpooled.EMPTY_BUFFER, out);
        }

        void removedFrom(ChannelHandlerContext ctx) throws Exception {
            handlerRemoved0(ctx);
        }

        /** A common name is shared, not decoded again ({@link KnownHeaderNames}); Netty's decoder knows five. */
        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString known = KnownHeaderNames.find(sb, start, length);
            return known != null ? known : super.splitHeaderName(sb, start, length);
        }
    }

    // ---- the heads read here ----

    /** {@link #readHead}: the head is Netty's decoder's to read. */
    private static final ParsedRequest NETTYS = new ParsedRequest("", false);

    /** The request whose head starts {@code buffer} (its head then consumed), or {@link #NETTYS}. */
    private ParsedRequest readHead(ByteBuf buffer) {
        HeadReader.Scratch s = scratch;
        if (s == null) {
            scratch = s = HeadReader.scratch(); // this decoder runs on its connection's loop only
        }
        int end = HeadReader.copy(buffer, s, true);
        byte[] a = s.bytes;
        ParsedRequest request = end > 0 && requestLine(a, end, s) && HeadReader.fields(a, s.fieldsStart, end, s) ? map(a, end, s) : null;
        if (request == null) {
            return NETTYS;
        }
        buffer.skipBytes(end);
        return request;
    }

    /**
     * Finds where the method ({@code s.firstEnd}) and the target ({@code s.secondEnd}) end and the
     * fields start; false when the line is not read here.
     */
    private static boolean requestLine(byte[] a, int end, HeadReader.Scratch s) {
        int i = 0;
        while (HeadReader.isTchar(a[i])) {
            i++;
        }
        if (a[i] != ' ') {
            return false;
        }
        s.firstEnd = i++;
        if (a[i] != '/') {
            return false; // absolute-form, authority-form, *: Netty's decoder and the codec's checks
        }
        while (a[i] > ' ' && a[i] < 0x7f) { // visible ASCII; a byte above 0x7f is negative
            i++;
        }
        if (a[i] != ' ' || end - i < 11) {
            return false;
        }
        s.secondEnd = i;
        i = HeadReader.version(a, i + 1, s);
        if (i < 0 || a[i] != '\r' || a[i + 1] != '\n') {
            return false;
        }
        s.fieldsStart = i + 2;
        return true;
    }

    /**
     * The request of a scanned head of {@code end} bytes, mapped as {@link Http1Headers#fromRequest}
     * maps Netty's (its fields kept as they came: {@link HeadFields}), or null when its framing is
     * Netty's decoder's to read or its method is CONNECT.
     */
    private static ParsedRequest map(byte[] a, int end, HeadReader.Scratch s) {
        String method = method(a, s.firstEnd);
        if (method.equals("CONNECT")) {
            return null;
        }
        ParsedRequest request = new ParsedRequest(method, s.http10);
        String path = HeadReader.string(a, s.firstEnd + 1, s.secondEnd);
        String host = HeadReader.host(a, s);
        Headers h;
        if (HeadFields.scan(s, true, request)) {
            h = Headers.lazy(null, host == null ? HeadFields.of(s, end, Headers.METHOD, method, Headers.PATH, path, Headers.SCHEME, "http")
                    : HeadFields.of(s, end, Headers.METHOD, method, Headers.PATH, path, Headers.AUTHORITY, host, Headers.SCHEME, "http"));
        } else { // its Connection field names fields to take out
            request = new ParsedRequest(method, s.http10);
            h = new Headers(s.fieldCount + 4);
            h.add(Headers.METHOD, method);
            h.add(Headers.PATH, path);
            if (host != null) {
                h.add(Headers.AUTHORITY, host);
            }
            h.add(Headers.SCHEME, "http");
            HeadReader.map(a, s, h, true, request);
        }
        if (!HeadReader.plainFraming(request)) {
            return null;
        }
        request.headers = request.hosts > 1 ? null : h;
        return request;
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "TRACE"};
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];

    static {
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = METHODS[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The method's name: a common one's shared string. */
    private static String method(byte[] a, int end) {
        for (int m = 0; m < METHOD_BYTES.length; m++) {
            byte[] b = METHOD_BYTES[m];
            if (b.length == end && Arrays.equals(b, 0, end, a, 0, end)) {
                return METHODS[m];
            }
        }
        return HeadReader.string(a, 0, end);
    }
}
