package io.mosn4j.protocol.tars;

import io.mosn4j.api.protocol.Buffers;
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
 * and the positions of its fields, read once by {@link #parse}. {@link #encode} writes the original
 * bytes with the id field re-encoded in place (its width may change, so the length prefix is
 * rewritten) and, for a request whose headers a filter changed, a new context map (see
 * {@link #headers()}); every other field, {@code sBuffer} and any unknown tag travel byte for byte.
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
    /** Head offsets of the context and status maps, or -1; checked as maps when the headers are read. */
    private int contextAt = -1;
    private int statusAt = -1;
    /**
     * A request's context map: where it ends, or (none) where it would go, before the first field
     * with a higher tag; what {@link #encode} writes a changed context into.
     */
    private int contextEnd;
    /** How many entries of each map the headers show (see {@link #MAX_MAP_HEADERS}), once loaded. */
    private int contextShown;
    private int statusShown;
    /** sBuffer: where its bytes start (SIMPLE_LIST) or its value starts (LIST of bytes), or -1. */
    private int bodyAt = -1;
    private int bodyLength;
    private boolean bodyIsList;
    private Headers headers;
    private boolean released;
    /** A sent request let go of its packet, keeping these two names (its headers are loaded). */
    private boolean packetReleased;
    private String servantName;
    private String functionName;

    /** Bodies (sBuffer) shorter than this stay when the request has been sent. */
    static final int KEEP_BODY_BELOW = 1024;

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
        int firstAfterContext = -1;
        while (r.hasMore()) {
            r.readHead();
            int type = r.type;
            int tag = r.tag;
            int head = r.headStart;
            if (tag > 9 && firstAfterContext < 0) {
                firstAfterContext = head - base;
            }
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
        if (f.contextAt < 0) {
            f.contextEnd = firstAfterContext >= 0 ? firstAfterContext : length;
        }
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
                r.skipValue(r.type, r.tag, r.headStart, 0); // a map<string,string>: checked when read
                contextEnd = r.pos - base;
            }
            case 10 -> {
                statusAt = r.headStart - base;
                r.skipValue(r.type, r.tag, r.headStart, 0);
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
                r.skipValue(r.type, r.tag, r.headStart, 0);
            }
            case 8 -> {
                resultDescLength = r.readStringLength();
                resultDescAt = r.pos - resultDescLength - base;
            }
            case 9 -> {
                contextAt = r.headStart - base;
                r.skipValue(r.type, r.tag, r.headStart, 0);
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

    /**
     * The packet with the current request id and, for a request whose headers were read and changed,
     * its context map re-written (see {@link #headers()}); the caller owns (and releases) the result.
     * An unchanged packet with its own id is a retained view of its bytes.
     */
    ByteBuf encode(ByteBufAllocator alloc) {
        if (packetReleased) {
            throw new IllegalStateException("tars request encoded after it was sent and released: " + this);
        }
        ByteBuf context = changedContext(alloc);
        int length = raw.readableBytes();
        if (context == null && requestId == originalId) {
            return raw.retainedDuplicate();
        }
        // the packet is: prefix, id, middle [idEnd, from), the context or nothing, tail [to, length)
        int from = context == null ? length : contextAt >= 0 ? contextAt : contextEnd;
        int to = context == null ? length : contextEnd;
        int contextLength = context == null ? 0 : context.readableBytes();
        int idTag = requestLayout ? 4 : 3;
        int idSize = Tlv.intSize(idTag, requestId);
        int middle = from - idEnd;
        int tail = length - to;
        int total = idStart + idSize + middle + contextLength + tail;
        if (context != null && total > TarsProtocol.MAX_PACKET) {
            context.release();
            throw new io.mosn4j.api.protocol.XProtocolException("tars: the packet with the changed context takes " + total
                    + " bytes, more than the limit of " + TarsProtocol.MAX_PACKET);
        }
        boolean copy = middle + contextLength + tail <= COPY_LIMIT;
        ByteBuf head = alloc.buffer(copy ? total : idStart + idSize);
        try {
            head.writeInt(total);
            Buffers.append(head, raw, 4, idStart - 4);
            Tlv.writeInt(head, idTag, requestId);
            if (copy) {
                Buffers.append(head, raw, idEnd, middle);
                if (context != null) {
                    Buffers.append(head, context);
                }
                Buffers.append(head, raw, to, tail);
            }
        } catch (RuntimeException e) {
            head.release();
            if (context != null) {
                context.release();
            }
            throw e;
        }
        if (copy) {
            if (context != null) {
                context.release();
            }
            return head;
        }
        CompositeByteBuf out = alloc.compositeBuffer(4);
        out.addComponent(true, head);
        if (middle > 0) {
            out.addComponent(true, raw.retainedSlice(idEnd, middle));
        }
        if (context != null) {
            out.addComponent(true, context);
        }
        if (tail > 0) {
            out.addComponent(true, raw.retainedSlice(to, tail));
        }
        return out;
    }

    /**
     * A request's context map (tag 9, head included) written from its changed headers, or null when
     * the headers were not changed (or there is no context to write where there was none).
     */
    private ByteBuf changedContext(ByteBufAllocator alloc) {
        Headers h = headers;
        if (h == null || !request || !requestLayout || !h.isLoaded() || !h.isModified()) {
            return null;
        }
        int n = h.size();
        boolean[] skip = new boolean[n];
        for (int i = 0; i < n; i++) {
            String name = h.name(i);
            skip[i] = h.value(i) == null || name.equalsIgnoreCase(SERVICE) || name.equalsIgnoreCase(METHOD);
        }
        // the status map's entries the headers show, matched by name and value from the end
        if (statusShown > 0) {
            TlvReader r = new TlvReader(raw, 0, statusAt, raw.readableBytes());
            r.readHead();
            r.readSize(r.tag, 4);
            for (int e = 0; e < statusShown; e++) {
                int keyLength = readMapString(r, 10, 0, "key");
                String key = r.string(r.pos - keyLength, keyLength);
                int valueLength = readMapString(r, 10, 1, "value");
                String value = r.string(r.pos - valueLength, valueLength);
                for (int i = n - 1; i >= 0; i--) {
                    if (!skip[i] && h.name(i).equals(key) && h.value(i).equals(value)) {
                        skip[i] = true;
                        break;
                    }
                }
            }
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i && !skip[i]; j++) {
                skip[i] = !skip[j] && h.name(j).equalsIgnoreCase(h.name(i)); // each name once, its first value
            }
            if (!skip[i]) {
                count++;
            }
        }
        // the original context's entries the headers did not show: named service or method, or past the limit
        ByteBuf kept = null;
        int keptStart = 0;
        int keptEnd = 0;
        if (contextAt >= 0) {
            TlvReader r = new TlvReader(raw, 0, contextAt, raw.readableBytes());
            r.readHead();
            int size = r.readSize(r.tag, 4);
            for (int e = 0; e < contextShown; e++) {
                int start = r.pos;
                int keyLength = readMapString(r, 9, 0, "key");
                String key = r.string(r.pos - keyLength, keyLength);
                readMapString(r, 9, 1, "value");
                if (key.equalsIgnoreCase(SERVICE) || key.equalsIgnoreCase(METHOD)) {
                    if (kept == null) {
                        kept = alloc.buffer();
                    }
                    Buffers.append(kept, raw, start, r.pos - start);
                    count++;
                }
            }
            keptStart = r.pos; // the entries never shown run to the map's end
            keptEnd = contextEnd;
            count += size - contextShown;
        } else if (count == 0) {
            return null; // no context before, none now
        }
        ByteBuf out = alloc.buffer();
        try {
            Tlv.writeHead(out, Tlv.MAP, 9);
            Tlv.writeInt(out, 0, count);
            for (int i = 0; i < n; i++) {
                if (!skip[i]) {
                    Tlv.writeString(out, 0, h.name(i));
                    Tlv.writeString(out, 1, h.value(i));
                }
            }
            if (kept != null) {
                Buffers.append(out, kept);
            }
            Buffers.append(out, raw, keptStart, keptEnd - keptStart);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            if (kept != null) {
                kept.release();
            }
        }
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

    /** Decodes a packet's headers into its block on first use; no state, so one for all frames. */
    private static final Headers.Loader HEADERS = h -> ((TarsFrame) h.message()).loadHeaders(h);

    /**
     * A request's {@code service} (sServantName) and {@code method} (sFuncName), then its context
     * entries, then its status entries (dyeing, set and grid keys travel there); a response's status
     * entries, then its context entries. Strings are read as UTF-8. At most {@value #MAX_MAP_HEADERS}
     * map entries are exposed: the rest still travel in the packet, unseen by routes and filters (a
     * 10 MiB packet of one-byte entries would otherwise become millions of strings).
     *
     * <p>Decoded when first read: a context or status that is not a {@code map<string,string>}
     * throws an {@link io.mosn4j.api.protocol.XProtocolException} then (and on every later read),
     * and the request can still be answered with {@link TarsProtocol#errorResponse}.
     *
     * <p>When a request's headers were read and changed, encoding re-writes its context (tag 9)
     * from them; everything else, the status map (tag 10) included, travels as it was. The context
     * becomes every entry except {@code service} and {@code method} (the servant and function names,
     * the call's identity, which are not written back) and the status map's own entries (matched by
     * name and value: a status entry a filter changed or added again is therefore written to the
     * context, since the status is never re-written). Each name is written once, with its first value;
     * an entry whose value is null is not written. Context entries the headers never showed (past the
     * exposed limit, or named {@code service} or {@code method}) are kept as they were. A response's
     * changes are not written.
     */
    @Override
    public Headers headers() {
        if (headers == null) {
            headers = Headers.lazy(this, HEADERS);
        }
        return headers;
    }

    private void loadHeaders(Headers h) {
        if (released || packetReleased) {
            throw new IllegalStateException("tars packet read after release: " + this);
        }
        int limit = requestLayout ? MAX_MAP_HEADERS + 2 : MAX_MAP_HEADERS;
        h.ensureCapacity(Math.min(mapSize(contextAt) + mapSize(statusAt), MAX_MAP_HEADERS) + (requestLayout ? 2 : 0));
        if (requestLayout) {
            h.add(SERVICE, servantName());
            h.add(METHOD, functionName());
            contextShown = addMap(h, contextAt, limit);
            statusShown = addMap(h, statusAt, limit);
        } else {
            statusShown = addMap(h, statusAt, limit);
            contextShown = addMap(h, contextAt, limit);
        }
    }

    /**
     * The entry count the field at {@code at} says it has when it is a map, else 0 ({@link #addMap}
     * then says what is wrong); read from the bytes directly, which {@link #parse} found well-formed.
     */
    private int mapSize(int at) {
        if (at < 0 || (raw.getUnsignedByte(at) & 0x0F) != Tlv.MAP) { // tags 7, 9, 10: a one-byte head
            return 0;
        }
        int sizeHead = raw.getUnsignedByte(at + 1);
        return switch (sizeHead & 0x0F) {
            case Tlv.INT1 -> raw.getByte(at + 2);
            case Tlv.INT2 -> raw.getShort(at + 2);
            case Tlv.INT4 -> raw.getInt(at + 2);
            default -> 0; // ZERO
        };
    }

    /**
     * Adds the entries of the map whose head is at {@code at} while {@code h} has fewer than
     * {@code limit}, checking that each is a string pair; returns how many it added.
     */
    private int addMap(Headers h, int at, int limit) {
        if (at < 0) {
            return 0;
        }
        TlvReader r = new TlvReader(raw, 0, at, raw.readableBytes());
        r.readHead();
        if (r.type != Tlv.MAP) {
            throw r.badType(r.type, r.tag, r.headStart);
        }
        int mapTag = r.tag;
        int size = r.readSize(mapTag, 4);
        int added = 0;
        for (int i = 0; i < size && h.size() < limit; i++) {
            int keyLength = readMapString(r, mapTag, 0, "key");
            String key = r.string(r.pos - keyLength, keyLength);
            int valueLength = readMapString(r, mapTag, 1, "value");
            h.add(key, r.string(r.pos - valueLength, valueLength));
            added++;
        }
        return added;
    }

    /** A response's iRet (for a TUP answer this codec built, its result code); -1 for a request. */
    @Override
    public int status() {
        return request ? -1 : ret;
    }

    @Override
    public int httpStatus() {
        return request ? -1 : switch (ret) {
            case TarsReturnCode.TARSSERVERSUCCESS -> 200;
            case TarsReturnCode.TARSSERVEROVERLOAD -> 503;
            case TarsReturnCode.TARSSERVERQUEUETIMEOUT, TarsReturnCode.TARSASYNCCALLTIMEOUT -> 504;
            default -> 500;
        };
    }

    /** iTimeout, the caller's timeout in milliseconds, when it is positive. */
    @Override
    public Duration timeout() {
        return request && timeoutMs > 0 ? Duration.ofMillis(timeoutMs) : null;
    }

    /**
     * A request copy for a mirror: the same packet bytes (shared, retained, read again), its own
     * id, and the header changes made so far; null once released or once its
     * payload went upstream and was let go ({@link #releasePayload()}).
     */
    @Override
    public TarsFrame copy() {
        if (released || packetReleased || !request) {
            return null;
        }
        TarsFrame c = parse(raw, raw.readerIndex(), raw.readableBytes()).attach(raw.retainedDuplicate());
        c.requestId = requestId;
        Headers h = headers;
        if (h != null && h.isLoaded() && h.isModified()) {
            c.headers = changedCopy(h, c);
        }
        return c;
    }

    /** A block with {@code changed}'s entries, marked changed, for a copy of this frame. */
    private static Headers changedCopy(Headers changed, XFrame owner) {
        Headers h = new Headers(Math.max(4, changed.size()));
        for (int i = 0; i < changed.size(); i++) {
            h.add(changed.name(i), changed.value(i)); // add marks the block changed: the copy is encoded with it
        }
        h.setMessage(owner);
        return h;
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

    /**
     * A sent request decodes its headers if nothing read them yet (the context and status maps
     * come after the body), keeps its servant and function names, and lets go of the packet and of
     * the read buffer it was a slice of: what an error answer needs besides is in fields. Bodies
     * under {@value #KEEP_BODY_BELOW} bytes stay, and so does a packet whose maps cannot be decoded.
     */
    @Override
    public void releasePayload() {
        if (released || packetReleased || !request || raw == null || bodyLength() < KEEP_BODY_BELOW) {
            return;
        }
        try {
            headers().size(); // loads them
        } catch (RuntimeException e) {
            return;
        }
        servantName = servantName();
        functionName = functionName();
        raw.release();
        raw = Unpooled.EMPTY_BUFFER;
        packetReleased = true;
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

    @Override
    public String serviceName() {
        return servantName();
    }

    @Override
    public String methodName() {
        return functionName();
    }

    /** sServantName, or null in a response. */
    public String servantName() {
        if (packetReleased) {
            return servantName;
        }
        return servantAt < 0 ? null : raw.toString(servantAt, servantLength, StandardCharsets.UTF_8);
    }

    /** sFuncName, or null in a response. */
    public String functionName() {
        if (packetReleased) {
            return functionName;
        }
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
        if (packetReleased) {
            throw new IllegalStateException("tars request body read after it was sent and released: " + this);
        }
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
                + (request ? "" : " ret=" + ret) + " length=" + (raw == null || released || packetReleased ? -1 : raw.readableBytes()) + "}";
    }

    /** The bytes of the call's payload, for payload limits. */
    @Override
    public long payloadLength() {
        return bodyLength();
    }
}
