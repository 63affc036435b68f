package io.mosn4j.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte-level RPC upstream of one protocol ({@link RpcWire}), a thread per connection:
 * {@link Mode#ECHO} answers every two-way request at once with a small success, {@link Mode#MIRROR}
 * with a success carrying the request's payload back;
 * {@link Mode#STALLED} accepts connections and never reads them, so whatever is sent to it fills
 * the socket buffers and then the sender's; {@link Mode#SWALLOW} reads everything and answers nothing.
 */
final class RpcUpstream implements AutoCloseable {
    enum Mode { ECHO, MIRROR, STALLED, SWALLOW }

    private final ServerSocket socket;
    private final RpcWire wire;
    private final Mode mode;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    /** Requests answered (ECHO). */
    final AtomicInteger answered = new AtomicInteger();
    /** Bytes read (SWALLOW). */
    final AtomicLong swallowed = new AtomicLong();

    RpcUpstream(RpcWire wire, Mode mode) throws IOException {
        this.wire = wire;
        this.mode = mode;
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("rpc-upstream-" + wire.name() + "-" + mode).start(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                held.add(s);
                if (mode != Mode.STALLED) {
                    Thread.ofPlatform().daemon().start(() -> session(s));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            if (mode == Mode.SWALLOW) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    swallowed.addAndGet(n);
                }
                return;
            }
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8 * 1024);
            while (wire.echoOne(in, out, mode == Mode.MIRROR)) {
                answered.incrementAndGet();
            }
        } catch (IOException e) {
            // the proxy went away
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : held) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
