package io.mosn4j.protocol.tars;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One Tars packet as it came off the wire: a retained slice of its bytes (length prefix included)
 * and the positions of its fields, read once by {@link #parse}. Only the request id may change:
 * {@link #encode} writes the original bytes with the id field re-encoded in place (its width may
 * change, so the length prefix is rewritten); every other field, {@code sBuffer} and any unknown
 * tag travel byte for byte.
 *
 * <p>A packet has one of two layouts (tars's {@code RequestPacket} and {@code ResponsePacket}),
 * told apart by the type of tag 5: a string ({@code sServantName}) or an integer ({@code iRet}).
 * They differ in where the id is: tag 4 in a request, tag 3 in a response. TUP responses
 * (iVersion 2 and 3) use the request layout, so without knowing which way a packet travels they
 * decode as requests (see {@link TarsProtocol}).
 *
 * <p>The frame owns its slice until {@link #release()}; {@link #body()} and {@link #headers()}
 * (built lazily) must be read before that. Used on one event loop; not thread-safe.
 */
public final class TarsFrame implements XFrame {
    /** iVersion: the tars encoding proper ({@code TARSVERSION}). */
    public static final int VERSION_TARS = 1;
    /** iVersion: TUP with the older two-level attribute map (TarsJava's {@code VERSION2}). */
    public static final int VERSION_TUP2 = 2;
    /** iVersion: TUP ({@code TUPVERSION}; TarsJava's {@code VERSION3}). */
    public static final int VERSION_TUP3 = 3;
    /** iVersion: JSON-encoded {@code sBuffer} ({@code JSONVERSION}). */
    public static final int VERSION_JSON = 5;

    /** cPacketType: a call expecting a response ({@code TARSNORMAL}). */
    public static final int PACKET_NORMAL = 0;
    /** cPacketType: a call expecting none ({@code TARSONEWAY}). */
    public static final int PACKET_ONEWAY = 1;

    /** Status keys of a TUP response (the result travels in the status map there). */
    public static final String STATUS_RESULT_CODE = "STATUS_RESULT_CODE";
    public static final String STATUS_RESULT_DESC = "STATUS_RESULT_DESC";

    /** Header names of a request's routing keys (MOSN's). */
    public static final String SERVICE = "service";
    public static final String METHOD = "method";

    /** How many context and status entries {@link #headers()} exposes at most. */
    public static final int MAX_MAP_HEADERS = 1024;

    /** Above this many bytes after the id, {@link #encode} shares them instead of copying. */
    private static final int COPY_LIMIT = 1024;

    /** The whole packet; index 0 is its first length byte. */
    private ByteBuf raw;
    private boolean requestLayout;
    private boolean request;
    private int version;
    private int packetType;
    private int messageType;
    private int originalId;
    private int requestId;
    /** Where the id field (head and value) starts and ends in {@link #raw}. */
    private int idStart;
    private int idEnd;
    private int ret;
    private int timeoutMs;
    private int servantAt = -1;
    private int servantLength;
    private int functionAt = -1;
    private int functionLength;
    private int resultDescAt = -1;
    private int resultDescLength;
    /** Head offsets of the context and status maps, or -1, and their sizes. */
    private int contextAt = -1;
    private int contextSize;
    private int statusAt = -1;
    private int statusSize;
    /** sBuffer: where its bytes start (SIMPLE_LIST) or its value starts (LIST of bytes), or -1. */
    private int bodyAt = -1;
    private int bodyLength;
    private boolean bodyIsList;
    private Headers headers;
    private boolean released;

    private TarsFrame() {}

    // ---------------------------------------------------------------- parsing

    /**
     * Reads the packet of {@code length} bytes at absolute index {@code base} of {@code buf}
     * (length prefix included, already checked) without moving its indexes or retaining it; the
     * caller attaches the bytes with {@link #attach}. Field offsets are kept relative to {@code base}.
     *
     * @throws io.mosn4j.api.protocol.XProtocolException on any malformation
     */
    static TarsFrame parse(ByteBuf buf, int base, int length) {
        TarsFrame f = new TarsFrame();
        TlvReader r = new TlvReader(buf, base, base + 4, base + length);
        int previous = -1;
        int seen = 0;
        // tags 3 and 4 are both integers; which is the id is known at tag 5
        int tag3 = 0;
        int tag3Start = 0;
        int tag3End = 0;
        int tag4 = 0;
        int tag4Start = 0;
        int tag4End = 0;
        boolean layoutKnown = false;
        while (r.hasMore()) {
            r.readHead();
            int type = r.type;
            int tag = r.tag;
            int head = r.headStart;
            if (type == Tlv.STRUCT_END) {
                throw r.error("unexpected struct end (tag " + tag + ")", head);
            }
            if (tag <= previous) {
                throw r.error("tag " + tag + " after tag " + previous, head);
            }
            previous = tag;
            if (tag > 5 && !layoutKnown) {
                throw r.error("missing tag 5 (sServantName or iRet)", head);
            }
            if (tag <= 10) {
                seen |= 1 << tag;
            }
            switch (tag) {
                case 1 -> f.version = r.readInt(Tlv.SHORT_TYPES);
                case 2 -> f.packetType = r.readInt(Tlv.BYTE_TYPES);
                case 3 -> {
                    tag3 = r.readInt(Tlv.INT_TYPES);
                    tag3Start = head - base;
                    tag3End = r.pos - base;
                }
                case 4 -> {
                    tag4 = r.readInt(Tlv.INT_TYPES);
                    tag4Start = head - base;
                    tag4End = r.pos - base;
                }
                case 5 -> {
                    layoutKnown = true;
                    if ((Tlv.STRING_TYPES & 1 << type) != 0) {
                        f.requestLayout = true;
                        f.servantLength = r.readStringLength();
                        f.servantAt = r.pos - f.servantLength - base;
                    } else if ((Tlv.INT_TYPES & 1 << type) != 0) {
                        f.ret = r.readInt(Tlv.INT_TYPES);
                    } else {
                        throw r.badType(type, tag, head);
                    }
                }
                default -> {
                    if (f.requestLayout) {
                        f.requestField(r, base);
                    } else {
                        f.responseField(r, base);
                    }
                }
            }
        }
        int end = base + length;
        if (r.pos != end) { // every read checks its bounds: a guard, not a path
            throw r.error("fields run past the end of the packet", end);
        }
        requireTag(r, seen, 1, "iVersion", end);
        requireTag(r, seen, 2, "cPacketType", end);
        if (!layoutKnown) {
            throw r.error("missing tag 5 (sServantName or iRet)", end);
        }
        if (f.requestLayout) {
            requireTag(r, seen, 4, "iRequestId", end);
            requireTag(r, seen, 6, "sFuncName", end);
            f.request = true;
            f.messageType = tag3;
            f.originalId = tag4;
            f.idStart = tag4Start;
            f.idEnd = tag4End;
        } else {
            requireTag(r, seen, 3, "iRequestId", end);
            f.originalId = tag3;
            f.idStart = tag3Start;
            f.idEnd = tag3End;
            f.messageType = tag4;
        }
        f.requestId = f.originalId;
        return f;
    }

    private static void requireTag(TlvReader r, int seen, int tag, String name, int end) {
        if ((seen & 1 << tag) == 0) {
            throw r.error("missing tag " + tag + " (" + name + ")", end);
        }
    }

    /** Tags 6 and up of a RequestPacket. */
    private void requestField(TlvReader r, int base) {
        switch (r.tag) {
            case 6 -> {
                functionLength = r.readStringLength();
                functionAt = r.pos - functionLength - base;
            }
            case 7 -> readBody(r, base);
            case 8 -> timeoutMs = r.readInt(Tlv.INT_TYPES);
            case 9 -> {
                contextAt = r.headStart - base;
                contextSize = readStringMap(r);
            }
            case 10 -> {
                statusAt = r.headStart - base;
                statusSize = readStringMap(r);
            }
            default -> r.skipValue(r.type, r.tag, r.headStart, 0); // kept as they are
        }
    }

    /** Tags 6 and up of a ResponsePacket. */
    private void responseField(TlvReader r, int base) {
        switch (r.tag) {
            case 6 -> readBody(r, base);
            case 7 -> {
                statusAt = r.headStart - base;
                statusSize = readStringMap(r);
            }
            case 8 -> {
                resultDescLength = r.readStringLength();
                resultDescAt = r.pos - resultDescLength - base;
            }
            case 9 -> {
                contextAt = r.headStart - base;
                contextSize = readStringMap(r);
            }
            default -> r.skipValue(r.type, r.tag, r.headStart, 0);
        }
    }

    /** sBuffer, a {@code vector<byte>}: a SIMPLE_LIST, or (as Tars's readers also accept) a LIST of bytes. */
    private void readBody(TlvReader r, int base) {
        int tag = r.tag;
        if (r.type == Tlv.SIMPLE_LIST) {
            bodyLength = r.skipByteArray(tag, r.headStart);
            bodyAt = r.pos - bodyLength - base;
        } else if (r.type == Tlv.LIST) {
            bodyAt = r.pos - base;
            bodyIsList = true;
            bodyLength = r.readSize(tag, 1); // each element takes a byte at least
            for (int i = 0; i < bodyLength; i++) {
                r.readHead();
                if (r.tag != 0 || (Tlv.BYTE_TYPES & 1 << r.type) == 0) {
                    throw r.error("bad element (type " + r.type + ", tag " + r.tag + ") of byte list tag " + tag, r.headStart);
                }
                r.readInt(Tlv.BYTE_TYPES);
            }
        } else {
            throw r.badType(r.type, tag, r.headStart);
        }
    }

    /** Checks a {@code map<string, string>} whose head was just read; returns its size. */
    private static int readStringMap(TlvReader r) {
        int tag = r.tag;
        if (r.type != Tlv.MAP) {
            throw r.badType(r.type, tag, r.headStart);
        }
        int size = r.readSize(tag, 4); // an entry takes four bytes at least
        for (int i = 0; i < size; i++) {
            readMapString(r, tag, 0, "key");
            readMapString(r, tag, 1, "value");
        }
        return size;
    }

    private static int readMapString(TlvReader r, int mapTag, int tag, String what) {
        r.readHead();
        if (r.tag != tag || (Tlv.STRING_TYPES & 1 << r.type) == 0) {
            throw r.error("bad " + what + " (type " + r.type + ", tag " + r.tag + ") in map tag " + mapTag, r.headStart);
        }
        return r.readStringLength();
    }

    /** Gives the frame the packet's bytes, which it releases in {@link #release()}. */
    TarsFrame attach(ByteBuf raw) {
        this.raw = raw;
        return this;
    }

    /** Makes a packet this codec built as an answer a response, whatever its layout. */
    TarsFrame asResponse(int ret) {
        this.request = false;
        this.ret = ret;
        return this;
    }

    // ---------------------------------------------------------------- encoding

    /** The packet with the current request id; the caller owns (and releases) the result. */
    ByteBuf encode(ByteBufAllocator alloc) {
        int length = raw.readableBytes();
        if (requestId == originalId) {
            return raw.retainedDuplicate();
        }
        int idTag = requestLayout ? 4 : 3;
        int idSize = Tlv.intSize(idTag, requestId);
        int total = length - (idEnd - idStart) + idSize;
        int rest = length - idEnd;
        int headLength = idStart + idSize;
        ByteBuf head = alloc.buffer(rest <= COPY_LIMIT ? total : headLength);
        try {
            head.writeInt(total);
            head.writeBytes(raw, 4, idStart - 4);
            Tlv.writeInt(head, idTag, requestId);
            if (rest <= COPY_LIMIT) {
                head.writeBytes(raw, idEnd, rest);
                return head;
            }
        } catch (RuntimeException e) {
            head.release();
            throw e;
        }
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponents(true, head, raw.retainedSlice(idEnd, rest));
        return out;
    }

    // ---------------------------------------------------------------- XFrame

    /** iRequestId as an unsigned 32-bit number (Tars ids are Java ints; the bits are what matter). */
    @Override
    public long requestId() {
        return Integer.toUnsignedLong(requestId);
    }

    /** @throws IllegalArgumentException when {@code id} does not fit 32 unsigned bits */
    @Override
    public void setRequestId(long id) {
        if (id < 0 || id > 0xffff_ffffL) {
            throw new IllegalArgumentException("tars request ids are 32-bit, not " + id);
        }
        requestId = (int) id;
    }

    @Override
    public boolean isRequest() {
        return request;
    }

    /** Tars has no heartbeat frame ({@code tars_ping} is an ordinary call, routed as one). */
    @Override
    public boolean isHeartbeat() {
        return false;
    }

    @Override
    public boolean isOneWay() {
        return request && packetType == PACKET_ONEWAY;
    }

    /**
     * A request's {@code service} (sServantName) and {@code method} (sFuncName), then its context
     * entries, then its status entries (dyeing, set and grid keys travel there); a response's status
     * entries, then its context entries. Strings are read as UTF-8. At most {@value #MAX_MAP_HEADERS}
     * map entries are exposed: the rest still travel in the packet, unseen by routes and filters (a
     * 10 MiB packet of one-byte entries would otherwise become millions of strings).
     */
    @Override
    public Headers headers() {
        if (headers == null) {
            Headers h = new Headers(2 + Math.min(contextSize + statusSize, MAX_MAP_HEADERS));
            if (requestLayout) {
                h.add(SERVICE, servantName());
                h.add(METHOD, functionName());
                addMap(h, contextAt, MAX_MAP_HEADERS + 2);
                addMap(h, statusAt, MAX_MAP_HEADERS + 2);
            } else {
                addMap(h, statusAt, MAX_MAP_HEADERS);
                addMap(h, contextAt, MAX_MAP_HEADERS);
            }
            h.setMessage(this);
            headers = h;
        }
        return headers;
    }

    /** Adds the entries of the map whose head is at {@code at} while {@code h} has fewer than {@code limit}. */
    private void addMap(Headers h, int at, int limit) {
        if (at < 0) {
            return;
        }
        TlvReader r = new TlvReader(raw, 0, at, raw.readableBytes());
        r.readHead();
        int size = r.readSize(r.tag, 1);
        for (int i = 0; i < size && h.size() < limit; i++) {
            int keyLength = readMapString(r, 0, 0, "key");
            String key = r.string(r.pos - keyLength, keyLength);
            int valueLength = readMapString(r, 0, 1, "value");
            h.add(key, r.string(r.pos - valueLength, valueLength));
        }
    }

    /** A response's iRet (for a TUP answer this codec built, its result code); -1 for a request. */
    @Override
    public int status() {
        return request ? -1 : ret;
    }

    /** iTimeout, the caller's timeout in milliseconds, when it is positive. */
    @Override
    public Duration timeout() {
        return request && timeoutMs > 0 ? Duration.ofMillis(timeoutMs) : null;
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            if (raw != null) {
                raw.release();
            }
        }
    }

    // ---------------------------------------------------------------- tars fields

    /** iVersion: {@link #VERSION_TARS}, {@link #VERSION_TUP2}, {@link #VERSION_TUP3} or {@link #VERSION_JSON}. */
    public int version() {
        return version;
    }

    /** cPacketType: {@link #PACKET_NORMAL} or {@link #PACKET_ONEWAY}. */
    public int packetType() {
        return packetType;
    }

    /** iMessageType, the TARSMESSAGETYPE* bits (hash, grid, dyed, sample, async, set name). */
    public int messageType() {
        return messageType;
    }

    /** Whether the packet has RequestPacket's layout (requests, and TUP responses). */
    public boolean hasRequestLayout() {
        return requestLayout;
    }

    /** sServantName, or null in a response. */
    public String servantName() {
        return servantAt < 0 ? null : raw.toString(servantAt, servantLength, StandardCharsets.UTF_8);
    }

    /** sFuncName, or null in a response. */
    public String functionName() {
        return functionAt < 0 ? null : raw.toString(functionAt, functionLength, StandardCharsets.UTF_8);
    }

    /** iTimeout in milliseconds (0 when absent). */
    public int timeoutMillis() {
        return timeoutMs;
    }

    /** A response's sResultDesc, or null when it has none. */
    public String resultDesc() {
        return resultDescAt < 0 ? null : raw.toString(resultDescAt, resultDescLength, StandardCharsets.UTF_8);
    }

    /** How many bytes sBuffer holds (0 when absent). */
    public int bodyLength() {
        return bodyAt < 0 ? 0 : bodyLength;
    }

    /**
     * sBuffer's bytes, never decoded: a view of the packet valid until {@link #release()}, or a
     * heap copy when the sender wrote them as a LIST of single bytes. Not retained: do not release it.
     */
    public ByteBuf body() {
        if (bodyAt < 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        if (!bodyIsList) {
            return raw.slice(bodyAt, bodyLength);
        }
        TlvReader r = new TlvReader(raw, 0, bodyAt, raw.readableBytes());
        byte[] copy = new byte[r.readSize(0, 1)];
        for (int i = 0; i < copy.length; i++) {
            r.readHead();
            copy[i] = (byte) r.readInt(Tlv.BYTE_TYPES);
        }
        return Unpooled.wrappedBuffer(copy);
    }

    @Override
    public String toString() {
        return "TarsFrame{" + (request ? "request" : "response") + " id=" + requestId() + " version=" + version
                + " type=" + packetType + (requestLayout && !released ? " " + servantName() + "." + functionName() : "")
                + (request ? "" : " ret=" + ret) + " length=" + (raw == null || released ? -1 : raw.readableBytes()) + "}";
    }

    /** The bytes of the call's payload, for payload limits. */
    @Override
    public long payloadLength() {
        return bodyLength();
    }
}
