package io.mosn4j.upstream;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, a port of its own) for tests: answers A
 * queries for the names it is given with their IPv4 addresses (TTL 1 s), NXDOMAIN for others,
 * an empty answer for other query types; while {@link #mute} is on it answers nothing (the
 * resolver times out). Names and answers can change while it runs.
 */
public final class TinyDns implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<String, List<String>> records = new ConcurrentHashMap<>();
    private volatile boolean mute;
    public final AtomicInteger queries = new AtomicInteger();

    public TinyDns() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("tiny-dns").start(this::serve);
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Answers {@code name} with {@code ipv4s} from now on (none: NXDOMAIN). */
    public void set(String name, String... ipv4s) {
        String key = name.toLowerCase(Locale.ROOT);
        if (ipv4s.length == 0) {
            records.remove(key);
        } else {
            records.put(key, List.of(ipv4s));
        }
    }

    public void mute(boolean on) {
        mute = on;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                return; // closed
            }
            queries.incrementAndGet();
            if (mute) {
                continue;
            }
            try {
                byte[] answer = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
                if (answer != null) {
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                // a malformed query: no answer
            }
        }
    }

    private byte[] answer(ByteBuffer q) {
        int id = q.getShort() & 0xffff;
        q.getShort(); // flags
        int qd = q.getShort() & 0xffff;
        q.getShort();
        q.getShort();
        q.getShort();
        if (qd != 1) {
            return null;
        }
        int nameStart = q.position();
        StringBuilder name = new StringBuilder();
        int len;
        while ((len = q.get() & 0xff) != 0) {
            byte[] label = new byte[len];
            q.get(label);
            if (!name.isEmpty()) {
                name.append('.');
            }
            name.append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        int type = q.getShort() & 0xffff;
        int cls = q.getShort() & 0xffff;
        int questionEnd = q.position();
        List<String> ips = records.get(name.toString().toLowerCase(Locale.ROOT));
        boolean a = type == 1 && cls == 1;
        int count = ips != null && a ? ips.size() : 0;
        ByteBuffer out = ByteBuffer.allocate(512);
        out.putShort((short) id);
        int rcode = ips == null ? 3 : 0; // NXDOMAIN for names it does not know
        out.putShort((short) (0x8400 | rcode)); // a response, authoritative
        out.putShort((short) 1);
        out.putShort((short) count);
        out.putShort((short) 0);
        out.putShort((short) 0);
        out.put(q.array(), q.arrayOffset() + nameStart, questionEnd - nameStart);
        for (int i = 0; i < count; i++) {
            out.putShort((short) 0xc00c); // the question's name
            out.putShort((short) 1);
            out.putShort((short) 1);
            out.putInt(1); // TTL 1 s
            out.putShort((short) 4);
            for (String part : ips.get(i).split("\\.")) {
                out.put((byte) Integer.parseInt(part));
            }
        }
        byte[] r = new byte[out.position()];
        out.flip();
        out.get(r);
        return r;
    }
}
