package io.mosn4j.it;

import com.qq.tars.protocol.tars.TarsInputStream;
import com.qq.tars.protocol.tars.TarsOutputStream;
import io.mosn4j.it.TarsPackets.RequestPacket;
import io.mosn4j.it.TarsPackets.ResponsePacket;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small Tars server on 127.0.0.1: a thread per connection reads length-prefixed RequestPackets
 * (decoded with TarsJava's {@link TarsInputStream}) and answers ResponsePackets, from a scheduler so
 * that answers can come back late and out of order. Every answer carries {@code status["server"] =
 * name}. What it does is chosen by sFuncName:
 * <ul>
 *   <li>{@code hello}: a real Tars call, {@code String hello(int no, String name)}: the arguments are
 *       read from sBuffer (tags 1 and 2) and the result written at tag 0, {@code "NAME:hello NAME #NO"}
 *       (what TarsJava's Communicator expects);</li>
 *   <li>{@code whoami}: {@code String whoami()}, the result is the server's name;</li>
 *   <li>{@code nofunc}: iRet -3 (TARSSERVERNOFUNCERR) with an sResultDesc, as a Tars server answers
 *       an unknown function;</li>
 *   <li>{@code rst}: no answer; the connection is reset (SO_LINGER 0), with whatever else is in flight on it;</li>
 *   <li>{@code garbage}: HTTP/1.1 bytes instead of a ResponsePacket;</li>
 *   <li>anything else: sBuffer echoed byte for byte.</li>
 * </ul>
 * Context keys: {@code delay_ms} delays the answer, {@code jitter_ms} delays it by a random 0..N ms,
 * {@code hold=KEY} holds it until the test calls {@link #release} (at most 30 s; {@link #held} says it arrived).
 * One-way requests (cPacketType 1) are recorded and never answered.
 */
final class TarsEchoServer implements AutoCloseable {
    record Seen(RequestPacket packet, int remotePort, long atNanos) {}

    final String name;
    private final ServerSocket socket;
    private final ScheduledExecutorService scheduler;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger accepted = new AtomicInteger();
    final ConcurrentLinkedQueue<Seen> requests = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Seen> oneways = new ConcurrentLinkedQueue<>();
    final AtomicInteger answered = new AtomicInteger();
    /** Answers this server tried to write, whether or not the connection was still there to take them. */
    final AtomicInteger attempted = new AtomicInteger();
    /** Keys of the held requests that arrived. */
    final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

    TarsEchoServer(String name) throws IOException {
        this.name = name;
        this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().name("tars-" + name + "-answer-", 0).factory());
        Thread.ofPlatform().daemon().name("tars-" + name + "-accept").start(this::acceptLoop);
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Lets the request held as {@code key} be answered. */
    void release(String key) {
        gate(key).countDown();
    }

    private CountDownLatch gate(String key) {
        return gates.computeIfAbsent(key, k -> new CountDownLatch(1));
    }

    /** Connections open to this server right now. */
    int openConnections() {
        return (int) open.stream().filter(s -> !s.isClosed()).count();
    }

    /** The requests seen whose context says {@code tag=TAG}. */
    List<Seen> tagged(String tag) {
        return requests.stream().filter(s -> tag.equals(s.packet().context.get("tag"))).toList();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                open.add(s);
                Thread.ofPlatform().daemon().name("tars-" + name + "-conn-" + s.getPort()).start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            BufferedInputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            while (true) {
                byte[] fields = TarsPackets.readPacket(in);
                if (fields == null) {
                    return;
                }
                RequestPacket req = TarsPackets.request(fields);
                Seen seen = new Seen(req, s.getPort(), System.nanoTime());
                if (req.cPacketType == TarsPackets.ONEWAY) {
                    oneways.add(seen);
                    continue;
                }
                requests.add(seen);
                if (req.sFuncName.equals("rst")) {
                    s.setSoLinger(true, 0); // the close below resets the connection, in-flight answers and all
                    return;
                }
                if (req.sFuncName.equals("garbage")) {
                    write(out, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    continue; // and the connection stays open: the proxy must give up on it by itself
                }
                long delay = parse(req.context.get("delay_ms"));
                long jitter = parse(req.context.get("jitter_ms"));
                if (jitter > 0) {
                    delay += ThreadLocalRandom.current().nextLong(jitter + 1);
                }
                byte[] answer = answer(req).bytes();
                String hold = req.context.get("hold");
                if (hold != null) {
                    CountDownLatch gate = gate(hold);
                    held.add(hold);
                    Thread.ofVirtual().start(() -> {
                        try {
                            gate.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            return;
                        }
                        write(out, answer);
                    });
                } else if (delay <= 0) {
                    write(out, answer);
                } else {
                    scheduler.schedule(() -> write(out, answer), delay, TimeUnit.MILLISECONDS);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the peer went away, or sent something that is not a request: done with this connection
        } finally {
            open.remove(s);
        }
    }

    private ResponsePacket answer(RequestPacket req) {
        ResponsePacket resp = ResponsePacket.to(req);
        resp.status.put("server", name);
        switch (req.sFuncName) {
            case "hello" -> {
                TarsInputStream args = TarsPackets.stream(req.sBuffer);
                int no = args.read(0, 1, true);
                String who = args.readString(2, true);
                resp.sBuffer = result(name + ":hello " + who + " #" + no);
            }
            case "whoami" -> resp.sBuffer = result(name);
            case "nofunc" -> {
                resp.iRet = -3;
                resp.sResultDesc = "no function " + req.sFuncName + " in " + name;
            }
            default -> resp.sBuffer = req.sBuffer;
        }
        return resp;
    }

    /** A Tars function's result: the return value at tag 0. */
    private static byte[] result(String value) {
        TarsOutputStream os = new TarsOutputStream(0);
        os.setServerEncoding("UTF-8");
        os.write(value, 0);
        return os.toByteArray();
    }

    private void write(OutputStream out, byte[] packet) {
        attempted.incrementAndGet();
        try {
            synchronized (out) {
                out.write(packet);
                out.flush();
            }
            answered.incrementAndGet();
        } catch (IOException e) {
            // the proxy closed the connection: nothing to answer to
        }
    }

    private static long parse(String v) {
        return v == null ? 0 : Long.parseLong(v);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) {
            s.close();
        }
        scheduler.shutdownNow();
    }

    @Override
    public String toString() {
        return "TarsEchoServer{" + name + " port=" + port() + " accepted=" + accepted + " requests=" + requests.size() + "}";
    }

    /** A context map of the given keys and values. */
    static Map<String, String> ctx(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
