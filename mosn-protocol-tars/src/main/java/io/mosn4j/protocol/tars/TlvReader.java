package io.mosn4j.protocol.tars;

import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads Tars fields from a buffer by absolute index, never past {@code end}, without moving the
 * buffer's indexes. Every malformation is an {@link XProtocolException} naming the tag and the
 * offset from {@code base} (the packet's first length byte), never an index or state exception.
 *
 * <p>{@link #readHead()} leaves the head in {@link #type}, {@link #tag} and {@link #headStart}.
 */
final class TlvReader {
    /** How deep unknown fields may nest structs, lists and maps. */
    static final int MAX_DEPTH = 32;

    private final ByteBuf buf;
    private final int base;
    private final int end;
    int pos;

    int type;
    int tag;
    int headStart;

    TlvReader(ByteBuf buf, int base, int pos, int end) {
        this.buf = buf;
        this.base = base;
        this.pos = pos;
        this.end = end;
    }

    boolean hasMore() {
        return pos < end;
    }

    int offset(int index) {
        return index - base;
    }

    XProtocolException error(String message, int index) {
        return new XProtocolException("tars: " + message + " at offset " + offset(index));
    }

    XProtocolException badType(int type, int tag, int headStart) {
        return error("bad type " + type + " for tag " + tag, headStart);
    }

    void readHead() {
        headStart = pos;
        if (pos >= end) {
            throw error("truncated field head", pos);
        }
        int b = buf.getUnsignedByte(pos++);
        type = b & 0x0F;
        tag = b >>> 4;
        if (tag == 15) {
            if (pos >= end) {
                throw error("truncated field head", headStart);
            }
            tag = buf.getUnsignedByte(pos++);
        }
    }

    /** Reads an integer value of the head just read, which must be one of {@code allowedTypes}. */
    int readInt(int allowedTypes) {
        if ((allowedTypes & 1 << type) == 0) {
            throw badType(type, tag, headStart);
        }
        switch (type) {
            case Tlv.ZERO:
                return 0;
            case Tlv.INT1:
                need(1);
                return buf.getByte(pos++);
            case Tlv.INT2:
                need(2);
                pos += 2;
                return buf.getShort(pos - 2);
            default: // INT4
                need(4);
                pos += 4;
                return buf.getInt(pos - 4);
        }
    }

    /**
     * Reads the head and value of a size (of a map, list or byte array): an integer field with tag 0,
     * not negative, and no more elements than the rest of the packet can hold at
     * {@code bytesPerElement} bytes each.
     */
    int readSize(int ownerTag, int bytesPerElement) {
        int at = pos;
        readHead();
        if (tag != 0 || (Tlv.INT_TYPES & 1 << type) == 0) {
            throw error("bad size (type " + type + ", tag " + tag + ") for tag " + ownerTag, at);
        }
        int size = readInt(Tlv.INT_TYPES);
        if (size < 0 || size > (end - pos) / bytesPerElement) {
            throw error("size " + size + " of tag " + ownerTag + " does not fit the packet", at);
        }
        return size;
    }

    /**
     * Reads a string value of the head just read (STRING1 or STRING4): leaves {@link #pos} after it
     * and returns its length; its bytes start at {@code pos - length}.
     */
    int readStringLength() {
        int length;
        if (type == Tlv.STRING1) {
            need(1);
            length = buf.getUnsignedByte(pos++);
        } else if (type == Tlv.STRING4) {
            need(4);
            length = buf.getInt(pos);
            if (length < 0) {
                throw error("negative string length " + length + " for tag " + tag, pos);
            }
            pos += 4;
        } else {
            throw badType(type, tag, headStart);
        }
        need(length);
        pos += length;
        return length;
    }

    String string(int index, int length) {
        return buf.toString(index, length, StandardCharsets.UTF_8);
    }

    /**
     * Skips the value of a field whose head ({@code type}, {@code tag}, at {@code headStart}) was
     * just read, checking its structure all the way down.
     */
    void skipValue(int type, int tag, int headStart, int depth) {
        if (depth > MAX_DEPTH) {
            throw error("fields nested deeper than " + MAX_DEPTH, headStart);
        }
        switch (type) {
            case Tlv.INT1 -> skip(1, tag);
            case Tlv.INT2 -> skip(2, tag);
            case Tlv.INT4, Tlv.FLOAT -> skip(4, tag);
            case Tlv.INT8, Tlv.DOUBLE -> skip(8, tag);
            case Tlv.ZERO -> { }
            case Tlv.STRING1, Tlv.STRING4 -> {
                this.type = type;
                this.tag = tag;
                this.headStart = headStart;
                readStringLength();
            }
            case Tlv.MAP -> {
                // a key and a value are two fields of at least one byte each
                int size = readSize(tag, 2);
                for (int i = 0; i < 2 * size; i++) {
                    skipField(depth + 1);
                }
            }
            case Tlv.LIST -> {
                int size = readSize(tag, 1);
                for (int i = 0; i < size; i++) {
                    skipField(depth + 1);
                }
            }
            case Tlv.SIMPLE_LIST -> skipByteArray(tag, headStart);
            case Tlv.STRUCT_BEGIN -> {
                while (true) {
                    readHead();
                    if (this.type == Tlv.STRUCT_END) {
                        break;
                    }
                    skipValue(this.type, this.tag, this.headStart, depth + 1);
                }
            }
            // STRUCT_END outside a struct, and the unused codes 14 and 15
            default -> throw badType(type, tag, headStart);
        }
    }

    private void skipField(int depth) {
        readHead();
        skipValue(type, tag, headStart, depth);
    }

    /**
     * Skips a SIMPLE_LIST value (the array's own head has been read) and returns the length of its
     * bytes, which end at {@link #pos}.
     */
    int skipByteArray(int ownerTag, int ownerHead) {
        int at = pos;
        readHead();
        if (type != Tlv.INT1 || tag != 0) {
            throw error("bad element head (type " + type + ", tag " + tag + ") of byte array tag " + ownerTag, at);
        }
        int length = readSize(ownerTag, 1);
        pos += length; // readSize checked that it fits
        return length;
    }

    private void skip(int n, int tag) {
        this.tag = tag;
        need(n);
        pos += n;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw error("value of tag " + tag + " runs past the end of the packet", pos);
        }
    }
}
