package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.HeaderTokens;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Writes HTTP/1.1 message heads and chunked framing straight from {@link Headers} into pooled
 * buffers (through a per-thread array: {@link Head}), without building Netty message objects and
 * header maps for every request and response (the decoders read common heads the same way:
 * {@link HeadReader}).
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
        return responseHead(alloc, http10, status, h, framing, 0);
    }

    /** The response head in a buffer with {@code room} bytes to spare after it (a small body to follow). */
    static ByteBuf responseHead(ByteBufAllocator alloc, boolean http10, int status, Headers h, int framing, int room) {
        String line = status >= 100 && status < 600 ? (http10 ? STATUS_LINES_10 : STATUS_LINES_11)[status]
                : (http10 ? "HTTP/1.0 " : "HTTP/1.1 ") + status + " Unknown\r\n";
        Head out = Head.start();
        out.ascii(line);
        return finishHead(out, h, framing).copyTo(alloc, room);
    }

    static ByteBuf requestHead(ByteBufAllocator alloc, String method, String path, String authority, Headers h, int framing) {
        Head out = Head.start();
        out.ascii(method);
        out.ascii(" ");
        out.ascii(path);
        out.ascii(" HTTP/1.1\r\n");
        if (authority != null) {
            out.header("host", authority);
        }
        return finishHead(out, h, framing).copyTo(alloc);
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
        Head out = Head.start();
        out.ascii("0\r\n");
        for (int i = 0, n = trailers.size(); i < n; i++) {
            String name = trailers.name(i);
            if (!name.startsWith(":") && !Http1Headers.isHopByHop(name) && !HeaderTokens.equalsIgnoreCase(name, "content-length")) {
                out.header(name, trailers.value(i));
            }
        }
        out.ascii("\r\n");
        return out.copyTo(alloc);
    }

    private static Head finishHead(Head out, Headers h, int framing) {
        boolean dropLength = (framing & (DROP_CONTENT_LENGTH | CHUNKED)) != 0;
        if (h.pendingLoader() instanceof HeadFields fields) {
            fields.write(out, dropLength); // the other side's fields that nothing read whole or changed, as they came
        } else {
            for (int i = 0, n = h.size(); i < n; i++) {
                String name = h.name(i);
                if (name.startsWith(":") || Http1Headers.isHopByHop(name)) {
                    continue;
                }
                if (dropLength && name.length() == 14 && HeaderTokens.equalsIgnoreCase(name, "content-length")) {
                    continue;
                }
                out.header(name, h.value(i));
            }
        }
        if ((framing & CHUNKED) != 0) {
            out.ascii("transfer-encoding: chunked\r\n");
        }
        if ((framing & CONTENT_LENGTH_ZERO) != 0) {
            out.ascii("content-length: 0\r\n");
        }
        if ((framing & CONNECTION_CLOSE) != 0) {
            out.ascii("connection: close\r\n");
        } else if ((framing & CONNECTION_KEEP_ALIVE) != 0) {
            out.ascii("connection: keep-alive\r\n");
        }
        out.ascii("\r\n");
        return out;
    }

    /**
     * A message head being written: into this thread's own array, which stays in the core's cache
     * (the loop writes a head or two every request), then copied into its pooled buffer in one
     * bulk copy, not a byte at a time into pooled memory that has often left the cache since it
     * was last freed.
     */
    static final class Head {
        private static final FastThreadLocal<Head> LOCAL = new FastThreadLocal<>() {
            @Override
            protected Head initialValue() {
                return new Head();
            }
        };
        /** A head this long (a client's huge cookie) gets an array of its own, not kept for the next one. */
        private static final int KEPT = 16 * 1024;

        private byte[] bytes = new byte[1024];
        private int length;

        static Head start() {
            Head h = LOCAL.get();
            h.length = 0;
            return h;
        }

        /**
         * String's own {@code coder} field, or null. It tells a string whose chars are all 0xFF or
         * below, which the JDK then keeps one byte a char (Latin-1, coder 0): the strings a decoder
         * makes of the bytes it read always are. Such a string's bytes are copied in one go, ~5x
         * faster than char by char for a typical response head (the char loop was ~5-10% of the
         * event loops' user time under keep-alive load). Null, and every string goes char by char,
         * when {@code java.lang} is not opened to mosn4j ({@code bin/mosn} opens it), or the field
         * does not read as it does from JDK 9 to 25 (checked here, not assumed; with
         * {@code -XX:-CompactStrings} every string has coder 1).
         */
        private static final VarHandle CODER = coder();

        private static VarHandle coder() {
            try {
                VarHandle h = MethodHandles.privateLookupIn(String.class, MethodHandles.lookup())
                        .findVarHandle(String.class, "coder", byte.class);
                return (byte) h.get("a") == 0 && (byte) h.get("\u0100") == 1 ? h : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        /** Whether Latin-1 strings are copied in one go ({@link #CODER} readable). */
        static boolean bulkLatin1() {
            return CODER != null;
        }

        /** {@code s} one byte a char, as Netty's {@code writeAscii} writes it: a char above 0xFF as {@code ?}. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): each char's low byte, exact for Latin-1
        void ascii(String s) {
            int n = s.length();
            byte[] b = room(n);
            int at = length;
            if (CODER != null && (byte) CODER.get(s) == 0) {
                s.getBytes(0, n, b, at);
            } else {
                for (int i = 0; i < n; i++) {
                    b[at + i] = AsciiString.c2b(s.charAt(i));
                }
            }
            length = at + n;
        }

        /** {@code a[from, to)} as it is; nothing when {@code to <= from}. */
        void bytes(byte[] a, int from, int to) {
            int n = to - from;
            if (n > 0) {
                System.arraycopy(a, from, room(n), length, n);
                length += n;
            }
        }

        void header(String name, String value) {
            ascii(name);
            ascii(": ");
            ascii(value);
            ascii("\r\n");
        }

        private byte[] room(int more) {
            if (bytes.length - length < more) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
            return bytes;
        }

        ByteBuf copyTo(ByteBufAllocator alloc) {
            return copyTo(alloc, 0);
        }

        ByteBuf copyTo(ByteBufAllocator alloc, int room) {
            ByteBuf out = alloc.buffer(length + room);
            out.writeBytes(bytes, 0, length);
            if (bytes.length > KEPT) {
                bytes = new byte[1024];
            }
            return out;
        }
    }
}
