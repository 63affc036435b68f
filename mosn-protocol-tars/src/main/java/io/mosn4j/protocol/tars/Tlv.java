package io.mosn4j.protocol.tars;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The Tars encoding's type codes and the few writes the codec needs.
 *
 * <p>A field is a head and a value. The head byte is {@code tag << 4 | type}; tags 15 to 255 write
 * {@code 0xF0 | type} and the tag in a second byte. Integers take the narrowest type that holds
 * them ({@link #ZERO} for 0: no value bytes at all), as every Tars encoder writes them; all
 * multi-byte numbers are big-endian.
 */
final class Tlv {
    static final int INT1 = 0;
    static final int INT2 = 1;
    static final int INT4 = 2;
    static final int INT8 = 3;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    /** A string of at most 255 bytes: one unsigned length byte, then the bytes. */
    static final int STRING1 = 6;
    /** A longer string: a 4-byte length, then the bytes. */
    static final int STRING4 = 7;
    /** A size (an integer field with tag 0), then size keys (tag 0) and values (tag 1) alternating. */
    static final int MAP = 8;
    /** A size (an integer field with tag 0), then size elements, each a field with tag 0. */
    static final int LIST = 9;
    static final int STRUCT_BEGIN = 10;
    static final int STRUCT_END = 11;
    /** The integer 0 (of any width): a head and nothing else. */
    static final int ZERO = 12;
    /** A byte array: a head of type INT1 and tag 0, a size (an integer field with tag 0), the bytes. */
    static final int SIMPLE_LIST = 13;

    /** Bit masks of the types each kind of field may have (what Tars's own readers accept). */
    static final int BYTE_TYPES = 1 << ZERO | 1 << INT1;
    static final int SHORT_TYPES = BYTE_TYPES | 1 << INT2;
    static final int INT_TYPES = SHORT_TYPES | 1 << INT4;
    static final int STRING_TYPES = 1 << STRING1 | 1 << STRING4;
    static final int BYTES_TYPES = 1 << SIMPLE_LIST | 1 << LIST;
    static final int MAP_TYPES = 1 << MAP;

    private Tlv() {}

    static void writeHead(ByteBuf out, int type, int tag) {
        if (tag < 15) {
            out.writeByte(tag << 4 | type);
        } else {
            out.writeByte(0xF0 | type);
            out.writeByte(tag);
        }
    }

    /** The bytes {@link #writeInt} takes for {@code value} under {@code tag}. */
    static int intSize(int tag, int value) {
        int head = tag < 15 ? 1 : 2;
        if (value == 0) {
            return head;
        }
        if (value == (byte) value) {
            return head + 1;
        }
        if (value == (short) value) {
            return head + 2;
        }
        return head + 4;
    }

    static void writeInt(ByteBuf out, int tag, int value) {
        if (value == 0) {
            writeHead(out, ZERO, tag);
        } else if (value == (byte) value) {
            writeHead(out, INT1, tag);
            out.writeByte(value);
        } else if (value == (short) value) {
            writeHead(out, INT2, tag);
            out.writeShort(value);
        } else {
            writeHead(out, INT4, tag);
            out.writeInt(value);
        }
    }

    static void writeString(ByteBuf out, int tag, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 255) {
            writeHead(out, STRING1, tag);
            out.writeByte(bytes.length);
        } else {
            writeHead(out, STRING4, tag);
            out.writeInt(bytes.length);
        }
        out.writeBytes(bytes);
    }

    static void writeBytes(ByteBuf out, int tag, byte[] bytes) {
        writeHead(out, SIMPLE_LIST, tag);
        writeHead(out, INT1, 0);
        writeInt(out, 0, bytes.length);
        out.writeBytes(bytes);
    }

    /** A {@code map<string, string>} of the given key, value, key, value, ... */
    static void writeStringMap(ByteBuf out, int tag, String... keysAndValues) {
        writeHead(out, MAP, tag);
        writeInt(out, 0, keysAndValues.length / 2);
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            writeString(out, 0, keysAndValues[i]);
            writeString(out, 1, keysAndValues[i + 1]);
        }
    }
}
