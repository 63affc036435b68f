package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.dubbo.remoting.exchange.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Thousands of damaged frames, from valid ones Dubbo wrote: decoding and reading headers either
 * succeed, wait for more, or throw {@link XProtocolException}; nothing else escapes and every
 * buffer is released. Reproduce a failure with {@code -Ddubbo.fuzz.seed=<seed printed>}.
 */
@ExtendWith(LeakCheck.class)
class DubboFuzzTest {
    private static final long SEED = Long.getLong("dubbo.fuzz.seed", 0x6d6f736e346aL);
    private static final int ITERATIONS = Integer.getInteger("dubbo.fuzz.iterations", 10_000);
    /** Codes that open containers, chunks and definitions: the interesting bytes to plant. */
    private static final int[] CODES = {
        'C', 'O', 'Q', 'U', 'V', 'W', 'X', 'H', 'M', 'Z', 'R', 'S', 'A', 'B', 'N', 'I', 'L', 'D', 0x60, 0x6f,
        0x70, 0x77, 0x78, 0x7f, 0x30, 0x33, 0x34, 0x1f, 0x00, 0x90, 0xc8, 0xd4, 0xff, 0xf0, 0xe0, 0xc3, 0x80,
        0x40, 0x45, 0x5f, 0x4a
    };

    private final DubboProtocol dubbo = new DubboProtocol();
    /** Pooled, leak-detected (paranoid: a stack trace on every access, so used for one input in 20). */
    private final TrackingAllocator pooled = new TrackingAllocator();
    /** Unpooled without leak detection; its buffers are checked by refCnt alone. */
    private final TrackingAllocator plain = new TrackingAllocator(new UnpooledByteBufAllocator(true, true));
    private TrackingAllocator alloc;
    private final Map<String, Integer> outcomes = new HashMap<>();

    private static List<byte[]> corpus() {
        List<byte[]> frames = new ArrayList<>();
        long id = 1;
        for (Object[] set : Samples.argumentSets()) {
            frames.add(DubboCodecs.encode(DubboCodecs.request(id++, "org.example.DemoService", "call",
                    (Class<?>[]) set[0], (Object[]) set[1], Samples.attachments())));
        }
        frames.add(DubboCodecs.encode(DubboCodecs.heartbeat(id++)));
        frames.add(DubboCodecs.encode(DubboCodecs.response(id++, Samples.Pojo.sample(2))));
        frames.add(DubboCodecs.encode(DubboCodecs.response(id++, null)));
        frames.add(DubboCodecs.encode(DubboCodecs.errorResponse(id++, Response.SERVICE_ERROR, "boom")));
        frames.add(Wire.request(id++, Wire.head("s", "1", "m", "Ljava/lang/Object;Ljava/lang/Object;")
                .raw('C').str("x.Y").raw(0x92).str("a").str("b").raw(0x60, 0x91, 'N')
                .raw('V').str("[int").raw(0x92, 0x91, 0x92)
                .raw('M').raw(0x90).str("group").str("g").str("k").raw(0x79, 'T').raw('Z')
                .bytes()));
        return frames;
    }

