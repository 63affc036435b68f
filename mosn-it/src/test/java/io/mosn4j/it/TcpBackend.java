package io.mosn4j.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A raw TCP backend on 127.0.0.1, one thread per connection running {@link Session}. */
final class TcpBackend implements AutoCloseable {

    interface Session {
        void run(Socket socket, InputStream in, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private TcpBackend(String name, Session session) throws IOException {
        server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("tcp-backend-" + name).start(() -> {
            while (!closed) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                connections.incrementAndGet();
                open.add(s);
                Thread.ofPlatform().daemon().name("tcp-backend-" + name + "-conn").start(() -> {
                    try (s) {
                        s.setTcpNoDelay(true);
                        session.run(s, s.getInputStream(), s.getOutputStream());
                    } catch (IOException ignored) {
                        // peer went away
                    } finally {
                        open.remove(s);
                    }
                });
            }
        });
    }

    static TcpBackend start(String name, Session session) throws IOException {
        return new TcpBackend(name, session);
    }

    /** Echoes every byte; on EOF half-closes its side too. Greets with {@code greeting} first if not null. */
    static TcpBackend echo(String name, String greeting) throws IOException {
        return echo(name, greeting, false);
    }

    /**
     * Echoes every byte. With {@code reportAfterEof}, once the client half-closed it waits 200 ms
     * and then still writes {@code "[eof after N bytes]"}: proof that the way back stays open.
     */
    static TcpBackend echo(String name, String greeting, boolean reportAfterEof) throws IOException {
        return start(name, (s, in, out) -> {
            if (greeting != null) {
                out.write(greeting.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                total += n;
            }
            out.flush();
            if (reportAfterEof) {
                MosnProcess.sleep(200);
                out.write(eofReport(total).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            s.shutdownOutput();
        });
    }

    static String eofReport(long bytes) {
        return "[eof after " + bytes + " bytes]";
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
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
    }
}
