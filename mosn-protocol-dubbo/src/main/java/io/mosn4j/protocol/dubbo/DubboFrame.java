package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.Buffers;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One dubbo frame: the fields of its 16-byte header and its body. A decoded frame's body is a
 * retained slice of the bytes it was decoded from, forwarded as it is unless a request's headers
 * were changed (then its attachments are re-written, see {@link #headers()}).
 *
 * <p>{@link #headers()} returns a block that reads a request's routing keys from the body the
 * first time anything reads it (see {@link RequestHeaders}); responses and events have empty
 * headers. A body that is not a hessian2 dubbo request makes that read throw
 * {@link XProtocolException}, the same one on every read: the frame itself stays whole and can
 * still be answered with {@link DubboProtocol#errorResponse} ({@code DESERIALIZATION}, status 70).
 *
 * <p>Owned by one event loop at a time; not thread-safe. {@link #release()} frees the body.
 */
public final class DubboFrame implements XFrame {
    /** Bodies up to this size are copied next to a new header on encode; larger ones are shared. */
    private static final int COPY_MAX = 2048;
    /** Bodies shorter than this stay when the request has been sent. */
    static final int KEEP_BODY_BELOW = 1024;

    private final byte flag;
    private final byte status;
    private long requestId;
    private ByteBuf body;
    /** The body's length, kept when a sent request lets go of its body. */
    private final int bodyLength;
    private Headers headers;
    private XProtocolException bodyError;
    private boolean released;
    private boolean bodyReleased;

    /** Takes ownership of {@code body}. */
    DubboFrame(int flag, int status, long requestId, ByteBuf body) {
        this.flag = (byte) flag;
        this.status = (byte) status;
        this.requestId = requestId;
        this.body = body;
        this.bodyLength = body.readableBytes();
    }

    @Override
    public long requestId() {
        return requestId;
    }

    @Override
    public void setRequestId(long id) {
        this.requestId = id;
    }

    @Override
    public boolean isRequest() {
        return (flag & DubboProtocol.FLAG_REQUEST) != 0;
    }

    /**
     * True for every event frame. Dubbo sends heartbeats as events with a null body, and the only
     * other event (a provider's "readonly" notice on shutdown) is a connection matter as well:
     * neither is routed.
     */
    @Override
    public boolean isHeartbeat() {
        return isEvent();
    }

    @Override
    public boolean isOneWay() {
        return isRequest() && !isTwoWay();
    }

    public boolean isEvent() {
        return (flag & DubboProtocol.FLAG_EVENT) != 0;
    }

    /** Whether the two-way bit is set (meaningful on requests only). */
    public boolean isTwoWay() {
        return (flag & DubboProtocol.FLAG_TWO_WAY) != 0;
    }

    /** The serialization id in the flag's low five bits: 2 is hessian2. */
    public int serializationId() {
        return flag & DubboProtocol.SERIALIZATION_MASK;
    }

    /** The flag byte as it is on the wire. */
    public int flag() {
        return flag & 0xff;
    }

    /** The body's length in bytes. */
    public int bodyLength() {
        return bodyLength;
    }

    /**
     * A view of the body, valid until {@link #release()}; the caller must not release it.
     *
     * @throws IllegalStateException once a sent request let go of it ({@link #releasePayload()})
     */
    public ByteBuf body() {
        if (bodyReleased) {
            throw new IllegalStateException("dubbo request " + requestId + " body read after it was sent and released");
        }
        return body.duplicate();
    }

    /** Reads a request's routing keys into its block on first use; no state, so one for all frames. */
    private static final Headers.Loader REQUEST_HEADERS = h -> ((DubboFrame) h.message()).loadRequestHeaders(h);
    private static final Headers.Loader NO_HEADERS = h -> {};

    /**
     * A request's {@code service}, {@code method}, {@code version} and {@code dubbo} from its body
     * head, then its string attachments; empty for responses and events. Decoded when first read.
     *
     * <p>When a request's headers were read and changed, encoding writes its attachments back from
     * them: {@code service}, {@code method}, {@code version} and {@code dubbo} are the body head's
     * fields, the call's identity in its body, and changes to them are not written (nor are
     * attachments of those names changed); every other entry is an attachment, written in the
     * attachments map at the end of the body, the arguments untouched. See {@link Attachments} for
     * the exact rule. A response's changes are not written.
     */
    @Override
    public Headers headers() {
        if (headers == null) {
            headers = Headers.lazy(this, isRequest() && !isEvent() ? REQUEST_HEADERS : NO_HEADERS);
        }
        return headers;
    }

    private void loadRequestHeaders(Headers into) {
        if (bodyError != null) {
            throw bodyError; // the body was read once already: the same answer, without reading it again
        }
        if (released || bodyReleased) {
            throw new IllegalStateException("dubbo frame " + requestId + " read after release");
        }
        try {
            RequestHeaders.read(body, into);
        } catch (XProtocolException e) {
            bodyError = e;
            throw e;
        }
    }

    /** The body head's service path; null in a response or event. */
    @Override
    public String serviceName() {
        return headers().get("service");
    }

    /** The body head's method name; null in a response or event. */
    @Override
    public String methodName() {
        return headers().get("method");
    }

    @Override
    public int status() {
        return isRequest() ? -1 : status & 0xff;
    }

    @Override
    public int httpStatus() {
        return isRequest() ? -1 : DubboStatus.httpStatus(status & 0xff);
    }

    /**
     * A request copy for a mirror: the same body bytes (shared, retained), its own id, and the
     * header changes made so far; null once released or once its
     * payload went upstream and was let go ({@link #releasePayload()}).
     */
    @Override
    public DubboFrame copy() {
        if (released || bodyReleased || !isRequest() || isEvent()) {
            return null;
        }
        DubboFrame c = new DubboFrame(flag, status, requestId, body.retainedDuplicate());
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
            body.release();
        }
    }

    /**
     * A sent request decodes its headers if nothing read them yet (they live in the body: the head
     * strings and the attachments after the arguments), then lets go of its body and of the read
     * buffer it was a slice of. Bodies under {@value #KEEP_BODY_BELOW} bytes stay, and so does a
     * body whose headers cannot be decoded (nothing routed such a request; keep it as it was).
     */
    @Override
    public void releasePayload() {
        if (released || bodyReleased || !isRequest() || isEvent() || bodyLength < KEEP_BODY_BELOW) {
            return;
        }
        try {
            headers().size(); // loads them
        } catch (RuntimeException e) {
            return;
        }
        body.release();
        body = Unpooled.EMPTY_BUFFER;
        bodyReleased = true;
    }

    /**
     * This frame on the wire with its current request id; the body is copied or shared, not changed,
     * unless this is a request whose headers were read and changed: then its attachments are
     * re-written from them and the body length fixed up.
     */
    ByteBuf encode(ByteBufAllocator alloc) {
        checkEncodable();
        if (attachmentsChanged()) {
            Attachments.Splice splice = Attachments.rewrite(body, headers, alloc);
            if (splice != null) {
                return encode(splice, alloc);
            }
        }
        int len = body.readableBytes();
        if (len <= COPY_MAX) {
            ByteBuf out = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH + len);
            writeHeader(out, len);
            Buffers.append(out, body, body.readerIndex(), len);
            return out;
        }
        ByteBuf header = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH);
        writeHeader(header, len);
        return alloc.compositeBuffer(2).addComponents(true, header, body.retainedSlice());
    }

    /**
     * Appends this frame, as {@link #encode} writes it, to {@code out} when it is copied anyway
     * (unchanged, body up to the copy limit); false, {@code out} untouched, otherwise.
     */
    boolean encodeInto(ByteBuf out) {
        checkEncodable();
        int len = body.readableBytes();
        if (len > COPY_MAX || attachmentsChanged()) {
            return false;
        }
        writeHeader(out, len);
        Buffers.append(out, body, body.readerIndex(), len);
        return true;
    }

    private void checkEncodable() {
        if (released) {
            throw new IllegalStateException("dubbo frame " + requestId + " encoded after release");
        }
        if (bodyReleased) {
            throw new IllegalStateException("dubbo request " + requestId + " encoded after its body was sent and released");
        }
    }

    private boolean attachmentsChanged() {
        Headers h = headers;
        return h != null && isRequest() && !isEvent() && h.isLoaded() && h.isModified();
    }

    /** This frame with {@code splice} in its body; takes ownership of the splice's buffer. */
    private ByteBuf encode(Attachments.Splice splice, ByteBufAllocator alloc) {
        ByteBuf part = splice.bytes();
        int from = body.readerIndex();
        int tail = body.readableBytes() - splice.end();
        int len = splice.start() + part.readableBytes() + tail;
        if (len > DubboProtocol.MAX_BODY_LENGTH) {
            part.release();
            throw new XProtocolException("dubbo: the body with the changed attachments takes " + len
                    + " bytes, more than the limit of " + DubboProtocol.MAX_BODY_LENGTH);
        }
        if (len <= COPY_MAX) {
            try {
                ByteBuf out = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH + len);
                writeHeader(out, len);
                Buffers.append(out, body, from, splice.start());
                Buffers.append(out, part);
                Buffers.append(out, body, from + splice.end(), tail);
                return out;
            } finally {
                part.release();
            }
        }
        ByteBuf header = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH);
        writeHeader(header, len);
        CompositeByteBuf out = alloc.compositeBuffer(4).addComponents(true, header,
                body.retainedSlice(from, splice.start()), part);
        return tail == 0 ? out : out.addComponent(true, body.retainedSlice(from + splice.end(), tail));
    }

    private void writeHeader(ByteBuf out, int bodyLength) {
        out.writeShort(DubboProtocol.MAGIC);
        out.writeByte(flag);
        out.writeByte(status);
        out.writeLong(requestId);
        out.writeInt(bodyLength);
    }

    @Override
    public String toString() {
        return "DubboFrame{" + (isRequest() ? "request" : "response status " + status()) + (isEvent() ? " event" : "")
                + ", id " + requestId + ", serialization " + serializationId() + ", body " + (released ? "released"
                        : bodyLength + " bytes" + (bodyReleased ? " (sent, released)" : "")) + '}';
    }

    /** The bytes of the call's payload, for payload limits. */
    @Override
    public long payloadLength() {
        return bodyLength();
    }
}
