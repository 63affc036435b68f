package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The request decoder: reads the common request heads itself, straight into neutral headers
 * ({@link ParsedRequest}), and leaves every other one to Netty's decoder, which it extends. It also
 * tells its connection where each request head starts and ends: from the first byte of a request
 * (a pipelined one's first byte included, already buffered behind the request before it) to its
 * complete header block. That span is what the request header timeout bounds; the bytes between
 * requests are the idle timeout's.
 *
 * <p>Netty's decoder makes, for every request, a message, a header map with an entry per field,
 * a split request line and a decoder result, and the codec then copied the map into neutral
 * headers: 40% of what the codec allocated for a small request (Http1ServerBench: 592 B a request
 * before, 424 B after). A head this decoder reads itself is one that Netty's decoder would take as
 * it is, and reads the same: a token method other than CONNECT, an origin-form target of visible
 * ASCII, {@code HTTP/1.1} or {@code HTTP/1.0}, fields of a token name, a colon and a value without
 * control characters, every line ended by CRLF, a request line under {@link #FAST_LINE_MAX} bytes,
 * the whole head within {@link #FAST_HEAD_MAX} and {@link #FAST_FIELDS_MAX} fields, no
 * {@code Transfer-Encoding}, and at most one {@code Content-Length}, of digits only. Anything else
 * (bare LF line ends, folded lines, chunked bodies, an absolute-form target, a malformed or
 * oversized head) goes to Netty's decoder whole, from its first byte, which answers it as before:
 * the same requests, the same refusals (400, 414, 431). A body framed by the length this decoder
 * read follows as slices of the read buffer, as Netty's decoder hands it on.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
    /** Told, on the connection's loop, when a request head starts and when it is complete. */
    interface HeadListener {
        void headStarted();

        void headDone();
    }

    /** The longest head read here; a longer one (well within the 60 KiB limit) is Netty's. */
    static final int FAST_HEAD_MAX = 16 * 1024;
    /** The longest request line read here, its CRLF included. */
    static final int FAST_LINE_MAX = 4096;
    /** The most fields of a head read here. */
    static final int FAST_FIELDS_MAX = 64;

    private final HeadListener listener;
    private final int maxChunk;
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

    Http1RequestDecoder(HttpDecoderConfig config, HeadListener listener) {
        super(config);
        this.listener = listener;
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
            if (request == NEED_MORE) {
                return;
            }
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
        super.decode(ctx, buffer, out);
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
        int n = (int) Math.min(Math.min(buffer.readableBytes(), bodyLeft), maxChunk);
        if (n == 0) {
            return;
        }
        ByteBuf data = buffer.readRetainedSlice(n);
        bodyLeft -= n;
        if (bodyLeft == 0) {
            inBody = false;
            out.add(new LastBody(data));
        } else {
            out.add(new DefaultHttpContent(data));
        }
    }

    /** A common name is shared, not decoded again ({@link KnownHeaderNames}); Netty's decoder knows five. */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString known = KnownHeaderNames.find(sb, start, length);
        return known != null ? known : super.splitHeaderName(sb, start, length);
    }

    // ---- the heads read here ----

    /** {@link #readHead}: the head is not complete yet. */
    private static final ParsedRequest NEED_MORE = new ParsedRequest("", false);
    /** {@link #readHead}: the head is Netty's decoder's to read. */
    private static final ParsedRequest NETTYS = new ParsedRequest("", false);

    /** Where a head's parts are in {@link Scratch#bytes}, as {@link #scan} found them. */
    private static final class Scratch {
        final byte[] bytes = new byte[FAST_HEAD_MAX];
        /** Per field: name start, name end, value start, value end. */
        final int[] fields = new int[FAST_FIELDS_MAX * 4];
        int fieldCount;
        int methodEnd;
        int targetEnd;
        boolean http10;
    }

    /** The loop's own copy of the head: one bulk copy out of the read buffer, then plain array reads. */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    /**
     * The request whose head starts {@code buffer} (its head then consumed), {@link #NEED_MORE}, or
     * {@link #NETTYS}. A head is copied out a kilobyte first, more only when it is longer.
     */
    private ParsedRequest readHead(ByteBuf buffer) {
        int readable = Math.min(buffer.readableBytes(), FAST_HEAD_MAX);
        Scratch s = SCRATCH.get();
        byte[] a = s.bytes;
        int copied = 0;
        int want = Math.min(readable, 1024);
        while (true) {
            buffer.getBytes(buffer.readerIndex() + copied, a, copied, want - copied);
            copied = want;
            int end = headEnd(a, copied);
            if (end < 0) {
                return NETTYS;
            }
            if (end > 0) {
                ParsedRequest request = scan(a, end, s) ? map(a, s) : null;
                if (request == null) {
                    return NETTYS;
                }
                buffer.skipBytes(end);
                return request;
            }
            if (copied == readable) {
                // not complete in what came: wait for more, unless it is already too long to read here
                return readable == FAST_HEAD_MAX ? NETTYS : NEED_MORE;
            }
            want = Math.min(readable, copied * 4);
        }
    }

    /**
     * Where the head in {@code a[0, n)} ends (after its empty line), 0 when it does not end there,
     * or -1 for a head that is not read here: one that does not start with a method, has a line
     * ended by a bare LF, or a first line of {@link #FAST_LINE_MAX} bytes or more (Netty's decoder
     * takes up to {@link Http1Codec#MAX_REQUEST_LINE}, and answers 414 beyond, as soon as it sees that).
     */
    private static int headEnd(byte[] a, int n) {
        if (!isTchar(a[0])) {
            return -1; // empty lines before a request, or no request: Netty's decoder skips or refuses
        }
        int lineMax = Math.min(n, FAST_LINE_MAX);
        int i = 1;
        while (i < lineMax && a[i] != '\n') {
            i++;
        }
        if (i == lineMax) {
            return n >= FAST_LINE_MAX ? -1 : 0;
        }
        for (; i < n; i++) {
            if (a[i] == '\n') {
                if (a[i - 1] != '\r') {
                    return -1;
                }
                if (i >= 3 && a[i - 2] == '\n') {
                    return i + 1; // the CRLF before is a line's end (no bare LF has passed)
                }
            }
        }
        return 0;
    }

    private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    /** Finds the parts of the complete head {@code a[0, end)}; false when it is not one read here. */
    private static boolean scan(byte[] a, int end, Scratch s) {
        int i = 0;
        while (isTchar(a[i])) {
            i++;
        }
        if (a[i] != ' ') {
            return false;
        }
        s.methodEnd = i++;
        if (a[i] != '/') {
            return false; // absolute-form, authority-form, *: Netty's decoder and the codec's checks
        }
        while (a[i] > ' ' && a[i] < 0x7f) { // visible ASCII; a byte above 0x7f is negative
            i++;
        }
        if (a[i] != ' ') {
            return false;
        }
        s.targetEnd = i++;
        if (end - i < 10) {
            return false;
        }
        for (byte b : HTTP_1) {
            if (a[i++] != b) {
                return false;
            }
        }
        byte minor = a[i++];
        if ((minor != '1' && minor != '0') || a[i] != '\r' || a[i + 1] != '\n') {
            return false;
        }
        s.http10 = minor == '0';
        i += 2;
        int[] f = s.fields;
        int count = 0;
        while (a[i] != '\r') {
            if (count == FAST_FIELDS_MAX) {
                return false;
            }
            int nameStart = i;
            while (isTchar(a[i])) {
                i++;
            }
            if (i == nameStart || a[i] != ':') {
                return false; // a folded line, a space before the colon, no colon
            }
            int nameEnd = i++;
            while (a[i] == ' ' || a[i] == '\t') {
                i++;
            }
            int valueStart = i;
            byte b;
            while ((b = a[i]) != '\r') {
                if ((b < ' ' && b != '\t' && b >= 0) || b == 0x7f) {
                    return false; // a control character (a bare LF was refused before)
                }
                i++;
            }
            if (a[i + 1] != '\n') {
                return false; // a bare CR
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (a[valueEnd - 1] == ' ' || a[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            f[count * 4] = nameStart;
            f[count * 4 + 1] = nameEnd;
            f[count * 4 + 2] = valueStart;
            f[count * 4 + 3] = valueEnd;
            count++;
            i += 2;
        }
        s.fieldCount = count;
        return i + 2 == end; // the empty line ends the head
    }

    /**
     * The request of a scanned head, mapped as {@link Http1Headers#fromRequest} maps Netty's, or null
     * when its framing is Netty's decoder's to read (a Transfer-Encoding, a Content-Length that is
     * not one plain number) or its method is CONNECT.
     */
    private static ParsedRequest map(byte[] a, Scratch s) {
        String method = method(a, s.methodEnd);
        if (method.equals("CONNECT")) {
            return null;
        }
        ParsedRequest request = new ParsedRequest(method, s.http10);
        int[] f = s.fields;
        int n = s.fieldCount;
        String host = null;
        for (int k = 0; k < n; k++) {
            int ns = f[k * 4];
            if (f[k * 4 + 1] - ns == 4 && (a[ns] | 0x20) == 'h' && (a[ns + 1] | 0x20) == 'o' && (a[ns + 2] | 0x20) == 's'
                    && (a[ns + 3] | 0x20) == 't') {
                host = string(a, f[k * 4 + 2], f[k * 4 + 3]);
                break;
            }
        }
        Headers h = new Headers(n + 4);
        h.add(Headers.METHOD, method);
        h.add(Headers.PATH, string(a, s.methodEnd + 1, s.targetEnd));
        if (host != null) {
            h.add(Headers.AUTHORITY, host);
        }
        h.add(Headers.SCHEME, "http");
        int first = h.size();
        for (int k = 0; k < n; k++) {
            int ns = f[k * 4];
            int nl = f[k * 4 + 1] - ns;
            AsciiString known = KnownHeaderNames.find(a, ns, nl);
            String name = known != null ? known.toString() : string(a, ns, ns + nl);
            Http1Headers.addField(h, name, string(a, f[k * 4 + 2], f[k * 4 + 3]), true, request);
        }
        Http1Headers.endFields(h, first, request);
        if (request.transferEncoding || request.contentLengths > 1 || (request.contentLengths == 1 && !isLength(request.contentLength))) {
            return null;
        }
        request.headers = request.hosts > 1 ? null : h;
        return request;
    }

    /** Digits only, at most 18 of them: a length no {@code long} overflows on. */
    private static boolean isLength(String value) {
        int n = value.length();
        if (n == 0 || n > 18) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
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
            if (b.length == end && java.util.Arrays.equals(b, 0, end, a, 0, end)) {
                return METHODS[m];
            }
        }
        return string(a, 0, end);
    }

    /** One char per byte, as Netty's decoder makes its strings. */
    private static String string(byte[] a, int from, int to) {
        return new String(a, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** RFC 9110 5.6.2 tchar, by byte (false for every byte above 0x7f, negative here). */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static boolean isTchar(byte b) {
        return b >= 0 && TCHAR[b];
    }
}
