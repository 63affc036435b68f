package io.mosn4j.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An RPC upstream that reads the first {@code headerBytes} of a request and then breaks the
 * connection: {@link Mode#RST} resets it (SO_LINGER 0), {@link Mode#GARBAGE} answers with bytes
 * of no RPC protocol (an HTTP response) and keeps the connection open until the proxy closes it.
 */
final class BrokenUpstream implements AutoCloseable {
    enum Mode { RST, GARBAGE }

    private final ServerSocket socket;
    private final Mode mode;
    private final int headerBytes;
    final AtomicInteger accepted = new AtomicInteger();
    /** Requests that reached this upstream (their first bytes were read). */
    final AtomicInteger broken = new AtomicInteger();

    BrokenUpstream(Mode mode, int headerBytes) throws IOException {
        this.mode = mode;
        this.headerBytes = headerBytes;
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("broken-upstream-" + mode).start(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                Thread.ofPlatform().daemon().start(() -> breakIt(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void breakIt(Socket s) {
        try (s) {
            s.setSoTimeout(30_000);
            if (s.getInputStream().readNBytes(headerBytes).length < headerBytes) {
                return;
            }
            broken.incrementAndGet();
            if (mode == Mode.GARBAGE) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                // the proxy must give up on these bytes without waiting for a close: it closes
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
            } else {
                s.setSoLinger(true, 0);
            }
        } catch (IOException e) {
            // done either way
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
