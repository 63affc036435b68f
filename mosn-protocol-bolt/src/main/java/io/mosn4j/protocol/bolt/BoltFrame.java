package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One bolt or boltv2 frame as it came off the wire: a retained slice of the bytes (CRC included),
 * plus its fixed-header fields read once. Encoding writes the original bytes with the current id
 * (and a new CRC when the frame has one); a request whose {@linkplain #headers() header map} was
 * read and changed gets that map re-written (see {@link #headers()}).
 *
 * <p>The frame owns its slice until {@link #release()}; the views {@link #content()} and
 * {@link #headerMap()} are valid until then. Used on one event loop; not thread-safe.
 */
public final class BoltFrame implements XFrame {
    /** Command types (the type byte). */
    public static final byte TYPE_RESPONSE = 0x00;
    public static final byte TYPE_REQUEST = 0x01;
    public static final byte TYPE_ONEWAY = 0x02;

    /** Command codes (the 2-byte cmdcode field). */
    public static final short CMD_HEARTBEAT = 0x0000;
    public static final short CMD_RPC_REQUEST = 0x0001;
    public static final short CMD_RPC_RESPONSE = 0x0002;

    /** The v2 switch bit asking for a CRC32 trailer (honoured only when ver1 is 2). */
    public static final byte SWITCH_CRC = 0x01;

    /** Content shorter than this stays when the request has been sent: a copy of the head would save little. */
    static final int KEEP_CONTENT_BELOW = 1024;

    final BoltVersion version;
    /** The whole frame, index 0 its first byte; only the part before the content once that was released. */
    ByteBuf raw;
    private final byte ver1;
    private final byte type;
    private final short cmdCode;
    private final byte ver2;
    final int originalId;
    private int requestId;
    private final byte codec;
    private final byte protocolSwitch;
    /** A request's timeout in ms, or a response's status. */
    private final int timeoutOrStatus;
    final int classLength;
    final int headerLength;
    final int contentLength;
    final boolean crc;
    private Headers headers;
    /** The header map's bytes once read ({@link #headerBlock}). */
    private byte[] headerBlock;
    private boolean released;
    private boolean contentReleased;

    BoltFrame(BoltVersion version, ByteBuf raw, byte ver1, byte type, short cmdCode, byte ver2, int requestId,
            byte codec, byte protocolSwitch, int timeoutOrStatus, int classLength, int headerLength,
            int contentLength, boolean crc) {
        this.version = version;
        this.raw = raw;
        this.ver1 = ver1;
        this.type = type;
        this.cmdCode = cmdCode;
        this.ver2 = ver2;
        this.originalId = requestId;
        this.requestId = requestId;
        this.codec = codec;
        this.protocolSwitch = protocolSwitch;
        this.timeoutOrStatus = timeoutOrStatus;
        this.classLength = classLength;
        this.headerLength = headerLength;
        this.contentLength = contentLength;
        this.crc = crc;
    }

    // ---------------------------------------------------------------- XFrame

    /** The 32-bit id, unsigned. */
    @Override
    public long requestId() {
        return Integer.toUnsignedLong(requestId);
    }

    /** @throws IllegalArgumentException when {@code id} does not fit bolt's unsigned 32 bits */
    @Override
    public void setRequestId(long id) {
        if (id < 0 || id > 0xffff_ffffL) {
            throw new IllegalArgumentException("bolt request ids are 32-bit, not " + id);
        }
        requestId = (int) id;
    }

    @Override
    public boolean isRequest() {
        return type != TYPE_RESPONSE;
    }

    @Override
    public boolean isHeartbeat() {
        return cmdCode == CMD_HEARTBEAT;
    }

    @Override
    public boolean isOneWay() {
        return type == TYPE_ONEWAY;
    }

    /**
     * Decodes a frame's header map into its block on first use, and answers a lookup before that from
     * the map's bytes; no state, so one for all frames.
     */
    private static final Headers.Loader HEADER_MAP = new Headers.Loader() {
        @Override
        public void load(Headers into) {
            ((BoltFrame) into.message()).loadHeaderMap(into);
        }

        @Override
        public String peek(Headers block, String name) {
            return ((BoltFrame) block.message()).peekHeader(name);
        }
    };

    /**
     * The frame's header map (SOFARPC puts {@code service}, {@code sofa_head_target_service},
     * {@code sofa_head_method_name} there), one entry per pair; empty when there is none. Decoded
     * when first read: a map that does not split into whole pairs throws an
     * {@link io.mosn4j.api.protocol.XProtocolException} then (and on every later read), and the
     * request can still be answered with {@link BoltProtocol#errorResponse}.
     *
     * <p>When a request's map was read and changed, encoding writes the block back from these
     * entries, in their order: unchanged pairs keep their place, a removed key disappears, an added
     * key comes last. Each name is written once, with the value lookups return, and an entry whose
     * value is null is not written (SOFARPC's reader skips such pairs; for the same reason a pair
     * that had a null key or value on the wire is not carried over). The strings are re-encoded as
     * UTF-8. The class name and content travel as they were. A response's changes are not written.
     */
    @Override
    public Headers headers() {
        if (headers == null) {
            headers = Headers.lazy(this, HEADER_MAP);
        }
        return headers;
    }

    private void loadHeaderMap(Headers into) {
        if (headerLength > 0) {
            BoltHeaderMap.parse(headerBlock(), into);
        }
    }

    /**
     * The value the header map's first pair named {@code name} has, read from its bytes without
     * building the other pairs' strings (a router reads {@code service} and nothing else); {@link
     * Headers.Loader#NO_PEEK} when the map does not decode, so that loading it reports why.
     */
    private String peekHeader(String name) {
        if (headerLength == 0) {
            return null;
        }
        byte[] block;
        try {
            block = headerBlock();
        } catch (RuntimeException e) {
            return Headers.Loader.NO_PEEK;
        }
        return BoltHeaderMap.find(block, name);
    }

    /**
     * The header map's bytes, copied out of the frame once (one bounds-checked copy; reading each
     * field from the buffer checks its bounds and reference count every time) and validated.
     */
    private byte[] headerBlock() {
        byte[] b = headerBlock;
        if (b == null) {
            if (released) {
                throw new IllegalStateException("bolt frame read after release: " + this);
            }
            int at = headerMapOffset();
            b = new byte[headerLength];
            raw.getBytes(at, b);
            BoltHeaderMap.validate(b, version.protocolName, at);
            headerBlock = b;
        }
        return b;
    }

    /** The header block to write instead of the frame's own map, or null to keep the original bytes. */
    Headers changedHeaders() {
        Headers h = headers;
        return h != null && isRequest() && h.isLoaded() && h.isModified() ? h : null;
    }

    /** SOFARPC's {@code service} header, else {@code sofa_head_target_service}; null in a response. */
    @Override
    public String serviceName() {
        if (!isRequest() || isHeartbeat()) {
            return null;
        }
        String s = headers().get("service");
        return s != null ? s : headers().get("sofa_head_target_service");
    }

    /** SOFARPC's {@code sofa_head_method_name} header; null in a response. */
    @Override
    public String methodName() {
        return !isRequest() || isHeartbeat() ? null : headers().get("sofa_head_method_name");
    }

    @Override
    public int status() {
        return isRequest() ? -1 : timeoutOrStatus;
    }

    @Override
    public int httpStatus() {
        return isRequest() ? -1 : BoltStatus.httpStatus(timeoutOrStatus);
    }

    /** The request's timeout field when it is positive (SOFABolt sends -1 when it has none). */
    @Override
    public Duration timeout() {
        return isRequest() && timeoutOrStatus > 0 ? Duration.ofMillis(timeoutOrStatus) : null;
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            raw.release();
        }
    }

    /**
     * A request copy for a mirror: the same bytes (shared, retained), its own id, and the header
     * changes made so far; null once released or once its
     * payload went upstream and was let go ({@link #releasePayload()}).
     */
    @Override
    public BoltFrame copy() {
        if (released || contentReleased || !isRequest()) {
            return null;
        }
        BoltFrame c = new BoltFrame(version, raw.retainedDuplicate(), ver1, type, cmdCode, ver2, originalId, codec, protocolSwitch,
                timeoutOrStatus, classLength, headerLength, contentLength, crc);
        c.requestId = requestId;
        Headers changed = changedHeaders();
        if (changed != null) {
            c.headers = changedCopy(changed, c);
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

    /**
     * A sent request keeps a heap copy of its fixed header, class name and header map (which
     * {@link #headers()} and {@link #className()} read; the map still lazily), and lets go of its
     * content and of the read buffer the frame was a slice of. Content under
     * {@value #KEEP_CONTENT_BELOW} bytes stays.
     */
    @Override
    public void releasePayload() {
        if (released || contentReleased || !isRequest() || contentLength < KEEP_CONTENT_BELOW) {
            return;
        }
        int head = headerMapOffset() + headerLength;
        ByteBuf copy = Unpooled.buffer(head, head).writeBytes(raw, 0, head);
        raw.release();
        raw = copy;
        contentReleased = true;
    }

    boolean isContentReleased() {
        return contentReleased;
    }

    // ---------------------------------------------------------------- bolt fields

    /** {@code bolt} or {@code boltv2}: which layout this frame uses. */
    public String protocolName() {
        return version.protocolName;
    }

    /** The first byte: 1 for bolt, 2 for boltv2. */
    public byte protocolCode() {
        return version.code;
    }

    /** boltv2's ver1 byte (1 or 2); 1 for bolt, which has no such byte. */
    public byte protocolVersion() {
        return ver1;
    }

    public byte type() {
        return type;
    }

    public short commandCode() {
        return cmdCode;
    }

    /** The ver2 byte, the command's version (SOFABolt writes 1). */
    public byte commandVersion() {
        return ver2;
    }

    /** The serializer of class, header and content (SOFABolt: 1 hessian2). */
    public byte codec() {
        return codec;
    }

    /** boltv2's switch byte; 0 for bolt. */
    public byte protocolSwitch() {
        return protocolSwitch;
    }

    /** Whether the frame ends in a CRC32 (boltv2, ver1 2, CRC switch on). */
    public boolean hasCrc() {
        return crc;
    }

    /** A request's raw timeout field in ms (may be 0 or -1); 0 for a response. */
    public int timeoutMillis() {
        return isRequest() ? timeoutOrStatus : 0;
    }

    /** The class name (request or response class), or "" when there is none. */
    public String className() {
        return raw.toString(version.fixedLength(isRequest()), classLength, StandardCharsets.UTF_8);
    }

    /** The header map's bytes, a view valid until {@link #release()}. */
    public ByteBuf headerMap() {
        return raw.slice(headerMapOffset(), headerLength);
    }

    /**
     * The content's bytes (the serialized request or response), a view valid until {@link #release()}.
     *
     * @throws IllegalStateException once a sent request let go of it ({@link #releasePayload()})
     */
    public ByteBuf content() {
        if (contentReleased) {
            throw new IllegalStateException("bolt request content read after it was sent and released: " + this);
        }
        return raw.slice(headerMapOffset() + headerLength, contentLength);
    }

    /** The length of the whole frame on the wire, CRC included. */
    public int frameLength() {
        return headerMapOffset() + headerLength + contentLength + (crc ? 4 : 0);
    }

    boolean isReleased() {
        return released;
    }

    int headerMapOffset() {
        return version.fixedLength(isRequest()) + classLength;
    }

    @Override
    public String toString() {
        return version.protocolName + (isRequest() ? (isOneWay() ? " oneway" : " request") : " response")
                + (isHeartbeat() ? " heartbeat" : "") + " id=" + requestId()
                + (isRequest() ? " timeout=" + timeoutOrStatus : " status=" + timeoutOrStatus)
                + " class=" + classLength + "B header=" + headerLength + "B content=" + contentLength + "B";
    }

    /** The bytes of the call's payload, for payload limits. */
    @Override
    public long payloadLength() {
        return contentLength;
    }
}
