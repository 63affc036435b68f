package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tcp_proxy} between plain TCP sockets on epoll moves bytes with splice(2): large transfers
 * arrive intact both ways at once, each side's half-close reaches the other only after its bytes,
 * a client that reads nothing holds the upstream back (the pipe bounds what waits in the proxy),
 * bytes moving count as activity for {@code idle_timeout}; a TLS listener, which cannot splice,
 * relays as before (by buffers).
 */
class TcpProxySpliceTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "listeners": [
                  {"name": "duplex", "address": "127.0.0.1:${DUPLEX}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "duplex"}}]}]},
                  {"name": "upfirst", "address": "127.0.0.1:${UPFIRST}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "upfirst"}}]}]},
                  {"name": "firehose", "address": "127.0.0.1:${FIREHOSE}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "firehose"}}]}]},
                  {"name": "busy", "address": "127.0.0.1:${BUSY}", "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "echo", "idle_timeout": "1s"}}]}]},
                  {"name": "tls", "address": "127.0.0.1:${TLS}", "filter_chains": [{"tls_context": ${SERVER_TLS},
                    "filters": [{"type": "tcp_proxy", "config": {"cluster": "echo"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "duplex", "hosts": [{"address": "${DUPLEX_BACKEND}"}]},
                {"name": "upfirst", "hosts": [{"address": "${UPFIRST_BACKEND}"}]},
                {"name": "firehose", "hosts": [{"address": "${FIREHOSE_BACKEND}"}]},
                {"name": "echo", "hosts": [{"address": "${ECHO_BACKEND}"}]}
              ]}
            }
            """;

    static final long BIG = 64L << 20;
    static final long FIREHOSE_BYTES = 256L << 20;

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TcpBackend duplex;
    static TcpBackend upfirst;
    static TcpBackend firehose;
    static TcpBackend echo;
    static MosnProcess mosn;
    /** The same config in a process told not to splice ({@code -Dmosn4j.splice=false}): the buffer relay, for comparison. */
    static MosnProcess copying;
    static Ports splice;
    static Ports copy;
    /** What the duplex backend received per connection: byte count and SHA-256. */
    static final BlockingQueue<String> duplexReceived = new ArrayBlockingQueue<>(16);
    static final BlockingQueue<Long> upfirstReceived = new ArrayBlockingQueue<>(16);
    static final AtomicLong firehoseSent = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "splice-ca");
        TestCerts.Issued front = certs.server("mosn.example.com");
        // sends BIG bytes of seed 2 and half-closes, while reading what comes until EOF
        duplex = TcpBackend.start("duplex", (s, in, out) -> {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    send(out, 2, BIG);
                    s.shutdownOutput();
                } catch (IOException e) {
                    // the client went away (a port probe); a test client compares what it got
                }
            });
            String got = digestOf(in);
            if (!got.startsWith("0 ")) { // not a port probe
                duplexReceived.add(got);
            }
            sending.join();
        });
        // greets and half-closes at once, then counts what the client still sends
        upfirst = TcpBackend.start("upfirst", (s, in, out) -> {
            out.write("bye\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            long got = in.transferTo(OutputStream.nullOutputStream());
            if (got > 0) { // not a port probe
                upfirstReceived.add(got);
            }
        });
        // once the client's first byte came (port probes send none), sends as fast as it can
        firehose = TcpBackend.start("firehose", (s, in, out) -> {
            if (in.read() < 0) {
                return;
            }
            byte[] buf = new byte[65536];
            for (long i = 0; i < FIREHOSE_BYTES / buf.length; i++) {
                out.write(buf);
                firehoseSent.addAndGet(buf.length);
            }
            s.shutdownOutput();
            in.transferTo(OutputStream.nullOutputStream()); // closing with bytes unread would reset the connection
        });
        echo = TcpBackend.echo("echo", null);
        String serverTls = "{\"status\": true, \"cert_chain\": \"" + front.cert() + "\", \"private_key\": \"" + front.key() + "\"}";
        splice = new Ports();
        mosn = start(splice, serverTls, "");
        copy = new Ports();
        copying = start(copy, serverTls, "-Dmosn4j.splice=false");
    }

    /** One process's listener ports. */
    record Ports(int duplex, int upfirst, int firehose, int busy, int tls) {
        Ports() {
            this(freePort(), freePort(), freePort(), freePort(), freePort());
        }
    }

    private static MosnProcess start(Ports p, String serverTls, String javaOpts) throws IOException {
        var v = vars("DUPLEX", p.duplex(), "UPFIRST", p.upfirst(), "FIREHOSE", p.firehose(), "BUSY", p.busy(), "TLS", p.tls(),
                "DUPLEX_BACKEND", duplex.address(), "UPFIRST_BACKEND", upfirst.address(), "FIREHOSE_BACKEND", firehose.address(),
                "ECHO_BACKEND", echo.address());
        v.put("SERVER_TLS", serverTls);
        return MosnProcess.builder().config(render(CONFIG, v)).javaOpts(javaOpts)
                .waitFor(p.duplex(), p.upfirst(), p.firehose(), p.busy(), p.tls()).start();
    }

    private static Ports ports(String relay) {
        return relay.equals("splice") ? splice : copy;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                mosn.stopCleanly();
            }
            if (copying != null) {
                copying.stopCleanly();
            }
        } finally {
            for (AutoCloseable x : new AutoCloseable[] {mosn, copying, duplex, upfirst, firehose, echo}) {
                if (x != null) {
                    x.close();
                }
            }
        }
    }

    /** Writes {@code bytes} of the stream {@code seed} makes. */
    static void send(OutputStream out, long seed, long bytes) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[65536];
        for (long left = bytes; left > 0; left -= buf.length) {
            r.nextBytes(buf);
            out.write(buf, 0, (int) Math.min(buf.length, left));
        }
        out.flush();
    }

    /** "COUNT SHA256" of everything {@code in} gives until its end. */
    static String digestOf(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[65536];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            md.update(buf, 0, n);
            total += n;
        }
        return total + " " + HexFormat.of().formatHex(md.digest());
    }

    /** {@link #digestOf} of what {@link #send} writes. */
    static String expected(long seed, long bytes) {
        MessageDigest md = sha256();
        Random r = new Random(seed);
        byte[] buf = new byte[65536];
        for (long left = bytes; left > 0; left -= buf.length) {
            r.nextBytes(buf);
            md.update(buf, 0, (int) Math.min(buf.length, left));
        }
        return bytes + " " + HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Sends BIG bytes of seed 1 and half-closes while reading until EOF; returns what was read. */
    private static String exchange(Socket s) throws Exception {
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                send(s.getOutputStream(), 1, BIG);
                s.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        String got = digestOf(s.getInputStream());
        writer.get(60, TimeUnit.SECONDS);
        return got;
    }

    @ParameterizedTest
    @ValueSource(strings = {"splice", "copy"})
    void sixtyFourMebibytesEachWayAtOnceArriveIntact(String relay) throws Exception {
        duplexReceived.clear();
        try (Socket s = connect(ports(relay).duplex())) {
            assertThat(exchange(s)).as("upstream to client").isEqualTo(expected(2, BIG));
        }
        assertThat(duplexReceived.poll(30, TimeUnit.SECONDS)).as("client to upstream").isEqualTo(expected(1, BIG));
        String line = "tcp_proxy on listener duplex: plain TCP both ways on epoll, bytes move with splice(2)";
        if (relay.equals("splice")) {
            assertThat(mosn.output()).contains(line);
        } else {
            assertThat(copying.output()).doesNotContain(line);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"splice", "copy"})
    void upstreamHalfCloseLeavesTheClientsDirectionOpen(String relay) throws Exception {
        upfirstReceived.clear();
        try (Socket s = connect(ports(relay).upfirst())) {
            InputStream in = s.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).as("greeting, then the upstream's FIN").isEqualTo("bye\n");
            send(s.getOutputStream(), 3, 8 << 20); // the way up still carries bytes
            s.shutdownOutput();
            assertThat(upfirstReceived.poll(30, TimeUnit.SECONDS)).isEqualTo(8L << 20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"splice", "copy"})
    void aClientThatReadsNothingHoldsTheUpstreamBack(String relay) throws Exception {
        firehoseSent.set(0);
        try (Socket s = connect(ports(relay).firehose())) {
            s.getOutputStream().write('x'); // the connection is up and relaying
            Thread.sleep(3000);
            long whileStalled = firehoseSent.get();
            long rss = (relay.equals("splice") ? mosn : copying).rssKib();
            System.out.printf("TcpProxySpliceTest (%s): upstream wrote %d KiB while the client read nothing; mosn RSS %d MiB%n",
                    relay, whileStalled / 1024, rss / 1024);
            // socket buffers on both sides of the proxy (kernel autotuning: a few MiB each) and one 64 KiB pipe
            assertThat(whileStalled).as("splice must stop reading the upstream when the client takes nothing").isLessThan(48L << 20);
            long total = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            assertThat(total).isEqualTo(FIREHOSE_BYTES);
        }
    }

    @Test
    void bytesMovingKeepAConnectionAlivePastItsIdleTimeout() throws Exception {
        try (Socket s = connect(splice.busy())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[4096];
            new Random(4).nextBytes(chunk);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            int rounds = 0;
            while (System.nanoTime() < end) { // 2.5 s of traffic through idle_timeout 1s
                out.write(chunk);
                out.flush();
                assertThat(in.readNBytes(chunk.length)).isEqualTo(chunk);
                rounds++;
                Thread.sleep(200);
            }
            assertThat(rounds).isGreaterThan(5);
            long t0 = System.nanoTime();
            assertThat(in.read()).as("closed once idle").isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("after idle_timeout 1s").isBetween(500L, 5000L);
        }
    }

    @Test
    void aTlsListenerCannotSpliceAndRelaysAsBefore() throws Exception {
        SSLSocket s = (SSLSocket) certs.clientContext(null).getSocketFactory().createSocket("127.0.0.1", splice.tls());
        try (s) {
            s.setSoTimeout(30_000);
            long size = 16L << 20;
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    send(s.getOutputStream(), 5, size);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(digestOf(new java.io.ByteArrayInputStream(s.getInputStream().readNBytes((int) size))))
                    .as("echoed through TLS termination").isEqualTo(expected(5, size));
            writer.get(30, TimeUnit.SECONDS);
        }
        assertThat(mosn.output()).doesNotContain("tcp_proxy on listener tls:");
    }
}
