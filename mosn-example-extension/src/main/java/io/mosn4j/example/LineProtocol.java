package io.mosn4j.example;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * {@code example_line}: a text RPC protocol of one line per message, to show what a protocol
 * module is. Requests {@code Q <id> <service> <payload>\n}, answers {@code A <id> <status>
 * <payload>\n}, heartbeats {@code H <id>\n} / {@code h <id>\n}; ids are decimal, 0 to 2^31-1.
 * The proxy routes requests on their {@code service} header, shares upstream connections among
 * all clients (renumbering ids), answers heartbeats, and renders its own errors as answers with a
 * non-zero status. Listeners name it like any protocol: {@code "downstream_protocol":
 * "example_line"}, or {@code Auto} recognises it by its {@code "Q "}.
 */
public final class LineProtocol implements XProtocol {
    static final int MAX_LINE = 64 * 1024;

    @Override
    public String name() {
        return "example_line";
    }

    @Override
    public Detection detect(ByteBuf in) {
        if (in.readableBytes() < 2) {
            return in.readableBytes() == 1 && in.getByte(in.readerIndex()) != 'Q' ? Detection.NO : Detection.NEED_MORE;
        }
        return in.getByte(in.readerIndex()) == 'Q' && in.getByte(in.readerIndex() + 1) == ' ' ? Detection.YES : Detection.NO;
    }

    @Override
    public XFrame decode(ByteBuf in) {
        int start = in.readerIndex();
        int eol = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_LINE), (byte) '\n');
        if (eol < 0) {
            if (in.readableBytes() >= MAX_LINE) {
                throw new XProtocolException("example_line: no end of line within " + MAX_LINE + " bytes at offset 0");
            }
            return null;
        }
        String line = in.toString(start, eol - start, StandardCharsets.UTF_8);
        in.readerIndex(eol + 1);
        String[] p = line.split(" ", 4);
        char kind = p[0].length() == 1 ? p[0].charAt(0) : '?';
        long id;
        try {
            id = p.length > 1 ? Long.parseLong(p[1]) : -1;
        } catch (NumberFormatException e) {
            throw new XProtocolException("example_line: id \"" + p[1] + "\" is not a number at offset 2");
        }
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new XProtocolException("example_line: bad or missing id at offset 2");
        }
        return switch (kind) {
            case 'Q' -> {
                if (p.length < 3) {
                    throw new XProtocolException("example_line: request without a service at offset 2");
                }
                yield new Line('Q', id, p[2], p.length > 3 ? p[3] : "");
            }
            case 'A' -> new Line('A', id, p.length > 2 ? p[2] : "0", p.length > 3 ? p[3] : "");
            case 'H', 'h' -> new Line(kind, id, "", "");
            default -> throw new XProtocolException("example_line: unknown message kind '" + p[0] + "' at offset 0");
        };
    }

    @Override
    public ByteBuf encode(XFrame frame, ByteBufAllocator alloc) {
        Line l = (Line) frame;
        String service = l.kind == 'Q' && l.headers != null && l.headers.isLoaded() ? l.headers.get("service") : l.word;
        StringBuilder b = new StringBuilder().append(l.kind).append(' ').append(l.id);
        if (l.kind == 'Q' || l.kind == 'A') {
            b.append(' ').append(service).append(' ').append(l.payload);
        }
        b.append('\n');
        ByteBuf out = alloc.buffer(b.length() * 2);
        out.writeCharSequence(b, StandardCharsets.UTF_8);
        return out;
    }

    @Override
    public PoolMode poolMode() {
        return PoolMode.MULTIPLEX;
    }

    /** The proxy's own answer: status 404 (no route), 502, 503, 504 ... and the error's name and message. */
    @Override
    public XFrame errorResponse(XFrame request, ProxyError error, String message) {
        return new Line('A', request.requestId(), Integer.toString(error.httpStatus()), error + ": " + (message == null ? "" : message));
    }

    @Override
    public XFrame heartbeatResponse(XFrame heartbeat) {
        return new Line('h', heartbeat.requestId(), "", "");
    }

    @Override
    public XFrame heartbeatRequest(long requestId) {
        return new Line('H', requestId, "", "");
    }

    @Override
    public long nextRequestId(long previous) {
        return (previous + 1) & Integer.MAX_VALUE;
    }

    /** One line. Holds no pooled buffer: decoding copied what it needs into strings. */
    static final class Line implements XFrame {
        final char kind;
        long id;
        /** A request's service, or an answer's status. */
        final String word;
        final String payload;
        Headers headers;

        Line(char kind, long id, String word, String payload) {
            this.kind = kind;
            this.id = id;
            this.word = word;
            this.payload = payload;
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
            return kind == 'Q' || kind == 'H';
        }

        @Override
        public boolean isHeartbeat() {
            return kind == 'H' || kind == 'h';
        }

        @Override
        public boolean isOneWay() {
            return false;
        }

        /** A request's {@code service} (a filter may change it: the upstream gets the new one). */
        @Override
        public Headers headers() {
            if (headers == null) {
                headers = Headers.lazy(this, h -> {
                    if (kind == 'Q') {
                        h.add("service", word);
                    }
                });
            }
            return headers;
        }

        @Override
        public int status() {
            if (kind != 'A') {
                return -1;
            }
            try {
                return Integer.parseInt(word);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public long payloadLength() {
            return payload.length();
        }

        @Override
        public void release() {
            // nothing pooled
        }
    }
}
