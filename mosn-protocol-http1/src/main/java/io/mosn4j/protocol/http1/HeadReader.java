package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.HttpRules;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * What the two decoders share to read a message head themselves ({@link Http1RequestDecoder},
 * {@link Http1ResponseDecoder}): the head copied out of the read buffer into the loop's own array,
 * its fields found there, and mapped to neutral headers. Only heads that Netty's decoders would take
 * as they are, and read the same, are read here: every line ended by CRLF, a first line under
 * {@link #LINE_MAX} bytes, fields of a token name, a colon and a value without control characters,
 * the whole head within {@link #HEAD_MAX} bytes and {@link #FIELDS_MAX} fields, all of it in the
 * read buffer when it is looked at. Anything else is
 * left to Netty's decoder whole, which answers it as it always did.
 */
final class HeadReader {
    /** The longest head read here; a longer one (well within the limits) is Netty's decoder's. */
    static final int HEAD_MAX = 16 * 1024;
    /** The longest first line read here, its CRLF included. */
    static final int LINE_MAX = 4096;
    /** The most fields of a head read here. */
    static final int FIELDS_MAX = 64;

    private HeadReader() {}

    /** A head's bytes and where its parts are, filled by {@link #copy} and {@link #fields}. */
    static final class Scratch {
        final byte[] bytes = new byte[HEAD_MAX];
        /** Per field: name start, name end, value start, value end. */
        final int[] fields = new int[FIELDS_MAX * 4];
        int fieldCount;
        /** Set by the decoder's scan of the first line: where its first two parts end, where the fields start. */
        int firstEnd;
        int secondEnd;
        int fieldsStart;
        boolean http10;
        /** Set by {@link HeadFields#scan}: a bit per field that does not travel on; per Content-Length field. */
        long dropped;
        long lengths;
    }

    /** The loop's own copy of the head: one bulk copy out of the read buffer, then plain array reads. */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    static Scratch scratch() {
        return SCRATCH.get();
    }

    /**
     * Copies the head that starts {@code buffer} into {@code s.bytes}, a kilobyte first and more only
     * when it is longer, without consuming it: where the head ends (after its empty line), or -1 when
     * it is not one read here. A head that has not all come in this read is not: read here, a client
     * sending its head a few bytes at a time would have the same bytes copied and scanned again at
     * every read, while Netty's decoder goes through them once.
     */
    static int copy(ByteBuf buffer, Scratch s, boolean startsWithToken) {
        int readable = Math.min(buffer.readableBytes(), HEAD_MAX);
        byte[] a = s.bytes;
        int copied = 0;
        int want = Math.min(readable, 1024);
        while (true) {
            buffer.getBytes(buffer.readerIndex() + copied, a, copied, want - copied);
            copied = want;
            int end = end(a, copied, startsWithToken);
            if (end != 0) {
                return end;
            }
            if (copied == readable) {
                return -1; // not all of it in this read: Netty's
            }
            want = Math.min(readable, copied * 4);
        }
    }

    /**
     * Where the head in {@code a[0, n)} ends, 0 when it does not end there, or -1 for a head that
     * is not read here: one that does not start with a token (a request's method) or with {@code H}
     * (a response's version), has a line ended by a bare LF, or a first line of {@link #LINE_MAX}
     * bytes or more.
     */
    private static int end(byte[] a, int n, boolean startsWithToken) {
        if (startsWithToken ? !isTchar(a[0]) : a[0] != 'H') {
            return -1; // empty lines before a message, or no message: Netty's decoder skips or refuses
        }
        int lineMax = Math.min(n, LINE_MAX);
        int i = 1;
        while (i < lineMax && a[i] != '\n') {
            i++;
        }
        if (i == lineMax) {
            return n >= LINE_MAX ? -1 : 0;
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

    /**
     * Reads {@code HTTP/1.1} or {@code HTTP/1.0} at {@code a[i]} into {@code s.http10}: the index
     * after it, or -1.
     */
    static int version(byte[] a, int i, Scratch s) {
        for (byte b : HTTP_1) {
            if (a[i++] != b) {
                return -1;
            }
        }
        byte minor = a[i++];
        if (minor != '1' && minor != '0') {
            return -1;
        }
        s.http10 = minor == '0';
        return i;
    }

    /**
     * Finds the fields from {@code a[i]}, the start of the line after the first, to the empty line
     * that ends the head at {@code end}; false when they are not read here.
     */
    static boolean fields(byte[] a, int i, int end, Scratch s) {
        int[] f = s.fields;
        int count = 0;
        while (a[i] != '\r') {
            if (count == FIELDS_MAX) {
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

    /** The value of the first {@code Host} field, or null. */
    static String host(byte[] a, Scratch s) {
        int[] f = s.fields;
        for (int k = 0; k < s.fieldCount; k++) {
            int ns = f[k * 4];
            if (f[k * 4 + 1] - ns == 4 && (a[ns] | 0x20) == 'h' && (a[ns + 1] | 0x20) == 'o' && (a[ns + 2] | 0x20) == 's'
                    && (a[ns + 3] | 0x20) == 't') {
                return string(a, f[k * 4 + 2], f[k * 4 + 3]);
            }
        }
        return null;
    }

    /** Maps the fields to {@code out} as {@link Http1Headers} maps Netty's, noting framing in {@code framing}. */
    static void map(byte[] a, Scratch s, Headers out, boolean request, Http1Headers.Framing framing) {
        int[] f = s.fields;
        int first = out.size();
        for (int k = 0; k < s.fieldCount; k++) {
            int ns = f[k * 4];
            int nl = f[k * 4 + 1] - ns;
            AsciiString known = KnownHeaderNames.find(a, ns, nl);
            String name = known != null ? known.toString() : string(a, ns, ns + nl);
            Http1Headers.addField(out, name, string(a, f[k * 4 + 2], f[k * 4 + 3]), request, framing);
        }
        Http1Headers.endFields(out, first, framing);
    }

    /**
     * Whether the framing fields are ones read here: no {@code Transfer-Encoding}, and at most one
     * {@code Content-Length} of digits only (at most 18: no {@code long} overflows).
     */
    static boolean plainFraming(Http1Headers.Framing f) {
        if (f.transferEncoding || f.contentLengths > 1) {
            return false;
        }
        if (f.contentLengths == 0) {
            return true;
        }
        String value = f.contentLength;
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

    /**
     * The next piece of a body of {@code left} more bytes framed by a length read here: a slice of
     * the read buffer of at most {@code maxChunk} bytes, the last one a {@link LastBody}; null when
     * none of it has come.
     */
    static HttpContent bodyPiece(ByteBuf buffer, long left, int maxChunk) {
        int n = (int) Math.min(Math.min(buffer.readableBytes(), left), maxChunk);
        if (n == 0) {
            return null;
        }
        ByteBuf data = buffer.readRetainedSlice(n);
        return n == left ? new LastBody(data) : new DefaultHttpContent(data);
    }

    /** One char per byte, as Netty's decoders make their strings. */
    static String string(byte[] a, int from, int to) {
        return new String(a, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** An RFC 9110 tchar (no byte above 0x7f: those are negative here). */
    static boolean isTchar(byte b) {
        return HttpRules.isTchar(b);
    }
}