    @Test
    void damagedFramesFailOnlyAsProtocolErrorsAndLeakNothing() {
        List<byte[]> corpus = corpus();
        List<byte[]> small = corpus.stream().filter(f -> f.length <= 16 * 1024).toList();
        Random rnd = new Random(SEED);
        long started = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            List<byte[]> pool = rnd.nextInt(50) == 0 ? corpus : small;
            byte[] input = null;
            String kind = null;
            try {
                int mutation = rnd.nextInt(8);
                kind = "mutation " + mutation;
                input = mutate(pool.get(rnd.nextInt(pool.size())), mutation, rnd, pool);
                alloc = i % 20 == 0 ? pooled : plain;
                feed(input, rnd);
            } catch (Throwable t) {
                throw new AssertionError("fuzz failure with -Ddubbo.fuzz.seed=" + SEED + " at iteration " + i + " ("
                        + kind + "), input " + (input == null ? "?" : hex(input)), t);
            }
        }
        System.out.printf("dubbo fuzz: seed %d, %d inputs in %d ms, outcomes %s%n", SEED, ITERATIONS,
                (System.nanoTime() - started) / 1_000_000, outcomes);
        assertThat(pooled.unreleased()).isEmpty();
        assertThat(plain.unreleased()).isEmpty();
        assertThat(pooled.handedOut()).isPositive();
        // the mutations reach every outcome, not just the first check of the header
        assertThat(outcomes).containsKeys("headers", "headers error", "decode error", "incomplete");
    }

    private static String hex(byte[] b) {
        String h = HexFormat.of().formatHex(b, 0, Math.min(b.length, 600));
        return b.length > 600 ? h + "... (" + b.length + " bytes)" : h;
    }

    private byte[] mutate(byte[] frame, int mutation, Random rnd, List<byte[]> pool) {
        byte[] f = frame.clone();
        int bodyLen = f.length - 16;
        switch (mutation) {
            case 0 -> { // flip bytes in the body
                for (int n = 1 + rnd.nextInt(8); n > 0 && bodyLen > 0; n--) {
                    f[16 + rnd.nextInt(bodyLen)] ^= (byte) (1 + rnd.nextInt(255));
                }
                return f;
            }
            case 1 -> { // cut the body short, with a matching length
                return withBody(f, Arrays.copyOfRange(f, 16, 16 + (bodyLen == 0 ? 0 : rnd.nextInt(bodyLen))));
            }
            case 2 -> { // plant container and chunk codes in the body
                for (int n = 1 + rnd.nextInt(4); n > 0 && bodyLen > 0; n--) {
                    f[16 + rnd.nextInt(bodyLen)] = (byte) CODES[rnd.nextInt(CODES.length)];
                }
                return f;
            }
            case 3 -> { // insert random bytes into the body
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                for (int k = 0; k < extra.length; k++) {
                    extra[k] = (byte) (rnd.nextBoolean() ? CODES[rnd.nextInt(CODES.length)] : rnd.nextInt(256));
                }
                int at = 16 + (bodyLen == 0 ? 0 : rnd.nextInt(bodyLen));
                byte[] body = new byte[bodyLen + extra.length];
                System.arraycopy(f, 16, body, 0, at - 16);
                System.arraycopy(extra, 0, body, at - 16, extra.length);
                System.arraycopy(f, at, body, at - 16 + extra.length, f.length - at);
                return withBody(f, body);
            }
            case 4 -> { // damage the header
                int at = rnd.nextInt(16);
                f[at] = (byte) rnd.nextInt(256);
                return f;
            }
            case 5 -> { // a random body behind a plausible header
                byte[] body = new byte[rnd.nextInt(300)];
                for (int k = 0; k < body.length; k++) {
                    body[k] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt(256) : CODES[rnd.nextInt(CODES.length)]);
                }
                int flag = rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 0xc2;
                return Wire.frame(flag, rnd.nextInt(256), rnd.nextLong(), body);
            }
            case 6 -> { // several frames in a row, one of them damaged
                byte[] a = pool.get(rnd.nextInt(pool.size()));
                byte[] b = mutate(pool.get(rnd.nextInt(pool.size())), rnd.nextInt(4), rnd, pool);
                byte[] c = pool.get(rnd.nextInt(pool.size()));
                byte[] all = Arrays.copyOf(a, a.length + b.length + c.length);
                System.arraycopy(b, 0, all, a.length, b.length);
                System.arraycopy(c, 0, all, a.length + b.length, c.length);
                return all;
            }
            default -> { // valid, or a valid frame cut anywhere (the connection ends mid-frame)
                return rnd.nextBoolean() ? f : Arrays.copyOf(f, rnd.nextInt(f.length + 1));
            }
        }
    }

    private static byte[] withBody(byte[] frame, byte[] body) {
        byte[] f = Arrays.copyOf(frame, 16 + body.length);
        System.arraycopy(body, 0, f, 16, body.length);
        Unpooled.wrappedBuffer(f).setInt(12, body.length);
        return f;
    }

    /** Feeds {@code input} in random pieces, as reads from a socket would bring it. */
    private void feed(byte[] input, Random rnd) {
        ByteBuf cumulation = alloc.directBuffer();
        int maxPiece = input.length <= 2048 && rnd.nextBoolean() ? 8 : 1 + input.length / 3;
        try {
            int pos = 0;
            while (pos < input.length) {
                int n = 1 + rnd.nextInt(Math.min(input.length - pos, maxPiece));
                cumulation.writeBytes(input, pos, n);
                pos += n;
                while (true) {
                    int before = cumulation.readerIndex();
                    XFrame f;
                    try {
                        f = dubbo.decode(cumulation);
                    } catch (XProtocolException e) {
                        assertThat(e.getMessage()).startsWith("dubbo: ").contains(" at offset ");
                        count("decode error");
                        return; // the connection is closed
                    }
                    if (f == null) {
                        assertThat(cumulation.readerIndex()).isEqualTo(before);
                        break;
                    }
                    exercise(f, rnd);
                }
                cumulation.discardReadBytes();
            }
            if (cumulation.isReadable()) {
                count("incomplete");
            }
        } finally {
            cumulation.release();
            assertThat(cumulation.refCnt()).isZero();
        }
    }

    private void exercise(XFrame f, Random rnd) {
        try {
            f.isOneWay();
            f.timeout();
            assertThat(f.toString()).startsWith("DubboFrame{");
            assertThat(f.status()).isBetween(-1, 255);
            Headers h = f.headers();
            assertThat(h.message()).isSameAs(f);
            assertThat(f.headers()).isSameAs(h);
            try {
                h.size();
                count("headers");
            } catch (XProtocolException e) {
                assertThat(e.getMessage()).startsWith("dubbo: ").contains(" at offset ");
                assertThat(f.isRequest() && !f.isHeartbeat()).isTrue();
                try {
                    h.get("service");
                    throw new AssertionError("headers read after failing");
                } catch (XProtocolException again) {
                    assertThat(again).isSameAs(e);
                }
                count("headers error");
            }
            long id = rnd.nextLong();
            f.setRequestId(id);
            ByteBuf out = dubbo.encode(f, alloc);
            try {
                assertThat(out.getLong(4)).isEqualTo(id);
                assertThat(out.slice(16, out.readableBytes() - 16)).isEqualTo(((DubboFrame) f).body());
            } finally {
                out.release();
            }
            if (f.isRequest()) {
                XFrame reply = f.isHeartbeat()
                        ? dubbo.heartbeatResponse(f)
                        : dubbo.errorResponse(f, ProxyError.values()[rnd.nextInt(ProxyError.values().length)], null);
                ByteBuf wire = dubbo.encode(reply, alloc);
                reply.release();
                XFrame back = dubbo.decode(wire);
                try {
                    assertThat(back.requestId()).isEqualTo(id);
                    assertThat(back.isRequest()).isFalse();
                    assertThat(wire.isReadable()).isFalse();
                } finally {
                    back.release();
                    wire.release();
                }
            }
        } finally {
            f.release();
        }
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
    }

    /**
     * Random argument graphs and attachments, written by Dubbo: the reader always steps over the
     * arguments to exactly the attachments Dubbo wrote.
     */
    @Test
    void randomValidRequestsAreAlwaysReadRight() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 400; i++) {
            int args = rnd.nextInt(5);
            Class<?>[] types = new Class<?>[args];
            Object[] values = new Object[args];
            List<Object> seen = new ArrayList<>();
            for (int a = 0; a < args; a++) {
                types[a] = Object.class;
                values[a] = randomValue(rnd, 3, seen);
            }
            Map<String, Object> att = new HashMap<>();
            Map<String, String> strings = new HashMap<>();
            for (int n = rnd.nextInt(12); n > 0; n--) {
                String key = "k" + n + randomString(rnd, 8);
                if (rnd.nextBoolean()) {
                    String v = randomString(rnd, rnd.nextInt(4) == 0 ? 5000 : 40);
                    att.put(key, v);
                    strings.put(key, v);
                } else {
                    att.put(key, randomValue(rnd, 2, seen));
                    if (att.get(key) instanceof String str) {
                        strings.put(key, str);
                    }
                }
            }
            byte[] wire = DubboCodecs.encode(DubboCodecs.request(i, "org.example.R", "m", types, values, att));
            ByteBuf in = Unpooled.wrappedBuffer(wire);
            XFrame f = dubbo.decode(in);
            try {
                Headers h = f.headers();
                assertThat(h.get("service")).isEqualTo("org.example.R");
                for (Map.Entry<String, String> e : strings.entrySet()) {
                    assertThat(h.get(e.getKey())).as("seed %d, request %d, %s", SEED, i, e.getKey())
                            .isEqualTo(e.getValue());
                }
                // service, method, dubbo, path and interface, plus the string attachments
                assertThat(h.size()).as("seed %d, request %d", SEED, i).isEqualTo(5 + strings.size());
            } finally {
                f.release();
            }
        }
    }

    private static Object randomValue(Random rnd, int depth, List<Object> seen) {
        int kind = rnd.nextInt(depth <= 0 ? 10 : 16);
        Object v = switch (kind) {
            case 0 -> null;
            case 1 -> rnd.nextInt() >> rnd.nextInt(32);
            case 2 -> rnd.nextLong() >> rnd.nextInt(64);
            case 3 -> switch (rnd.nextInt(5)) {
                case 0 -> 0.0;
                case 1 -> 1.0;
                case 2 -> (double) (rnd.nextInt(256) - 128);
                case 3 -> rnd.nextInt(65536) - 32768 + 0.0;
                default -> rnd.nextDouble() * 1e6;
            };
            case 4 -> rnd.nextBoolean();
            case 5 -> randomString(rnd, rnd.nextInt(8) == 0 ? 70_000 : 100);
            case 6 -> new byte[rnd.nextInt(8) == 0 ? 70_000 : rnd.nextInt(2000)];
            case 7 -> new java.util.Date(rnd.nextLong() >> 20);
            case 8 -> new java.math.BigDecimal(rnd.nextInt()).movePointLeft(rnd.nextInt(10));
            case 9 -> Samples.Color.values()[rnd.nextInt(2)];
            case 10 -> {
                List<Object> l = new ArrayList<>();
                for (int n = rnd.nextInt(6); n > 0; n--) {
                    l.add(randomValue(rnd, depth - 1, seen));
                }
                yield l;
            }
            case 11 -> {
                Map<Object, Object> m = new HashMap<>();
                for (int n = rnd.nextInt(6); n > 0; n--) {
                    m.put(rnd.nextBoolean() ? randomString(rnd, 10) : rnd.nextInt(100), randomValue(rnd, depth - 1, seen));
                }
                yield m;
            }
            case 12 -> {
                Object[] arr = new Object[rnd.nextInt(5)];
                for (int n = 0; n < arr.length; n++) {
                    arr[n] = randomValue(rnd, depth - 1, seen);
                }
                yield arr;
            }
            case 13 -> new int[rnd.nextInt(20)];
            case 14 -> Samples.Pojo.sample(rnd.nextInt(3));
            default -> seen.isEmpty() ? "none yet" : seen.get(rnd.nextInt(seen.size())); // a shared reference
        };
        if (v != null && !(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) {
            seen.add(v);
        }
        return v;
    }

    /** Letters, two- and three-byte chars and surrogate pairs, never a lone surrogate. */
    private static String randomString(Random rnd, int maxChars) {
        int n = rnd.nextInt(maxChars + 1);
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < n) {
            switch (rnd.nextInt(4)) {
                case 0 -> sb.append((char) ('a' + rnd.nextInt(26)));
                case 1 -> sb.append((char) (0x80 + rnd.nextInt(0x780)));
                case 2 -> sb.append((char) (0x800 + rnd.nextInt(0xd000 - 0x800)));
                default -> sb.appendCodePoint(0x10000 + rnd.nextInt(0x100000 - 0x10000));
            }
        }
        return sb.toString();
    }

    @Test
    void theCorpusItselfDecodesCleanly() {
        for (byte[] frame : corpus()) {
            ByteBuf in = Unpooled.wrappedBuffer(frame);
            XFrame f = dubbo.decode(in);
            assertThat(f).isNotNull();
            f.headers();
            f.release();
            assertThat(ByteBufUtil.getBytes(in, 0, 0)).isEmpty();
        }
    }
}
