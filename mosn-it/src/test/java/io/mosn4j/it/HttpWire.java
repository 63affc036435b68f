package io.mosn4j.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Byte-level HTTP/1.1 parsing shared by the raw test client and the raw test server. */
final class HttpWire {
    static final int MAX_HEAD = 1 << 20;

    private HttpWire() {}

    /** A header block in wire order; names compared ignoring case. */
    static final class Fields {
        private final List<String[]> entries = new ArrayList<>();

        void add(String name, String value) {
            entries.add(new String[] {name, value});
        }

        String get(String name) {
            for (String[] e : entries) {
                if (e[0].equalsIgnoreCase(name)) {
                    return e[1];
                }
            }
            return null;
        }

        List<String> getAll(String name) {
            List<String> out = new ArrayList<>();
            for (String[] e : entries) {
                if (e[0].equalsIgnoreCase(name)) {
                    out.add(e[1]);
                }
            }
            return out;
        }

        boolean contains(String name) {
            return get(name) != null;
        }

        List<String> names() {
            List<String> out = new ArrayList<>();
            for (String[] e : entries) {
                out.add(e[0].toLowerCase(Locale.ROOT));
            }
            return out;
        }

        Map<String, String> asMap() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String[] e : entries) {
                m.putIfAbsent(e[0].toLowerCase(Locale.ROOT), e[1]);
            }
            return m;
        }

        boolean isEmpty() {
            return entries.isEmpty();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (String[] e : entries) {
                sb.append(e[0]).append(": ").append(e[1]).append('\n');
            }
            return sb.toString();
        }
    }

    /**
     * Reads one CRLF- (or LF-) terminated line as ISO-8859-1, without the terminator. Returns null
     * on EOF before any byte.
     */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        int b;
        int n = 0;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = buf.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            buf.write(b);
            if (++n > MAX_HEAD) {
                throw new IOException("line longer than " + MAX_HEAD + " bytes");
            }
        }
        if (buf.size() == 0) {
            return null;
        }
        throw new EOFException("EOF in the middle of a line: " + buf.toString(StandardCharsets.ISO_8859_1));
    }

    /** Reads header lines up to the empty line. */
    static Fields readFields(InputStream in) throws IOException {
        Fields f = new Fields();
        int total = 0;
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("EOF inside a header block");
            }
            if (line.isEmpty()) {
                return f;
            }
            total += line.length();
            if (total > MAX_HEAD) {
                throw new IOException("header block too large");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + line);
            }
            f.add(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
    }

    static boolean isChunked(Fields f) {
        String te = f.get("transfer-encoding");
        return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }

    static long contentLength(Fields f) {
        String cl = f.get("content-length");
        return cl == null ? -1 : Long.parseLong(cl.trim());
    }

    /** A body of exactly {@code length} bytes. */
    static final class FixedInput extends InputStream {
        private final InputStream in;
        private long remaining;

        FixedInput(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("connection closed with " + remaining + " body bytes missing");
            }
            remaining -= n;
            return n;
        }

        long remaining() {
            return remaining;
        }
    }

    /** A chunked body; {@link #trailers()} after EOF. */
    static final class ChunkedInput extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;
        private Fields trailers;
        private int chunks;

        ChunkedInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("connection closed before the next chunk");
                }
                int semi = sizeLine.indexOf(';');
                String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
                chunkLeft = Long.parseLong(hex, 16);
                if (chunkLeft == 0) {
                    trailers = readFields(in);
                    done = true;
                    return -1;
                }
                chunks++;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("connection closed inside a chunk");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                String crlf = readLine(in);
                if (crlf == null || !crlf.isEmpty()) {
                    throw new IOException("missing CRLF after chunk");
                }
            }
            return n;
        }

        Fields trailers() {
            return trailers == null ? new Fields() : trailers;
        }

        int chunks() {
            return chunks;
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
