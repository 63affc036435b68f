package io.mosn4j.protocol.dubbo;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Writes the two hessian2 values the proxy ever writes: strings (an error reply's message, the
 * keys and values of a request's attachments) and the untyped map that holds attachments. Nothing
 * else: the proxy never serializes objects, so it needs no hessian library.
 */
final class Hessian2Writer {
    /** Starts an untyped map ({@code HashMap}, what Dubbo writes attachments as); entries follow. */
    static final byte MAP = 'H';
    /** Ends a map. */
    static final byte END = 'Z';
    static final byte NULL = 'N';

    private Hessian2Writer() {}

    /**
     * {@code s} as a hessian2 string: the length counts UTF-16 units, each encoded as UTF-8 on its
     * own (as hessian-lite reads it), in chunks of at most 0x8000 units that never split a pair.
     */
    static byte[] string(String s) {
        int len = s.length();
        byte[] out = new byte[len * 3 + 3 * (len / 0x8000 + 1)];
        int o = 0;
        int from = 0;
        while (len - from > 0x8000) {
            int chunk = 0x8000;
            if (Character.isHighSurrogate(s.charAt(from + chunk - 1))) {
                chunk--;
            }
            out[o++] = 'R';
            out[o++] = (byte) (chunk >>> 8);
            out[o++] = (byte) chunk;
            o = utf8(s, from, chunk, out, o);
            from += chunk;
        }
        int rest = len - from;
        if (rest <= 0x1f) {
            out[o++] = (byte) rest;
        } else if (rest <= 0x3ff) {
            out[o++] = (byte) (0x30 + (rest >>> 8));
            out[o++] = (byte) rest;
        } else {
            out[o++] = 'S';
            out[o++] = (byte) (rest >>> 8);
            out[o++] = (byte) rest;
        }
        o = utf8(s, from, rest, out, o);
        return Arrays.copyOf(out, o);
    }

    /** Writes {@code s} as {@link #string} encodes it, straight into {@code out}. */
    static void writeString(ByteBuf out, String s) {
        int len = s.length();
        int from = 0;
        while (len - from > 0x8000) {
            int chunk = 0x8000;
            if (Character.isHighSurrogate(s.charAt(from + chunk - 1))) {
                chunk--;
            }
            out.writeByte('R');
            out.writeShort(chunk);
            utf8(s, from, chunk, out);
            from += chunk;
        }
        int rest = len - from;
        if (rest <= 0x1f) {
            out.writeByte(rest);
        } else if (rest <= 0x3ff) {
            out.writeByte(0x30 + (rest >>> 8));
            out.writeByte(rest);
        } else {
            out.writeByte('S');
            out.writeShort(rest);
        }
        utf8(s, from, rest, out);
    }

    private static void utf8(String s, int from, int count, ByteBuf out) {
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out.writeByte(c);
            } else if (c < 0x800) {
                out.writeByte(0xc0 | (c >>> 6));
                out.writeByte(0x80 | (c & 0x3f));
            } else {
                out.writeByte(0xe0 | (c >>> 12));
                out.writeByte(0x80 | ((c >>> 6) & 0x3f));
                out.writeByte(0x80 | (c & 0x3f));
            }
        }
    }

    private static int utf8(String s, int from, int count, byte[] out, int o) {
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[o++] = (byte) c;
            } else if (c < 0x800) {
                out[o++] = (byte) (0xc0 | (c >>> 6));
                out[o++] = (byte) (0x80 | (c & 0x3f));
            } else {
                out[o++] = (byte) (0xe0 | (c >>> 12));
                out[o++] = (byte) (0x80 | ((c >>> 6) & 0x3f));
                out[o++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return o;
    }
}
