package io.mosn4j.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 in front of {@code target} that forwards bytes untouched both ways and
 * reads the dubbo frame headers going past: it counts connections and frames, and records event
 * frames (heartbeats) per direction, so a test can see what crossed a hop.
 */
final class DubboTap implements AutoCloseable {
    /** The header fields of one frame seen; {@code toTarget} tells the direction. */
    record Seen(boolean toTarget, int flag, int status, long id) {
        boolean isRequest() {
            return (flag & DubboWire.FLAG_REQUEST) != 0;
        }

        boolean isEvent() {
            return (flag & DubboWire.FLAG_EVENT) != 0;
        }
    }

    private final String name;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger requestsToTarget = new AtomicInteger();
    final AtomicInteger responsesFromTarget = new AtomicInteger();
    /** Event frames (heartbeats and other dubbo events), both directions, in arrival order. */
    final List<Seen> events = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    DubboTap(String name, int targetPort) throws IOException {
        this.name = name;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("dubbo-tap-" + name).start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    List<Seen> events(boolean toTarget) {
        return events.stream().filter(e -> e.toTarget() == toTarget).toList();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket down;
            try {
                down = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.incrementAndGet();
            sockets.add(down);
            Thread.ofPlatform().daemon().name("dubbo-tap-" + name + "-conn").start(() -> relay(down));
        }
    }

    private void relay(Socket down) {
        try (down; Socket up = new Socket()) {
            sockets.add(up);
            down.setTcpNoDelay(true);
            up.setTcpNoDelay(true);
            up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
            Thread back = Thread.ofPlatform().daemon().name("dubbo-tap-" + name + "-back")
                    .start(() -> pump(up, down, false));
            pump(down, up, true);
            back.join(30_000);
        } catch (IOException | InterruptedException e) {
            // the peer went away: nothing to relay
        } finally {
            open.decrementAndGet();
            sockets.remove(down);
        }
    }

    /** Copies {@code from} to {@code to} until EOF, parsing dubbo headers as they pass. */
    private void pump(Socket from, Socket to, boolean toTarget) {
        Parser parser = new Parser(toTarget);
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                parser.feed(buf, n);
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close(); // a reset on one side becomes a close on the other
                from.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Follows frame boundaries in one direction; gives up on bytes that are not dubbo. */
    private final class Parser {
        private final boolean toTarget;
        private final byte[] header = new byte[DubboWire.HEADER];
        private int headerFill;
        private long bodyLeft;
        private boolean lost;

        Parser(boolean toTarget) {
            this.toTarget = toTarget;
        }

        void feed(byte[] b, int n) {
            int i = 0;
            while (i < n && !lost) {
                if (bodyLeft > 0) {
                    int skip = (int) Math.min(bodyLeft, n - i);
                    bodyLeft -= skip;
                    i += skip;
                    continue;
                }
                header[headerFill++] = b[i++];
                if (headerFill == DubboWire.HEADER) {
                    headerFill = 0;
                    onHeader();
                }
            }
        }

        private void onHeader() {
            java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header);
            if ((h.getShort() & 0xffff) != DubboWire.MAGIC) {
                lost = true;
                return;
            }
            int flag = h.get() & 0xff;
            int status = h.get() & 0xff;
            long id = h.getLong();
            bodyLeft = h.getInt() & 0xffffffffL;
            Seen s = new Seen(toTarget, flag, status, id);
            if (s.isEvent()) {
                events.add(s);
            } else if (toTarget && s.isRequest()) {
                requestsToTarget.incrementAndGet();
            } else if (!toTarget && !s.isRequest()) {
                responsesFromTarget.incrementAndGet();
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
