package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * The Dubbo 2 protocol ("dubbo") with hessian2 bodies, as Apache Dubbo's {@code DubboCodec}
 * writes it.
 *
 * <pre>
 * 0      2      3       4                 12            16
 * +------+------+-------+-----------------+-------------+----------------
 * | dabb | flag | status| request id (64) | body length | hessian2 body ...
 * +------+------+-------+-----------------+-------------+----------------
 * flag: 0x80 request, 0x40 two-way, 0x20 event, low 5 bits serialization id (hessian2 = 2)
 * </pre>
 *
 * <p>A request body is, in hessian2: the framework version, the service path, the service
 * version, the method name, the parameter types descriptor, one value per parameter, and the
 * attachments map. A response body is a result-kind int and the value when the status is OK, or
 * the error message string otherwise. A heartbeat is an event whose body is hessian2's null.
 *
 * <p><b>Decoding.</b> {@link #decode} only frames: it checks the header and keeps a retained
 * slice of the body, which is forwarded byte for byte; re-encoding writes a new header (with the
 * request id the proxy gave it) in front of the same body. The body head is read when something
 * first reads {@link DubboFrame#headers()}, so heartbeats and responses are never parsed. A
 * request body that cannot be read makes that read throw {@link XProtocolException} while
 * the connection stays usable: the caller answers that request with
 * {@code errorResponse(request, DESERIALIZATION, ...)}, status 70, which is MOSN's answer to a
 * deserialization error; a caller that lets the exception through closes the connection instead,
 * which is what MOSN itself does for a body head it cannot decode.
 *
 * <p><b>Writing back.</b> A request whose headers were read and changed (a filter set, added or
 * removed one) is encoded with its attachments map re-written from them and the body length fixed
 * up; the body head and the arguments are not touched, so {@code service}, {@code method},
 * {@code version} and {@code dubbo} cannot be changed this way (see {@link Attachments}).
 *
 * <p><b>Hessian2 safety.</b> The body comes from anyone who can connect, and hessian2 names
 * classes on the wire: a general deserializer (hessian-lite included, whatever its allow and deny
 * lists) instantiates them, which is how deserialization gadgets attack. The proxy needs five
 * leading strings and the string entries of the attachments map, so {@link Hessian2Reader} reads
 * only strings and steps over every other value by its encoding: it never loads or instantiates a
 * class, keeps no object graph, and has no dependency to keep patched. It follows hessian-lite's
 * grammar (checked against Dubbo's own encoder in the tests); non-string attachment values are
 * ignored.
 *
 * <p><b>Limits.</b> A body longer than {@link #MAX_BODY_LENGTH} (Dubbo's default {@code payload},
 * 8 MiB) or negative closes the connection, as does a bad magic or a request to be routed that is
 * not hessian2 (its body could not be read). Heartbeats are accepted in any serialization.
 *
 * <p>Stateless and thread-safe.
 */
public final class DubboProtocol implements XProtocol {
    public static final String NAME = "dubbo";

    static final int MAGIC = 0xdabb;
    static final int HEADER_LENGTH = 16;
    static final int FLAG_REQUEST = 0x80;
    static final int FLAG_TWO_WAY = 0x40;
    static final int FLAG_EVENT = 0x20;
    static final int SERIALIZATION_MASK = 0x1f;
    /** Hessian2's serialization id, the only one whose requests are routed. */
    public static final int HESSIAN2 = 2;
    /**
     * The longest body accepted: Dubbo's default {@code payload} limit (8 MiB), which Dubbo peers
     * enforce on what they send and receive, so nothing longer comes from a working peer.
     */
    public static final int MAX_BODY_LENGTH = 8 * 1024 * 1024;

    private static final byte HESSIAN2_NULL = 'N';
    /** Longer than any serialization's encoding of null: a longer event body is not echoed. */
    private static final int MAX_ECHOED_NULL = 16;

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Two bytes decide: 0xdabb starts no HTTP/1 method, no HTTP/2 preface ("PRI "), no bolt frame
     * (0x01, 0x02) and no tars packet (a 4-byte length that would be above 3 GiB). MOSN waits for
     * the whole 16-byte header, which only delays the answer: a dubbo client always sends at least
     * a header, and a connection whose first two bytes are 0xdabb is dubbo or nothing.
     */
    @Override
    public Detection detect(ByteBuf in) {
        int n = in.readableBytes();
        if (n == 0) {
            return Detection.NEED_MORE;
        }
        int r = in.readerIndex();
        if (in.getUnsignedByte(r) != MAGIC >>> 8) {
            return Detection.NO;
        }
        if (n < 2) {
            return Detection.NEED_MORE;
        }
        return in.getUnsignedByte(r + 1) == (MAGIC & 0xff) ? Detection.YES : Detection.NO;
    }

    @Override
    public XFrame decode(ByteBuf in) {
        int n = in.readableBytes();
        if (n < 2) {
            return null;
        }
        int r = in.readerIndex();
        int magic = in.getUnsignedShort(r);
        if (magic != MAGIC) {
            throw new XProtocolException("dubbo: bad magic 0x" + Integer.toHexString(magic) + " at offset 0");
        }
        if (n < HEADER_LENGTH) {
            return null;
        }
        int flag = in.getUnsignedByte(r + 2);
        int length = in.getInt(r + 12);
        if (length < 0 || length > MAX_BODY_LENGTH) {
            throw new XProtocolException("dubbo: bad body length " + length + " at offset 12 (limit "
                    + MAX_BODY_LENGTH + " bytes)");
        }
        int serialization = flag & SERIALIZATION_MASK;
        if ((flag & FLAG_REQUEST) != 0 && (flag & FLAG_EVENT) == 0 && serialization != HESSIAN2) {
            throw new XProtocolException("dubbo: serialization id " + serialization + " in flag 0x"
                    + Integer.toHexString(flag) + " at offset 2 is not supported (only hessian2, id 2)");
        }
        if (n - HEADER_LENGTH < length) {
            return null;
        }
        int status = in.getUnsignedByte(r + 3);
        long id = in.getLong(r + 4);
        ByteBuf body = in.retainedSlice(r + HEADER_LENGTH, length);
        in.skipBytes(HEADER_LENGTH + length);
        return new DubboFrame(flag, status, id, body);
    }

    /**
     * A new header with the frame's current id in front of its body, copied when short, else
     * shared; a request whose headers were read and changed gets its attachments re-written.
     *
     * @throws XProtocolException when the changed attachments would take the body past
     *     {@link #MAX_BODY_LENGTH}
     */
    @Override
    public ByteBuf encode(XFrame frame, ByteBufAllocator alloc) {
        return dubbo(frame).encode(alloc);
    }

    @Override
    public boolean encodeInto(XFrame frame, ByteBuf out) {
        return dubbo(frame).encodeInto(out);
    }

    private static DubboFrame dubbo(XFrame frame) {
        if (frame instanceof DubboFrame f) {
            return f;
        }
        throw new IllegalArgumentException("not a dubbo frame: " + frame);
    }

    @Override
    public boolean encodesInto() {
        return true;
    }

    @Override
    public PoolMode poolMode() {
        return PoolMode.MULTIPLEX;
    }

    /**
     * A response with the request's id, the status of MOSN's mapping for {@code error} and, as
     * Dubbo carries the message of every non-OK response, a hessian2 string body: MOSN's
     * {@code "<code>|<text>"}, with {@code message} as the text when given ({@code "404|router
     * unavailable"}, {@code "504|timeout"}). Always hessian2: only hessian2 requests are routed.
     */
    @Override
    public XFrame errorResponse(XFrame request, ProxyError error, String message) {
        int status;
        String text;
        switch (error) {
            case NO_ROUTE -> {
                status = DubboStatus.SERVICE_NOT_FOUND;
                text = "404|router unavailable";
            }
            case NO_HEALTHY_UPSTREAM -> {
                status = DubboStatus.SERVICE_NOT_FOUND;
                text = "502|no health upstream";
            }
            case OVERFLOW -> {
                status = DubboStatus.BAD_REQUEST;
                text = "503|upstream overflow";
            }
            case PAYLOAD_TOO_LARGE -> {
                status = DubboStatus.BAD_REQUEST;
                text = "413|request entity too large";
            }
            case TIMEOUT -> {
                status = DubboStatus.CLIENT_TIMEOUT;
                text = "504|timeout";
            }
            case PERMISSION_DENIED -> {
                status = DubboStatus.SERVER_ERROR;
                text = "403|permission denied";
            }
            case CODEC -> {
                status = DubboStatus.SERVICE_ERROR;
                text = "0|codec exception";
            }
            case DESERIALIZATION -> {
                status = DubboStatus.SERVICE_ERROR;
                text = "3|deserial exception";
            }
            default -> {
                status = DubboStatus.SERVICE_ERROR;
                text = "2|unknown";
            }
        }
        if (message != null && !message.isBlank()) {
            text = text.substring(0, text.indexOf('|') + 1) + message;
        }
        return new DubboFrame(HESSIAN2, status, request.requestId(), Unpooled.wrappedBuffer(Hessian2Writer.string(text)));
    }

    /**
     * An OK event response with the heartbeat's id and serialization. Its body is hessian2's null;
     * for another serialization it is the request's own (short) body, which Dubbo fills with that
     * serialization's null: the bytes a Dubbo peer compares a heartbeat body to.
     */
    @Override
    public XFrame heartbeatResponse(XFrame heartbeat) {
        int serialization = HESSIAN2;
        ByteBuf body = null;
        if (heartbeat instanceof DubboFrame f) {
            serialization = f.serializationId();
            if (serialization != HESSIAN2 && f.bodyLength() <= MAX_ECHOED_NULL) {
                body = Unpooled.copiedBuffer(f.body());
            }
        }
        if (body == null) {
            body = Unpooled.wrappedBuffer(new byte[] {HESSIAN2_NULL});
        }
        return new DubboFrame(FLAG_EVENT | serialization, DubboStatus.OK, heartbeat.requestId(), body);
    }

    /** A two-way heartbeat event with a hessian2 null body, as a Dubbo consumer sends when idle. */
    @Override
    public XFrame heartbeatRequest(long requestId) {
        return new DubboFrame(FLAG_REQUEST | FLAG_TWO_WAY | FLAG_EVENT | HESSIAN2, 0, requestId,
                Unpooled.wrappedBuffer(new byte[] {HESSIAN2_NULL}));
    }

    /** Dubbo's ids are 64-bit and wrap from the largest long to the smallest. */
    @Override
    public long nextRequestId(long previous) {
        return previous + 1;
    }
}
