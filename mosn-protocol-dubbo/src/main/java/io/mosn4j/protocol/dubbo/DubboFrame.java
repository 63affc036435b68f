package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One dubbo frame: the fields of its 16-byte header and its body, which is never changed. A
 * decoded frame's body is a retained slice of the bytes it was decoded from.
 *
 * <p>{@link #headers()} reads a request's routing keys from the body the first time it is
 * called (see {@link RequestHeaders}); responses and events have empty headers. A body that is
 * not a hessian2 dubbo request makes {@code headers()} throw {@link XProtocolException}, the same
 * one on every call: the frame itself stays whole and can still be answered with
 * {@link DubboProtocol#errorResponse} ({@code DESERIALIZATION}, status 70).
 *
 * <p>Owned by one event loop at a time; not thread-safe. {@link #release()} frees the body.
 */
public final class DubboFrame implements XFrame {
    /** Bodies up to this size are copied next to a new header on encode; larger ones are shared. */
    private static final int COPY_MAX = 2048;

    private final byte flag;
    private final byte status;
    private long requestId;
    private final ByteBuf body;
    private Headers headers;
    private XProtocolException bodyError;
    private boolean released;

    /** Takes ownership of {@code body}. */
    DubboFrame(int flag, int status, long requestId, ByteBuf body) {
        this.flag = (byte) flag;
        this.status = (byte) status;
        this.requestId = requestId;
        this.body = body;
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
        return body.readableBytes();
    }

    /** A view of the body, valid until {@link #release()}; the caller must not release it. */
    public ByteBuf body() {
        return body.duplicate();
    }

    @Override
    public Headers headers() {
        if (headers != null) {
            return headers;
        }
        if (bodyError != null) {
            throw bodyError;
        }
        if (released) {
            throw new IllegalStateException("dubbo frame " + requestId + " read after release");
        }
        Headers h;
        if (isRequest() && !isEvent()) {
            try {
                h = RequestHeaders.read(body);
            } catch (XProtocolException e) {
                bodyError = e;
                throw e;
            }
        } else {
            h = new Headers(4);
        }
        h.setMessage(this);
        headers = h;
        return h;
    }

    @Override
    public int status() {
        return isRequest() ? -1 : status & 0xff;
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            body.release();
        }
    }

    /** This frame on the wire with its current request id; the body is copied or shared, not changed. */
    ByteBuf encode(ByteBufAllocator alloc) {
        if (released) {
            throw new IllegalStateException("dubbo frame " + requestId + " encoded after release");
        }
        int len = body.readableBytes();
        if (len <= COPY_MAX) {
            ByteBuf out = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH + len);
            writeHeader(out, len);
            out.writeBytes(body, body.readerIndex(), len);
            return out;
        }
        ByteBuf header = alloc.ioBuffer(DubboProtocol.HEADER_LENGTH);
        writeHeader(header, len);
        return alloc.compositeBuffer(2).addComponents(true, header, body.retainedSlice());
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
                        : body.readableBytes() + " bytes") + '}';
    }

    /** The bytes of the call's payload, for payload limits. */
    @Override
    public long payloadLength() {
        return bodyLength();
    }
}
