package io.mosn4j.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking HTTP/1.1 backend on a plain {@link ServerSocket}, one thread per connection, for
 * byte-level tricks: sleep before headers, reset mid-body, read slowly, write arbitrary bytes.
 * The handler gets an {@link Exchange} per request; the connection is kept alive unless the
 * request or the handler says otherwise.
 */
final class RawHttpServer implements AutoCloseable {

    interface Handler {
        void handle(Exchange ex) throws Exception;
    }

    /** What the server saw of a request (headers in wire order). */
    record Seen(String method, String uri, String version, HttpWire.Fields headers, int connection) {}

    private final String name;
    private final ServerSocket server;
    private final Handler handler;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger connections = new AtomicInteger();
    /** The most connections that were open at once. */
    final AtomicInteger peakOpen = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    private RawHttpServer(String name, Handler handler) throws IOException {
        this.name = name;
        this.handler = handler;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("raw-backend-" + name).start(this::acceptLoop);
    }

    static RawHttpServer start(String name, Handler handler) throws IOException {
        return new RawHttpServer(name, handler);
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            int id = connections.incrementAndGet();
            open.add(s);
            peakOpen.accumulateAndGet(open.size(), Math::max);
            Thread.ofPlatform().daemon().name("raw-backend-" + name + "-" + id).start(() -> serve(s, id));
        }
    }

    private void serve(Socket s, int id) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            while (!closed) {
                String line;
                try {
                    line = HttpWire.readLine(in);
                } catch (IOException e) {
                    return;
                }
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    continue; // tolerated CRLF between requests
                }
                String[] parts = line.split(" ");
                if (parts.length != 3) {
                    return;
                }
                HttpWire.Fields headers = HttpWire.readFields(in);
                requests.incrementAndGet();
                seen.add(new Seen(parts[0], parts[1], parts[2], headers, id));
                Exchange ex = new Exchange(parts[0], parts[1], parts[2], headers, s, in, out, id);
                handler.handle(ex);
                if (ex.closed) {
                    return;
                }
                out.flush();
                if (!ex.keepAlive) {
                    s.shutdownOutput();
                    in.skip(Long.MAX_VALUE);
                    return;
                }
                ex.drainBody();
            }
        } catch (Exception e) {
            // the peer went away or the handler ended the connection: nothing to report
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One request on a connection. */
    static final class Exchange {
        final String method;
        final String uri;
        final String version;
        final HttpWire.Fields headers;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final int connection;
        boolean keepAlive;
        boolean closed;
        private InputStream body;

        Exchange(String method, String uri, String version, HttpWire.Fields headers, Socket socket, InputStream in,
                 OutputStream out, int connection) {
            this.method = method;
            this.uri = uri;
            this.version = version;
            this.headers = headers;
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.connection = connection;
            String conn = headers.get("connection");
            boolean http10 = version.equals("HTTP/1.0");
            keepAlive = http10 ? conn != null && conn.toLowerCase(Locale.ROOT).contains("keep-alive")
                    : conn == null || !conn.toLowerCase(Locale.ROOT).contains("close");
        }

        /** The request body, de-chunked. */
        InputStream body() {
            if (body == null) {
                if (HttpWire.isChunked(headers)) {
                    body = new HttpWire.ChunkedInput(in);
                } else {
                    long cl = HttpWire.contentLength(headers);
                    body = new HttpWire.FixedInput(in, Math.max(cl, 0));
                }
            }
            return body;
        }

        byte[] readBody() throws IOException {
            return body().readAllBytes();
        }

        /** Trailers of a chunked body, after it was read to the end. */
        HttpWire.Fields trailers() {
            return body instanceof HttpWire.ChunkedInput c ? c.trailers() : new HttpWire.Fields();
        }

        void drainBody() throws IOException {
            InputStream b = body();
            byte[] buf = new byte[8192];
            while (b.read(buf) >= 0) {
                // discard
            }
        }

        void write(String ascii) throws IOException {
            write(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
        }

        void write(byte[] bytes, int off, int len) throws IOException {
            out.write(bytes, off, len);
        }

        void flush() throws IOException {
            out.flush();
        }

        /** A complete response with content-length; reads the request body first. */
        void respond(int status, Map<String, String> extraHeaders, byte[] bodyBytes, String... rawHeaderLines) throws IOException {
            drainBody();
            StringBuilder sb = new StringBuilder();
            sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
            for (var e : extraHeaders.entrySet()) {
                sb.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
            }
            for (String line : rawHeaderLines) {
                sb.append(line).append("\r\n");
            }
            boolean bodyless = status == 204 || status == 304 || method.equals("HEAD");
            boolean hasLength = extraHeaders.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("content-length"));
            if (!hasLength && status != 204 && status != 304) {
                sb.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
            }
            if (!keepAlive) {
                sb.append("Connection: close\r\n");
            }
            sb.append("\r\n");
            write(sb.toString());
            if (!bodyless) {
                write(bodyBytes);
            }
            flush();
        }

        void respond(int status, String text) throws IOException {
            respond(status, Map.of("Content-Type", "text/plain"), text.getBytes(StandardCharsets.UTF_8));
        }

        /** Aborts the connection with a TCP RST (SO_LINGER 0). */
        void reset() throws IOException {
            closed = true;
            out.flush();
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Closes the connection after what was written (FIN). */
        void closeConnection() throws IOException {
            closed = true;
            out.flush();
            socket.close();
        }

        static String reason(int status) {
            return switch (status) {
                case 100 -> "Continue";
                case 200 -> "OK";
                case 201 -> "Created";
                case 204 -> "No Content";
                case 304 -> "Not Modified";
                case 400 -> "Bad Request";
                case 404 -> "Not Found";
                case 500 -> "Internal Server Error";
                default -> "Status";
            };
        }
    }
}
