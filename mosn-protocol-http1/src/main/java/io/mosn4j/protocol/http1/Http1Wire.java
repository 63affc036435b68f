package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Writes HTTP/1.1 message heads and chunked framing straight from {@link Headers} into pooled
 * buffers. Parsing stays with Netty's decoders; writing is simple enough to do without building
 * Netty message objects and header maps for every request and response.
 *
 * <p>Header names and values come from a decoder that refused CR/LF, or from the proxy itself,
 * so they are written as they are (ISO-8859-1, one byte a char).
 */
final class Http1Wire {
    private static final ByteBuf CRLF = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(2).writeByte('\r').writeByte('\n').asReadOnly());
    private static final ByteBuf LAST_CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeBytes(new byte[] {'0', '\r', '\n', '\r', '\n'}).asReadOnly());
    private static final String[] STATUS_LINES_11 = new String[600];
    private static final String[] STATUS_LINES_10 = new String[600];

    static {
        for (int i = 100; i < 600; i++) {
            String reason = HttpResponseStatus.valueOf(i).reasonPhrase();
            STATUS_LINES_11[i] = "HTTP/1.1 " + i + " " + reason + "\r\n";
            STATUS_LINES_10[i] = "HTTP/1.0 " + i + " " + reason + "\r\n";
        }
    }

    /** Which framing headers the writer adds after the message's own end-to-end headers. */
    static final int CHUNKED = 1;
    static final int CONTENT_LENGTH_ZERO = 2;
    static final int CONNECTION_CLOSE = 4;
    static final int CONNECTION_KEEP_ALIVE = 8;
    static final int DROP_CONTENT_LENGTH = 16;

    private Http1Wire() {}

    static ByteBuf responseHead(ByteBufAllocator alloc, boolean http10, int status, Headers h, int framing) {
        String line = status >= 100 && status < 600 ? (http10 ? STATUS_LINES_10 : STATUS_LINES_11)[status]
                : (http10 ? "HTTP/1.0 " : "HTTP/1.1 ") + status + " Unknown\r\n";
        ByteBuf out = alloc.buffer(line.length() + size(h) + 64);
        ByteBufUtil.writeAscii(out, line);
        return finishHead(out, h, framing);
    }

    static ByteBuf requestHead(ByteBufAllocator alloc, String method, String path, String authority, Headers h, int framing) {
        ByteBuf out = alloc.buffer(method.length() + path.length() + size(h) + 80);
        ByteBufUtil.writeAscii(out, method);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, path);
        ByteBufUtil.writeAscii(out, " HTTP/1.1\r\n");
        if (authority != null) {
            header(out, "host", authority);
        }
        return finishHead(out, h, framing);
    }

    /** Chunk framing before {@code size} bytes of data. */
    static ByteBuf chunkHeader(ByteBufAllocator alloc, int size) {
        ByteBuf out = alloc.buffer(10);
        ByteBufUtil.writeAscii(out, Integer.toHexString(size));
        return out.writeByte('\r').writeByte('\n');
    }

    static ByteBuf crlf() {
        return CRLF.duplicate();
    }

    /** The zero-length chunk that ends a chunked body, with trailers when there are any. */
    static ByteBuf lastChunk(ByteBufAllocator alloc, Headers trailers) {
        if (trailers == null || trailers.isEmpty()) {
            return LAST_CHUNK.duplicate();
        }
        ByteBuf out = alloc.buffer(size(trailers) + 8);
        out.writeByte('0').writeByte('\r').writeByte('\n');
        for (int i = 0, n = trailers.size(); i < n; i++) {
            String name = trailers.name(i);
            if (!name.startsWith(":") && !Http1Headers.isHopByHop(name) && !name.equalsIgnoreCase("content-length")) {
                header(out, name, trailers.value(i));
            }
        }
        return out.writeByte('\r').writeByte('\n');
    }

    private static ByteBuf finishHead(ByteBuf out, Headers h, int framing) {
        boolean dropLength = (framing & (DROP_CONTENT_LENGTH | CHUNKED)) != 0;
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.name(i);
            if (name.startsWith(":") || Http1Headers.isHopByHop(name)) {
                continue;
            }
            if (dropLength && name.length() == 14 && name.equalsIgnoreCase("content-length")) {
                continue;
            }
            header(out, name, h.value(i));
        }
        if ((framing & CHUNKED) != 0) {
            ByteBufUtil.writeAscii(out, "transfer-encoding: chunked\r\n");
        }
        if ((framing & CONTENT_LENGTH_ZERO) != 0) {
            ByteBufUtil.writeAscii(out, "content-length: 0\r\n");
        }
        if ((framing & CONNECTION_CLOSE) != 0) {
            ByteBufUtil.writeAscii(out, "connection: close\r\n");
        } else if ((framing & CONNECTION_KEEP_ALIVE) != 0) {
            ByteBufUtil.writeAscii(out, "connection: keep-alive\r\n");
        }
        return out.writeByte('\r').writeByte('\n');
    }

    private static void header(ByteBuf out, String name, String value) {
        ByteBufUtil.writeAscii(out, name);
        out.writeByte(':').writeByte(' ');
        ByteBufUtil.writeAscii(out, value);
        out.writeByte('\r').writeByte('\n');
    }

    private static int size(Headers h) {
        int n = 0;
        for (int i = 0, s = h.size(); i < s; i++) {
            n += h.name(i).length() + h.value(i).length() + 4;
        }
        return n;
    }
}
