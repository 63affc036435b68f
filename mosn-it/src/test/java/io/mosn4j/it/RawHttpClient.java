package io.mosn4j.it;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One client TCP connection speaking HTTP/1.x byte by byte: for exact wire checks (pipelining,
 * HTTP/1.0, Expect, HEAD framing, keep-alive reuse). Every read has a socket timeout, so a proxy
 * that hangs fails the test instead of blocking it.
 */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    static RawHttpClient connect(int port) throws IOException {
        return connect(port, 15_000);
    }

    static RawHttpClient connect(int port, int readTimeoutMillis) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        s.setSoTimeout(readTimeoutMillis);
        return new RawHttpClient(s);
    }

    Socket socket() {
        return socket;
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    void setReadTimeout(int millis) throws SocketException {
        socket.setSoTimeout(millis);
    }

    RawHttpClient send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttpClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends a simple GET with keep-alive. */
    RawResponse get(String path, String host) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        return readResponse();
    }

    RawResponse get(String path) throws IOException {
        return get(path, "127.0.0.1");
    }

    RawResponse readResponse() throws IOException {
        return readResponse(false);
    }

    /** Reads one response; {@code toHead} means it answers a HEAD request (no body whatever the headers say). */
    RawResponse readResponse(boolean toHead) throws IOException {
        String statusLine = HttpWire.readLine(in);
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        HttpWire.Fields headers = HttpWire.readFields(in);
        byte[] body = new byte[0];
        HttpWire.Fields trailers = new HttpWire.Fields();
        boolean closeDelimited = false;
        boolean bodyless = toHead || status == 204 || status == 304 || (status >= 100 && status < 200);
        if (!bodyless) {
            if (HttpWire.isChunked(headers)) {
                HttpWire.ChunkedInput chunked = new HttpWire.ChunkedInput(in);
                body = chunked.readAllBytes();
                trailers = chunked.trailers();
            } else if (headers.contains("content-length")) {
                body = new HttpWire.FixedInput(in, HttpWire.contentLength(headers)).readAllBytes();
            } else {
                closeDelimited = true;
                body = in.readAllBytes();
            }
        }
        return new RawResponse(parts[0], status, parts.length > 2 ? parts[2] : "", headers, body, trailers, closeDelimited);
    }

    /** Reads the status line and headers only: the caller consumes the body from {@link #in()}. */
    RawResponse readHead() throws IOException {
        String statusLine = HttpWire.readLine(in);
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        HttpWire.Fields headers = HttpWire.readFields(in);
        return new RawResponse(parts[0], Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers, new byte[0],
                new HttpWire.Fields(), false);
    }

    /**
     * True when the peer closed the connection (EOF or reset) within {@code millis}, false if the
     * connection is still open and silent. Bytes that arrive instead fail the check.
     */
    boolean closedByPeerWithin(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("unexpected byte " + b + " on a connection expected to be idle or closed");
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // connection reset
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** A parsed response. */
    record RawResponse(String version, int status, String reason, HttpWire.Fields headers, byte[] body,
                       HttpWire.Fields trailers, boolean closeDelimited) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name);
        }

        boolean connectionClose() {
            String c = headers.get("connection");
            return c != null && c.toLowerCase(java.util.Locale.ROOT).contains("close");
        }

        @Override
        public String toString() {
            return version + " " + status + " " + reason + "\n" + headers + "\n" + (body.length > 300 ? body.length + " bytes" : bodyText());
        }
    }
}
