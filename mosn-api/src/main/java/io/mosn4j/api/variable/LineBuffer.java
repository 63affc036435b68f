package io.mosn4j.api.variable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A line of text being written, held as UTF-8 bytes: what access logs format their lines into and
 * variables append their values to ({@link Variable.Appender}). An event loop reuses one for every
 * line it writes, so the bytes go to the log's buffer as they are, with no characters to encode
 * afterwards, and numbers are written as digits with no string of their own. Not thread-safe.
 */
public final class LineBuffer {
    private byte[] bytes;
    private int length;

    public LineBuffer(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    public LineBuffer() {
        this(64);
    }

    /** Bytes written so far. */
    public int length() {
        return length;
    }

    /** Drops what was written from {@code length} on ({@code 0}: empties the line). */
    public void setLength(int length) {
        if (length < 0 || length > this.length) {
            throw new IndexOutOfBoundsException("length " + length + " of " + this.length);
        }
        this.length = length;
    }

    /** The byte at {@code index} (below {@link #length()}). */
    public byte byteAt(int index) {
        if (index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return bytes[index];
    }

    /** The backing array: its first {@link #length()} bytes are the line. Valid until the next append. */
    public byte[] array() {
        return bytes;
    }

    /** Appends {@code s} as UTF-8 (a lone surrogate as {@code ?}); "null" for null, as StringBuilder does. */
    public LineBuffer append(String s) {
        if (s == null) {
            return append(NULL);
        }
        int n = s.length();
        byte[] b = room(n);
        int at = length;
        int i = 0;
        for (; i < n; i++) { // ASCII, nearly always: a byte a char
            char c = s.charAt(i);
            if (c >= 0x80) {
                break;
            }
            b[at++] = (byte) c;
        }
        length = at;
        return i == n ? this : encodeFrom(s, i);
    }

    private LineBuffer encodeFrom(CharSequence s, int from) {
        int n = s.length();
        byte[] b = room((n - from) * 3);
        int at = length;
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else if (c < 0x800) {
                b[at++] = (byte) (0xc0 | c >> 6);
                b[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[at++] = (byte) (0xf0 | cp >> 18);
                b[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                b[at++] = '?';
            } else {
                b[at++] = (byte) (0xe0 | c >> 12);
                b[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[at++] = (byte) (0x80 | c & 0x3f);
            }
        }
        length = at;
        return this;
    }

    /** Appends one character as UTF-8 (a lone surrogate as {@code ?}). */
    public LineBuffer append(char c) {
        if (c < 0x80) {
            room(1)[length++] = (byte) c;
            return this;
        }
        return encodeFrom(String.valueOf(c), 0);
    }

    /** Appends {@code n} in decimal. */
    public LineBuffer append(long n) {
        if (n == Long.MIN_VALUE) {
            return append(MIN_LONG);
        }
        int digits = 1;
        for (long v = n < 0 ? -n : n; v >= 10; v /= 10) {
            digits++;
        }
        byte[] b = room(digits + 1);
        int at = length;
        if (n < 0) {
            b[at++] = '-';
            n = -n;
        }
        int end = at + digits;
        for (int i = end - 1; i >= at; i--) {
            b[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        length = end;
        return this;
    }

    /** Appends bytes that are already UTF-8 (a constant's, or a value kept encoded). */
    public LineBuffer append(byte[] utf8) {
        return append(utf8, 0, utf8.length);
    }

    /** Appends {@code len} bytes of {@code utf8} from {@code off}, bytes that are already UTF-8. */
    public LineBuffer append(byte[] utf8, int off, int len) {
        byte[] b = room(len);
        System.arraycopy(utf8, off, b, length, len);
        length += len;
        return this;
    }

    /** Inserts {@code b} at {@code index}, moving what follows one byte on. */
    public void insert(int index, byte b) {
        if (index < 0 || index > length) {
            throw new IndexOutOfBoundsException(index);
        }
        byte[] a = room(1);
        System.arraycopy(a, index, a, index + 1, length - index);
        a[index] = b;
        length++;
    }

    /** The array with room for {@code more} bytes after {@link #length()}. */
    private byte[] room(int more) {
        if (bytes.length - length < more) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
        return bytes;
    }

    /** The line decoded from UTF-8. */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
}
