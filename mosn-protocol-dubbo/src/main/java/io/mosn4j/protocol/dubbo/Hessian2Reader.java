package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the few hessian2 values the proxy needs (strings) and steps over every other value by
 * its encoding alone. It never loads a class, never creates an object of a type named on the
 * wire and never follows a reference: a class definition becomes a field count, an object a run
 * of values to step over. That is what makes a request body from anyone safe to look into.
 *
 * <p>The grammar is Hessian 2.0 as Dubbo's hessian-lite writes and reads it (one-byte codes for
 * small ints, strings, lists and objects; chunked strings and binaries; {@code 0x5f} as a double
 * in thousandths). String lengths count UTF-16 units, their bytes are UTF-8 with each surrogate
 * encoded on its own; a four-byte UTF-8 sequence is accepted too, as two units.
 *
 * <p>Every problem is an {@link XProtocolException} naming the value being read and the offset in
 * the frame. Containers are stepped over without recursion; their nesting is capped at
 * {@link #MAX_DEPTH}, deeper than hessian-lite's own recursive reader gets before its stack ends.
 * One reader per body, used once, on one thread.
 */
final class Hessian2Reader {
    /** Deepest nesting of lists, maps and objects stepped over. */
    static final int MAX_DEPTH = 4096;

    /** What {@code startValue} found: a complete value, a container closed by 'Z', a class definition. */
    private static final int SCALAR = 0;
    private static final int UNTIL_END = -1;
    private static final int DEFINITION = -2;
    private static final ByteProcessor ASCII = b -> b >= 0;

    private final ByteBuf buf;
    private final int end;
    private final int frameOffset;
    private int pos;
    /** What is being read, for error messages: "service path", "argument 2", ... */
    private String field = "body";
    /** Which one of several like-named fields (argument 1, 2, ...), or 0. */
    private int fieldIndex;

    /** Field counts of the class definitions seen so far, in order: objects refer to them by index. */
    private int[] classFields;
    private int classCount;
    /** How many type names were seen: typed lists and maps may refer back to one by index. */
    private int typeCount;
    /** Values left in each open container, or UNTIL_END for one closed by 'Z'; made on first use. */
    private int[] open;

    /**
     * @param buf the body, read from its reader index to its writer index; its indexes are not moved
     * @param frameOffset where the body starts in the frame, so errors name frame offsets
     */
    Hessian2Reader(ByteBuf buf, int frameOffset) {
        this.buf = buf;
        this.pos = buf.readerIndex();
        this.end = buf.writerIndex();
        this.frameOffset = frameOffset - pos;
    }

    void field(String field) {
        field(field, 0);
    }

    void field(String field, int index) {
        this.field = field;
        this.fieldIndex = index;
    }

    private String fieldName() {
        return fieldIndex == 0 ? field : field + " " + fieldIndex;
    }

    /** The buffer index of the next byte, to name in a later {@link #error}. */
    int position() {
        return pos;
    }

    boolean atEnd() {
        return pos >= end;
    }

    int peek() {
        need(1);
        return buf.getUnsignedByte(pos);
    }

    /** A string, or null for hessian2's null. */
    String readString() {
        int code = next();
        if (code == 'N') {
            return null;
        }
        if (!isStringStart(code)) {
            throw unexpected(code, "a string", pos - 1);
        }
        return string(code, true);
    }

    static boolean isStringStart(int code) {
        return code <= 0x1f || (code >= 0x30 && code <= 0x33) || code == 'R' || code == 'S';
    }

    /** Steps over one whole value: a scalar, or a container with everything in it. */
    void skipValue() {
        int depth = 0;
        while (true) {
            int at = pos;
            int code = next();
            if (depth > 0 && open[depth - 1] == UNTIL_END && code == 'Z') {
                depth--;
            } else {
                int values = startValue(code, at);
                if (values > 0 || values == UNTIL_END) {
                    if (depth == MAX_DEPTH) {
                        throw error("values nested deeper than " + MAX_DEPTH, at);
                    }
                    if (open == null) {
                        open = new int[16];
                    } else if (depth == open.length) {
                        open = Arrays.copyOf(open, depth * 2);
                    }
                    open[depth++] = values;
                    continue;
                }
                if (values == DEFINITION) {
                    continue;
                }
            }
            // a value is complete: count it against the containers it closes
            while (depth > 0) {
                if (open[depth - 1] == UNTIL_END) {
                    break;
                }
                if (--open[depth - 1] > 0) {
                    break;
                }
                depth--;
            }
            if (depth == 0) {
                return;
            }
        }
    }

    /**
     * Consumes what follows {@code code} up to the first value inside it. Returns SCALAR for a
     * value now complete, the number of values a container holds (UNTIL_END when 'Z' closes it),
     * or DEFINITION for a class definition (not a value: the value follows it).
     */
    private int startValue(int code, int at) {
        if (code <= 0x1f) {
            skipChars(code);
            return SCALAR;
        }
        if (code <= 0x2f) { // binary, 0-15 bytes
            skip(code - 0x20);
            return SCALAR;
        }
        if (code <= 0x33) {
            skipChars(((code - 0x30) << 8) | next());
            return SCALAR;
        }
        if (code <= 0x37) { // binary, 0-1023 bytes
            int len = ((code - 0x34) << 8) | next();
            skip(len);
            return SCALAR;
        }
        if (code <= 0x3f) { // long in three bytes
            skip(2);
            return SCALAR;
        }
        if (code >= 0x80) {
            if (code <= 0xbf || (code >= 0xd8 && code <= 0xef)) { // int or long in one byte
                return SCALAR;
            }
            if (code <= 0xcf || code >= 0xf0) { // int or long in two bytes
                skip(1);
                return SCALAR;
            }
            skip(2); // 0xd0-0xd7: int in three bytes
            return SCALAR;
        }
        if (code >= 0x60 && code <= 0x6f) {
            return objectFields(code - 0x60, at);
        }
        if (code >= 0x70 && code <= 0x77) {
            skipType();
            return code - 0x70;
        }
        if (code >= 0x78) { // 0x78-0x7f
            return code - 0x78;
        }
        switch (code) {
            case 'N', 'T', 'F', 0x5b, 0x5c -> {
                return SCALAR;
            }
            case 0x5d -> skip(1);
            case 0x5e -> skip(2);
            case 'I', 0x59, 0x5f, 0x4b -> skip(4);
            case 'L', 'D', 0x4a -> skip(8);
            case 'R', 'S' -> string(code, false);
            case 'A', 'B' -> skipBinaryChunks(code);
            case 'C' -> {
                defineClass();
                return DEFINITION;
            }
            case 'O' -> {
                return objectFields(readInt(), at);
            }
            case 'Q' -> readInt(); // a reference to an earlier value: nothing to follow
            case 'H', 'W' -> {
                return UNTIL_END;
            }
            case 'M', 'U' -> {
                skipType();
                return UNTIL_END;
            }
            case 'V' -> {
                skipType();
                return length();
            }
            case 'X' -> {
                return length();
            }
            default -> throw unexpected(code, "a value", at);
        }
        return SCALAR;
    }

    private int objectFields(int classRef, int at) {
        if (classRef < 0 || classRef >= classCount) {
            throw error("object of undefined class #" + classRef, at);
        }
        return classFields[classRef];
    }

    private int length() {
        int at = pos;
        int n = readInt();
        if (n < 0) {
            throw error("negative list length " + n, at);
        }
        return n;
    }

    /** 'C': a type name, a field count and the field names. Only the count is kept. */
    private void defineClass() {
        int at = pos;
        skipNameString("a class name");
        int fields = readInt();
        if (fields < 0) {
            throw error("negative field count " + fields, at);
        }
        for (int i = 0; i < fields; i++) {
            skipNameString("a field name");
        }
        if (classFields == null) {
            classFields = new int[4];
        } else if (classCount == classFields.length) {
            classFields = Arrays.copyOf(classFields, classCount * 2);
        }
        classFields[classCount++] = fields;
    }

    /** A list's or map's type: a type name, or the index of one named before. */
    private void skipType() {
        int at = pos;
        int code = peek();
        if (isStringStart(code)) {
            pos++;
            string(code, false);
            typeCount++;
            return;
        }
        int ref = readInt();
        if (ref < 0 || ref >= typeCount) {
            throw error("reference to undefined type #" + ref, at);
        }
    }

    private void skipNameString(String what) {
        int code = next();
        if (!isStringStart(code)) {
            throw unexpected(code, what, pos - 1);
        }
        string(code, false);
    }

    /** An int in any of hessian2's int encodings (list lengths, field counts, references). */
    int readInt() {
        int at = pos;
        int code = next();
        if (code >= 0x80 && code <= 0xbf) {
            return code - 0x90;
        }
        if (code >= 0xc0 && code <= 0xcf) {
            return ((code - 0xc8) << 8) | next();
        }
        if (code >= 0xd0 && code <= 0xd7) {
            need(2);
            int v = ((code - 0xd4) << 16) | buf.getUnsignedShort(pos);
            pos += 2;
            return v;
        }
        if (code == 'I') {
            need(4);
            int v = buf.getInt(pos);
            pos += 4;
            return v;
        }
        throw unexpected(code, "an int", at);
    }

    private void skipChars(int chars) {
        need(chars); // every char takes at least one byte
        if (buf.forEachByte(pos, chars, ASCII) == -1) {
            pos += chars;
            return;
        }
        chars(chars, null);
    }

    private void skipBinaryChunks(int code) {
        while (true) {
            need(2);
            int len = buf.getUnsignedShort(pos);
            pos += 2;
            skip(len);
            if (code == 'B') {
                return;
            }
            int at = pos;
            code = next();
            if (code >= 0x20 && code <= 0x2f) {
                skip(code - 0x20);
                return;
            }
            if (code >= 0x34 && code <= 0x37) {
                skip(((code - 0x34) << 8) | next());
                return;
            }
            if (code != 'A' && code != 'B') {
                throw unexpected(code, "a binary chunk", at);
            }
        }
    }

    /** The string starting with {@code code} (already read); built only when {@code keep}. */
    private String string(int code, boolean keep) {
        StringBuilder sb = null;
        while (true) {
            boolean last = code != 'R';
            int chars;
            if (code <= 0x1f) {
                chars = code;
            } else if (code <= 0x33) {
                chars = ((code - 0x30) << 8) | next();
            } else {
                need(2);
                chars = buf.getUnsignedShort(pos);
                pos += 2;
            }
            if (!keep) {
                skipChars(chars);
            } else if (last && sb == null) {
                return chunk(chars); // one chunk, the usual case
            } else {
                if (sb == null) {
                    sb = new StringBuilder(chars + 16);
                }
                sb.append(chunk(chars));
            }
            if (last) {
                return keep ? sb.toString() : null;
            }
            int at = pos;
            code = next();
            if (!isStringStart(code)) {
                throw unexpected(code, "a string chunk", at);
            }
        }
    }

    private String chunk(int chars) {
        need(chars);
        if (buf.forEachByte(pos, chars, ASCII) == -1) {
            String s = buf.toString(pos, chars, StandardCharsets.ISO_8859_1);
            pos += chars;
            return s;
        }
        char[] out = new char[chars];
        chars(chars, out);
        return new String(out);
    }

    /** Walks {@code chars} UTF-16 units of hessian's UTF-8, into {@code out} when given. */
    private void chars(int chars, char[] out) {
        for (int i = 0; i < chars; i++) {
            int at = pos;
            int b = next();
            int c;
            if (b < 0x80) {
                c = b;
            } else if ((b & 0xe0) == 0xc0) {
                c = ((b & 0x1f) << 6) | continuation(at);
            } else if ((b & 0xf0) == 0xe0) {
                c = ((b & 0x0f) << 12) | (continuation(at) << 6) | continuation(at);
            } else if ((b & 0xf8) == 0xf0 && i + 1 < chars) {
                int cp = ((b & 0x07) << 18) | (continuation(at) << 12) | (continuation(at) << 6) | continuation(at);
                if (cp < 0x10000 || cp > Character.MAX_CODE_POINT) {
                    throw error("bad utf-8 sequence", at);
                }
                if (out != null) {
                    out[i] = Character.highSurrogate(cp);
                    out[i + 1] = Character.lowSurrogate(cp);
                }
                i++;
                continue;
            } else {
                throw error("bad utf-8 byte 0x" + Integer.toHexString(b), at);
            }
            if (out != null) {
                out[i] = (char) c;
            }
        }
    }

    private int continuation(int at) {
        int b = next();
        if ((b & 0xc0) != 0x80) {
            throw error("bad utf-8 sequence", at);
        }
        return b & 0x3f;
    }

    private int next() {
        if (pos >= end) {
            throw truncated();
        }
        return buf.getUnsignedByte(pos++);
    }

    private void skip(int n) {
        need(n);
        pos += n;
    }

    private void need(int n) {
        if (n > end - pos) {
            throw truncated();
        }
    }

    private XProtocolException truncated() {
        return new XProtocolException(
                "dubbo: body ends inside " + fieldName() + " at offset " + (end + frameOffset));
    }

    private XProtocolException unexpected(int code, String expected, int at) {
        return error("hessian2 code 0x" + Integer.toHexString(code) + " where " + expected + " belongs", at);
    }

    XProtocolException error(String what, int at) {
        return new XProtocolException("dubbo: " + what + " in " + fieldName() + " at offset " + (at + frameOffset));
    }

    /**
     * Opens a map ('H', or 'M' with its type) and returns true, or returns false without moving
     * when the next value is not a map.
     */
    boolean beginMap() {
        int code = peek();
        if (code == 'H') {
            pos++;
            return true;
        }
        if (code == 'M') {
            pos++;
            skipType();
            return true;
        }
        return false;
    }

    /** Consumes the 'Z' that closes a map and returns true, or returns false when an entry follows. */
    boolean endOfMap() {
        if (peek() == 'Z') {
            pos++;
            return true;
        }
        return false;
    }
}
