package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through the proxy with backpressure: 1 GiB up to a backend that reads slowly,
 * 1 GiB down to a client that reads slowly, both framings both ways, and chunked trailers. mosn
 * runs with -Xmx256m (so buffering a body would fail) and its RSS is sampled throughout.
 */
class StreamingTest {
    static final long GIB = 1L << 30;
    static final int BLOCK = 64 * 1024;
    /** Slow side's pace: fast enough to keep the suite short, far slower than loopback. */
    static final long RATE = 250L << 20;
    /**
     * With -Xmx256m the process peaks at 250-270 MiB on the reference machine (heap, metaspace,
     * code, Netty's pooled direct memory); a body held in direct buffers would go well past this.
     */
    static final long RSS_LIMIT_KIB = 350 * 1024;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"],
                  "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "backend", "timeout": "120s"}}]}]}],
                "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "filter_chains": [{"filters": [{"type": "proxy",
                  "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]}]
              }],
              "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN",
                "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "${BACKEND}"}]}]}
            }
            """;

    private static final byte[] BASE = new byte[BLOCK];
    private static final byte[] FIXED_64K = new byte[BLOCK];
    private static final java.util.concurrent.atomic.AtomicInteger fixedServed = new java.util.concurrent.atomic.AtomicInteger();
    /** Bytes the backend has written of its current /download-tracked response. */
    private static final AtomicLong backendWritten = new AtomicLong();
    /** Set to let /upload-stall start reading. */
    private static volatile java.util.concurrent.CountDownLatch uploadGate = new java.util.concurrent.CountDownLatch(0);
    private static final Map<Long, Long> CRCS = new ConcurrentHashMap<>();
    private static RawHttpServer backend;
    private static MosnProcess mosn;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        new Random(7).nextBytes(BASE);
        backend = RawHttpServer.start("stream", StreamingTest::serve);
        port = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "BACKEND", backend.address())))
                .javaOpts("-Xmx256m").waitFor(port).probe(port).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            backend.close();
        }
    }

    // ---- data ----

    /** Block {@code index} of the test stream: BASE with the index stamped in its first 8 bytes. */
    static void block(byte[] buf, long index) {
        System.arraycopy(BASE, 0, buf, 0, BLOCK);
        ByteBuffer.wrap(buf).putLong(0, index);
    }

    /** CRC32 of the first {@code size} bytes of the test stream. */
    static long expectedCrc(long size) {
        return CRCS.computeIfAbsent(size, s -> {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[BLOCK];
            long left = s;
            for (long i = 0; left > 0; i++) {
                block(buf, i);
                int n = (int) Math.min(BLOCK, left);
                crc.update(buf, 0, n);
                left -= n;
            }
            return crc.getValue();
        });
    }

    static void writeStream(OutputStream out, long size, boolean chunked) throws IOException {
        byte[] buf = new byte[BLOCK];
        long left = size;
        for (long i = 0; left > 0; i++) {
            block(buf, i);
            int n = (int) Math.min(BLOCK, left);
            if (chunked) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(buf, 0, n);
            if (chunked) {
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            left -= n;
        }
    }

    /** Reads {@code in} to EOF at most {@code rate} bytes/s (0: unthrottled); returns {bytes, crc}. */
    static long[] consume(InputStream in, long rate) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[BLOCK];
        long total = 0;
        long t0 = System.nanoTime();
        int n;
        while ((n = in.read(buf)) >= 0) {
            crc.update(buf, 0, n);
            total += n;
            if (rate > 0) {
                long dueNanos = total * 1_000_000_000L / rate;
                long ahead = dueNanos - (System.nanoTime() - t0);
                if (ahead > 2_000_000) {
                    MosnProcess.sleep(ahead / 1_000_000);
                }
            }
        }
        return new long[] {total, crc.getValue()};
    }

    // ---- backend ----

    private static void serve(RawHttpServer.Exchange ex) throws Exception {
        String uri = ex.uri;
        if (uri.startsWith("/upload-stall")) {
            uploadGate.await(30, java.util.concurrent.TimeUnit.SECONDS);
            long[] got = consume(ex.body(), 0);
            ex.respond(200, "bytes=" + got[0] + " crc=" + got[1]);
        } else if (uri.startsWith("/upload")) {
            boolean slow = uri.contains("slow");
            long[] got = consume(ex.body(), slow ? RATE : 0);
            ex.respond(200, "bytes=" + got[0] + " crc=" + got[1] + " chunked=" + HttpWire.isChunked(ex.headers)
                    + " length=" + ex.headers.get("content-length"));
        } else if (uri.startsWith("/download-tracked")) {
            long size = Long.parseLong(uri.substring(uri.indexOf("size=") + 5));
            ex.drainBody();
            ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] buf = new byte[BLOCK];
            long left = size;
            for (long i = 0; left > 0; i++) {
                block(buf, i);
                int n = (int) Math.min(BLOCK, left);
                ex.write(Integer.toHexString(n) + "\r\n");
                ex.write(buf, 0, n);
                ex.write("\r\n");
                ex.flush();
                left -= n;
                backendWritten.addAndGet(n);
            }
            ex.write("0\r\n\r\n");
            ex.flush();
        } else if (uri.startsWith("/download")) {
            long size = Long.parseLong(uri.substring(uri.indexOf("size=") + 5).split("&")[0]);
            boolean chunked = uri.contains("chunked");
            ex.drainBody();
            ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n");
            writeStream(ex.out, size, chunked);
            if (chunked) {
                ex.write("0\r\n\r\n");
            }
            ex.flush();
        } else if (uri.startsWith("/fixed64k")) {
            fixedServed.incrementAndGet();
            ex.respond(200, Map.of("Content-Type", "application/octet-stream"), FIXED_64K);
        } else if (uri.startsWith("/duplex")) {
            // echo the request body back as it arrives (full duplex), chunked
            ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            ex.flush();
            InputStream in = ex.body();
            byte[] buf = new byte[BLOCK];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) {
                    ex.write(Integer.toHexString(n) + "\r\n");
                    ex.write(buf, 0, n);
                    ex.write("\r\n");
                    ex.flush();
                }
            }
            ex.write("0\r\n\r\n");
            ex.flush();
        } else if (uri.startsWith("/trailers")) {
            byte[] body = ex.readBody();
            HttpWire.Fields trailers = ex.trailers();
            String text = "body=" + new String(body, StandardCharsets.UTF_8) + " chunked=" + HttpWire.isChunked(ex.headers)
                    + " x-checksum=" + trailers.get("x-checksum");
            ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-reply-checksum\r\n\r\n");
            byte[] t = text.getBytes(StandardCharsets.UTF_8);
            ex.write(Integer.toHexString(t.length) + "\r\n");
            ex.write(t);
            ex.write("\r\n0\r\nx-reply-checksum: " + trailers.get("x-checksum") + "\r\n\r\n");
            ex.flush();
        } else {
            ex.respond(404, "no such stream endpoint");
        }
    }

    // ---- RSS ----

    private static void assertRssBounded(RssSampler rss, String what) {
        System.out.printf("StreamingTest: max RSS of mosn during %s: %d MiB%n", what, rss.maxMib());
        assertThat(rss.maxKib()).as("max RSS of mosn during %s (KiB); output tail:\n%s", what, tail(mosn.output()))
                .isPositive().isLessThan(RSS_LIMIT_KIB);
        assertThat(mosn.isAlive()).isTrue();
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    // ---- tests ----

    private static void upload(long size, boolean chunked, boolean slowBackend) throws Exception {
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 120_000)) {
            String head = "POST /upload" + (slowBackend ? "?slow" : "") + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n";
            OutputStream out = new java.io.BufferedOutputStream(c.out(), BLOCK * 2);
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            writeStream(out, size, chunked);
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.bodyText()).startsWith("bytes=" + size + " crc=" + expectedCrc(size) + " ");
            if (!chunked) {
                assertThat(r.bodyText()).endsWith("length=" + size);
            }
            rss.close();
            assertRssBounded(rss, "upload of " + size + " bytes");
        }
    }

    private static void download(long size, boolean chunked, long clientRate) throws Exception {
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 120_000)) {
            c.send("GET /download?size=" + size + (chunked ? "&chunked" : "") + " HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            InputStream body;
            if (chunked) {
                assertThat(HttpWire.isChunked(head.headers())).as("a chunked upstream body stays chunked: %s", head).isTrue();
                body = new HttpWire.ChunkedInput(c.in());
            } else {
                assertThat(head.header("content-length")).isEqualTo(Long.toString(size));
                body = new HttpWire.FixedInput(c.in(), size);
            }
            long[] got = consume(body, clientRate);
            assertThat(got[0]).isEqualTo(size);
            assertThat(got[1]).as("crc").isEqualTo(expectedCrc(size));
            // the connection stays usable
            RawHttpClient.RawResponse next = c.get("/download?size=10");
            assertThat(next.body()).hasSize(10);
            rss.close();
            assertRssBounded(rss, "download of " + size + " bytes");
        }
    }

    @Test
    void oneGibUploadToASlowReader() throws Exception {
        upload(GIB, false, true);
    }

    @Test
    void oneGibChunkedDownloadToASlowReader() throws Exception {
        download(GIB, true, RATE);
    }

    @Test
    void chunkedUpload() throws Exception {
        upload(256L << 20, true, true);
    }

    @Test
    void contentLengthDownload() throws Exception {
        download(256L << 20, false, RATE);
    }

    @Test
    void unthrottledBothWays() throws Exception {
        upload(128L << 20, false, false);
        download(128L << 20, true, 0);
    }

    @Test
    void chunkedRequestWithTrailers() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            c.send("POST /trailers HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-checksum: abc123\r\n\r\n");
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("body=hello world chunked=true x-checksum=abc123");
            assertThat(r.trailers().get("x-reply-checksum")).as("response trailers reach the client").isEqualTo("abc123");
            // and the connection is still good
            assertThat(c.get("/download?size=3").body()).hasSize(3);
        }
    }

    /** Loopback socket buffers on both legs plus the proxy's own (watermarks of tens of KiB) stay far below this. */
    static final long STALL_LIMIT = 64L << 20;

    @Test
    void stalledClientStopsTheBackendsDownload() throws Exception {
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 60_000)) {
            backendWritten.set(0);
            c.send("GET /download-tracked?size=" + GIB + " HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttpClient.RawResponse head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            Thread.sleep(3000); // read nothing
            long whileStalled = backendWritten.get();
            System.out.printf("StreamingTest: backend wrote %d KiB while the client read nothing%n", whileStalled / 1024);
            assertThat(whileStalled).as("bytes the backend could push while the client stalled").isLessThan(STALL_LIMIT);
            long[] got = consume(new HttpWire.ChunkedInput(c.in()), 0);
            assertThat(got[0]).isEqualTo(GIB);
            assertThat(got[1]).isEqualTo(expectedCrc(GIB));
            rss.close();
            assertRssBounded(rss, "stalled download");
        }
    }

    @Test
    void stalledBackendStopsTheClientsUpload() throws Exception {
        uploadGate = new java.util.concurrent.CountDownLatch(1);
        AtomicLong sent = new AtomicLong();
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 60_000)) {
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = c.out();
                    out.write(("POST /upload-stall HTTP/1.1\r\nHost: h\r\nContent-Length: " + GIB + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] buf = new byte[BLOCK];
                    for (long i = 0; i < GIB / BLOCK; i++) {
                        block(buf, i);
                        out.write(buf);
                        sent.addAndGet(BLOCK);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(3000);
            long whileStalled = sent.get();
            System.out.printf("StreamingTest: client wrote %d KiB while the backend read nothing%n", whileStalled / 1024);
            uploadGate.countDown();
            assertThat(whileStalled).as("bytes the client could push while the backend stalled").isLessThan(STALL_LIMIT);
            writer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            RawHttpClient.RawResponse r = c.readResponse();
            assertThat(r.bodyText()).isEqualTo("bytes=" + GIB + " crc=" + expectedCrc(GIB));
            rss.close();
            assertRssBounded(rss, "stalled upload");
        } finally {
            uploadGate.countDown();
        }
    }

    @Test
    void fullDuplexEcho() throws Exception {
        long size = 256L << 20;
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 60_000)) {
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = new java.io.BufferedOutputStream(c.out(), BLOCK * 2);
                    out.write(("POST /duplex HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    writeStream(out, size, false);
                    out.flush();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            RawHttpClient.RawResponse head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            long[] got = consume(new HttpWire.ChunkedInput(c.in()), 0);
            writer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(got[0]).isEqualTo(size);
            assertThat(got[1]).isEqualTo(expectedCrc(size));
            rss.close();
            assertRssBounded(rss, "full-duplex echo");
        }
    }

    @Test
    void pipelinedFloodFromAClientThatDoesNotReadIsPaced() throws Exception {
        int requests = 2000; // x 64 KiB responses = 125 MiB if nothing held the proxy back
        fixedServed.set(0);
        try (RssSampler rss = new RssSampler(mosn); RawHttpClient c = RawHttpClient.connect(port, 60_000)) {
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < requests; i++) {
                        sb.append("GET /fixed64k/").append(i).append(" HTTP/1.1\r\nHost: h\r\n\r\n");
                    }
                    c.send(sb.toString());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(3000); // read nothing
            int served = fixedServed.get();
            long rssNow = mosn.rssKib();
            System.out.printf("StreamingTest: %d of %d pipelined 64 KiB responses produced while the client read nothing; RSS %d MiB%n",
                    served, requests, rssNow / 1024);
            for (int i = 0; i < requests; i++) {
                RawHttpClient.RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).hasSize(BLOCK);
            }
            writer.get(30, java.util.concurrent.TimeUnit.SECONDS);
            rss.close();
            assertRssBounded(rss, "pipelined flood");
            assertThat(served).as("responses the proxy fetched for a client that reads nothing (64 KiB each)")
                    .isLessThan((int) (STALL_LIMIT / BLOCK));
        }
    }

    @Test
    void concurrentSlowTransfersBothWays() throws Exception {
        long size = 128L << 20;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try (RssSampler rss = new RssSampler(mosn)) {
            java.util.List<java.util.concurrent.Future<long[]>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                boolean down = i % 2 == 0;
                results.add(pool.submit(() -> {
                    try (RawHttpClient c = RawHttpClient.connect(port, 60_000)) {
                        if (down) {
                            c.send("GET /download?size=" + size + "&chunked HTTP/1.1\r\nHost: h\r\n\r\n");
                            assertThat(c.readHead().status()).isEqualTo(200);
                            return consume(new HttpWire.ChunkedInput(c.in()), 50L << 20);
                        }
                        OutputStream out = new java.io.BufferedOutputStream(c.out(), BLOCK * 2);
                        out.write(("POST /upload?slow HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        writeStream(out, size, false);
                        out.flush();
                        String body = c.readResponse().bodyText();
                        return new long[] {Long.parseLong(body.replaceAll("bytes=(\\d+) crc=(\\d+).*", "$1")),
                                Long.parseLong(body.replaceAll("bytes=(\\d+) crc=(\\d+).*", "$2"))};
                    }
                }));
            }
            for (var f : results) {
                long[] got = f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(got[0]).isEqualTo(size);
                assertThat(got[1]).isEqualTo(expectedCrc(size));
            }
            rss.close();
            assertRssBounded(rss, "8 concurrent slow transfers");
        } finally {
            pool.shutdownNow();
        }
    }
}
