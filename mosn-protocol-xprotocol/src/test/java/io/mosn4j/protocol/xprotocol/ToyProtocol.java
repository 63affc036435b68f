package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A protocol small enough to read in a test: magic 0xAB, kind byte, 4-byte id, 4-byte length,
 * then a UTF-8 body whose text before ':' is the "service" header. Kinds: 1 request, 2 response,
 * 3 heartbeat, 4 heartbeat ack, 5 one-way request, 6 error response (body = error name). A frame
 * whose body starts with "unencodable:" makes {@code encode} throw.
 */
final class ToyProtocol implements XProtocol {
    static final int REQUEST = 1, RESPONSE = 2, HEARTBEAT = 3, HEARTBEAT_ACK = 4, ONEWAY = 5, ERROR = 6;

    static ByteBuf frame(int kind, long id, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeByte(0xAB).writeByte(kind).writeInt((int) id).writeInt(b.length).writeBytes(b);
    }

    static final class Frame implements XFrame {
        final int kind;
        long id;
        final ByteBuf body;
        private Headers headers;
        /** Whether the framework said the request was sent ({@link #releasePayload}). */
        boolean payloadReleased;

        Frame(int kind, long id, ByteBuf body) {
            this.kind = kind;
            this.id = id;
            this.body = body;
        }

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }

        @Override
        public long requestId() {
            return id;
        }

        @Override
        public void setRequestId(long id) {
            this.id = id;
        }

        @Override
        public boolean isRequest() {
            return kind == REQUEST || kind == HEARTBEAT || kind == ONEWAY;
        }

        @Override
        public boolean isHeartbeat() {
            return kind == HEARTBEAT || kind == HEARTBEAT_ACK;
        }

        @Override
        public boolean isOneWay() {
            return kind == ONEWAY;
        }

        @Override
        public Headers headers() {
            if (headers == null) {
                headers = new Headers();
                String t = text();
                int colon = t.indexOf(':');
                headers.add("service", colon < 0 ? t : t.substring(0, colon));
                headers.setMessage(this);
            }
            return headers;
        }

        @Override
        public int status() {
            return kind == ERROR ? 1 : kind == RESPONSE ? 0 : -1;
        }

        @Override
        public void releasePayload() {
            payloadReleased = true;
        }

        @Override
        public void release() {
            if (body.refCnt() > 0) {
                body.release();
            }
        }
    }

    @Override
    public String name() {
        return "toy";
    }

    @Override
    public Detection detect(ByteBuf in) {
        return in.readableBytes() < 1 ? Detection.NEED_MORE : in.getUnsignedByte(in.readerIndex()) == 0xAB ? Detection.YES : Detection.NO;
    }

    @Override
    public XFrame decode(ByteBuf in) {
        if (in.readableBytes() < 10) {
            return null;
        }
        int i = in.readerIndex();
        if (in.getUnsignedByte(i) != 0xAB) {
            throw new XProtocolException("toy: bad magic at offset 0");
        }
        int kind = in.getByte(i + 1);
        int len = in.getInt(i + 6);
        if (len < 0 || len > 1 << 20) {
            throw new XProtocolException("toy: bad length " + len + " at offset 6");
        }
        if (in.readableBytes() < 10 + len) {
            return null;
        }
        long id = in.getUnsignedInt(i + 2);
        in.skipBytes(10);
        return new Frame(kind, id, in.readRetainedSlice(len));
    }

    @Override
    public ByteBuf encode(XFrame frame, ByteBufAllocator alloc) {
        Frame f = (Frame) frame;
        if (f.text().startsWith("unencodable:")) {
            throw new XProtocolException("toy: cannot encode " + f.text());
        }
        return alloc.buffer().writeByte(0xAB).writeByte(f.kind).writeInt((int) f.id).writeInt(f.body.readableBytes())
                .writeBytes(f.body, f.body.readerIndex(), f.body.readableBytes());
    }

    @Override
    public PoolMode poolMode() {
        return PoolMode.MULTIPLEX;
    }

    @Override
    public XFrame errorResponse(XFrame request, ProxyError error, String message) {
        return new Frame(ERROR, request.requestId(), Unpooled.copiedBuffer(error.name() + "|" + message, StandardCharsets.UTF_8));
    }

    @Override
    public XFrame heartbeatRequest(long requestId) {
        return new Frame(HEARTBEAT, requestId, Unpooled.EMPTY_BUFFER);
    }

    @Override
    public XFrame heartbeatResponse(XFrame heartbeat) {
        return new Frame(HEARTBEAT_ACK, heartbeat.requestId(), Unpooled.EMPTY_BUFFER);
    }
}
