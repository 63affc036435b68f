package io.mosn4j.protocol.tars;

import static io.mosn4j.protocol.tars.TarsJavaPackets.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.qq.tars.protocol.tars.TarsOutputStream;
import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random packets written by TarsJava's TarsOutputStream, whole and mutated. Whatever the bytes,
 * decode returns a frame, returns null, or throws XProtocolException; a frame's headers, encode
 * and error reply work; nothing else escapes and every buffer is released. The seed is fixed
 * ({@code -Dtars.fuzz.seed=...} to change it) and named in every failure.
 */
class TarsFuzzTest {
    private static final long SEED = Long.getLong("tars.fuzz.seed", 0x7A125L);
    private static final int VALID = 3_000;
    private static final int MUTATED = 10_000;
    private static final int GARBAGE = 5_000;

    private final TarsProtocol tars = new TarsProtocol();
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    // ---------------------------------------------------------------- the properties

    @Test
    void validPacketsDecodeToWhatWasWrittenAndReencodeAsTarsJavaWould() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < VALID; i++) {
            Packet p = Packet.random(rnd);
            int newId = randomInt(rnd);
            byte[] bytes = p.bytes(p.id);
            ByteBuf in = alloc.buffer(bytes.length).writeBytes(bytes);
            try {
                TarsFrame f = tars.decode(in);
                assertThat(in.isReadable()).isFalse();
                p.check(f);
                f.setRequestId(Integer.toUnsignedLong(newId));
                ByteBuf out = tars.encode(f, alloc);
                assertThat(bytes(out)).isEqualTo(p.bytes(newId));
                TarsFrame again = tars.decode(out);
                assertThat(again.requestId()).isEqualTo(Integer.toUnsignedLong(newId));
                again.release();
                assertThat(out.release()).isTrue();
                f.release();
                assertThat(in.refCnt()).isEqualTo(1);
            } catch (Throwable e) {
                throw failure("valid", i, bytes, e);
            } finally {
                in.release();
            }
        }
    }

    @Test
    void mutatedPacketsDecodeOrFailCleanly() {
        Random rnd = new Random(SEED + 1);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < MUTATED; i++) {
            byte[] bytes = mutate(rnd, concatenated(rnd));
            int outcome = exercise(rnd, bytes, "mutated", i);
            accepted += outcome > 0 ? 1 : 0;
            rejected += outcome < 0 ? 1 : 0;
        }
        // the mutations reach both sides
        assertThat(accepted).isGreaterThan(MUTATED / 20);
        assertThat(rejected).isGreaterThan(MUTATED / 20);
    }

    @Test
    void garbageBehindAPlausibleLengthFailsCleanly() {
        Random rnd = new Random(SEED + 2);
        for (int i = 0; i < GARBAGE; i++) {
            byte[] bytes = new byte[8 + rnd.nextInt(120)];
            rnd.nextBytes(bytes);
            ByteBuffer.wrap(bytes).putInt(0, bytes.length);
            if (rnd.nextBoolean()) { // start like tars, so the parser gets further
                bytes[4] = 0x10;
                bytes[5] = 1;
                bytes[6] = 0x2C;
            }
            exercise(rnd, bytes, "garbage", i);
        }
    }

    /**
     * Detects, then decodes all of {@code bytes} (split in two writes at a random point) until
     * null or an exception; returns how many frames were accepted, or -1 when the bytes were rejected.
     */
    private int exercise(Random rnd, byte[] bytes, String what, int i) {
        ByteBuf in = alloc.buffer(bytes.length);
        try {
            int split = rnd.nextInt(bytes.length + 1);
            in.writeBytes(bytes, 0, split);
            Detection d = tars.detect(in);
            assertThat(d).isNotNull();
            int frames = drain(rnd, in);
            in.writeBytes(bytes, split, bytes.length - split);
            frames += drain(rnd, in);
            assertThat(in.refCnt()).isEqualTo(1);
            return frames;
        } catch (XProtocolException e) {
            assertThat(e.getMessage()).startsWith("tars: ").contains(" at offset ");
            assertThat(in.refCnt()).isEqualTo(1);
            return -1;
        } catch (Throwable e) {
            throw failure(what, i, bytes, e);
        } finally {
            in.release();
        }
    }

    private int drain(Random rnd, ByteBuf in) {
        int frames = 0;
        while (true) {
            int start = in.readerIndex();
            TarsFrame f = tars.decode(in);
            if (f == null) {
                assertThat(in.readerIndex()).isEqualTo(start);
                return frames;
            }
            frames++;
            byte[] packet = ByteBufUtil.getBytes(in, start, in.readerIndex() - start);
            try {
                use(rnd, f, packet);
            } finally {
                f.release();
            }
        }
    }

    /** Everything the proxy does with a frame; what we accepted we must be able to send. */
    private void use(Random rnd, TarsFrame f, byte[] packet) {
        Headers h = f.headers();
        assertThat(h.message()).isSameAs(f);
        boolean readable = true;
        try {
            if (f.isRequest()) {
                assertThat(h.get("service")).isNotNull();
                assertThat(h.get("method")).isNotNull();
            }
            h.size();
        } catch (XProtocolException e) {
            // a context or status that is no map<string,string>: only reading the headers fails
            assertThat(e.getMessage()).startsWith("tars: ").contains(" at offset ");
            assertThat(h.isLoaded()).isFalse();
            readable = false;
        }
        f.status();
        f.timeout();
        f.isOneWay();
        f.body().readableBytes();
        f.toString();

        ByteBuf same = tars.encode(f, alloc);
        assertThat(bytes(same)).isEqualTo(packet);
        assertThat(same.release()).isTrue();

        int id = randomInt(rnd);
        f.setRequestId(Integer.toUnsignedLong(id));
        ByteBuf out = tars.encode(f, alloc);
        TarsFrame again = tars.decode(out);
        try {
            assertThat(again).isNotNull();
            assertThat(out.isReadable()).isFalse();
            assertThat(again.requestId()).isEqualTo(Integer.toUnsignedLong(id));
            assertThat(again.isRequest()).isEqualTo(f.isRequest());
            if (readable) {
                assertThat(again.headers().size()).isEqualTo(h.size());
            }
            assertThat(again.bodyLength()).isEqualTo(f.bodyLength());
        } finally {
            again.release();
            assertThat(out.release()).isTrue();
        }

        if (f.isRequest()) {
            ProxyError error = ProxyError.values()[rnd.nextInt(ProxyError.values().length)];
            XFrame reply = tars.errorResponse(f, error, "fuzz");
            ByteBuf encoded = tars.encode(reply, alloc);
            TarsFrame decoded = tars.decode(encoded);
            assertThat(decoded.requestId()).isEqualTo(Integer.toUnsignedLong(id));
            decoded.release();
            encoded.release();
            reply.release();
        }
    }

    private static AssertionError failure(String what, int i, byte[] bytes, Throwable e) {
        return new AssertionError("tars fuzz (" + what + ") failed with seed " + SEED + " (-Dtars.fuzz.seed), iteration "
                + i + ", input " + ByteBufUtil.hexDump(bytes), e);
    }

    // ---------------------------------------------------------------- inputs

    private static byte[] concatenated(Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
        for (int i = 0; i < n; i++) {
            Packet p = Packet.random(rnd);
            out.writeBytes(p.bytes(p.id));
        }
        return out.toByteArray();
    }

    private static byte[] mutate(Random rnd, byte[] b) {
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            boolean fixLength = rnd.nextInt(3) != 0; // mostly keep the length right: reach the fields
            switch (rnd.nextInt(7)) {
                case 0 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                case 1 -> { // flip bits
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2 -> { // a random byte
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                }
                case 3 -> { // insert
                    int at = rnd.nextInt(b.length + 1);
                    byte[] extra = new byte[1 + rnd.nextInt(6)];
                    rnd.nextBytes(extra);
                    byte[] c = new byte[b.length + extra.length];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(extra, 0, c, at, extra.length);
                    System.arraycopy(b, at, c, at + extra.length, b.length - at);
                    b = c;
                }
                case 4 -> { // delete
                    if (b.length > 0) {
                        int at = rnd.nextInt(b.length);
                        int n = Math.min(b.length - at, 1 + rnd.nextInt(6));
                        byte[] c = new byte[b.length - n];
                        System.arraycopy(b, 0, c, 0, at);
                        System.arraycopy(b, at + n, c, at, b.length - at - n);
                        b = c;
                    }
                }
                case 5 -> { // a length prefix anywhere near
                    if (b.length >= 4) {
                        ByteBuffer.wrap(b).putInt(0, rnd.nextInt(b.length + 16));
                        fixLength = false;
                    }
                }
                default -> { // a head byte of another type
                    if (b.length > 4) {
                        int at = 4 + rnd.nextInt(b.length - 4);
                        b[at] = (byte) (b[at] & 0xF0 | rnd.nextInt(16));
                    }
                }
            }
            if (fixLength && b.length >= 4) {
                ByteBuffer.wrap(b).putInt(0, b.length); // for the first packet when concatenated: often wrong
            }
        }
        return b;
    }

    static int randomInt(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(256) - 128;
            case 2 -> rnd.nextInt(65536) - 32768;
            default -> rnd.nextInt();
        };
    }

    private static String randomString(Random rnd) {
        int length = switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 250 + rnd.nextInt(20); // around the STRING1/STRING4 boundary (in UTF-8 bytes)
            default -> 1 + rnd.nextInt(24);
        };
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(switch (rnd.nextInt(10)) {
                case 0 -> (char) (0x4E00 + rnd.nextInt(500)); // three UTF-8 bytes
                case 1 -> (char) (0xA0 + rnd.nextInt(200));   // two
                default -> (char) ('!' + rnd.nextInt(90));
            });
        }
        return sb.toString();
    }

    private static Map<String, String> randomMap(Random rnd) {
        Map<String, String> m = new LinkedHashMap<>();
        int n = rnd.nextInt(4) == 0 ? rnd.nextInt(6) : 0;
        for (int i = 0; i < n; i++) {
            m.put("k" + i + randomString(rnd), randomString(rnd));
        }
        return m;
    }

    private static byte[] randomBody(Random rnd) {
        byte[] b = new byte[switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1000 + rnd.nextInt(3000); // shared, not copied, on id rewrite
            default -> rnd.nextInt(64);
        }];
        rnd.nextBytes(b);
        return b;
    }

    /** A value of an unknown extension field: any Tars type TarsOutputStream writes. */
    private static Object randomExtra(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> rnd.nextLong();
            case 1 -> rnd.nextDouble();
            case 2 -> rnd.nextFloat();
            case 3 -> randomString(rnd);
            case 4 -> List.of(randomInt(rnd), randomInt(rnd));
            case 5 -> Map.of("a", randomInt(rnd));
            case 6 -> randomBody(rnd);
            default -> List.of(List.of("x"), Map.of(1L, List.of(2.0)));
        };
    }

    /** A RequestPacket or ResponsePacket with optional extension tags, written by TarsOutputStream. */
    private record Packet(boolean request, short version, byte packetType, int messageType, int id, String servant,
            String function, byte[] body, int timeout, Map<String, String> context, Map<String, String> status,
            int ret, String resultDesc, List<Object[]> extras) {

        static Packet random(Random rnd) {
            boolean request = rnd.nextBoolean();
            short version = switch (rnd.nextInt(6)) {
                case 0 -> (short) 3;
                case 1 -> (short) 5;
                case 2 -> (short) randomInt(rnd);
                default -> (short) 1;
            };
            byte type = (byte) (rnd.nextInt(4) == 0 ? 1 : rnd.nextInt(10) == 0 ? rnd.nextInt(256) : 0);
            List<Object[]> extras = new ArrayList<>();
            if (rnd.nextInt(5) == 0) {
                int tag = request ? 11 : 10;
                for (int n = rnd.nextInt(3) + 1; n > 0 && tag < 256; n--) {
                    tag += 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 100);
                    if (tag < 256) {
                        extras.add(new Object[] {tag, randomExtra(rnd)});
                    }
                }
            }
            return new Packet(request, version, type, randomInt(rnd), randomInt(rnd), randomString(rnd),
                    randomString(rnd), randomBody(rnd), randomInt(rnd), rnd.nextInt(4) == 0 ? null : randomMap(rnd),
                    rnd.nextInt(4) == 0 ? null : randomMap(rnd), randomInt(rnd),
                    rnd.nextBoolean() ? null : randomString(rnd), extras);
        }

        byte[] bytes(int requestId) {
            TarsOutputStream os = new TarsOutputStream();
            os.getByteBuffer().putInt(0);
            os.write(version, 1);
            os.write(packetType, 2);
            if (request) {
                os.write(messageType, 3);
                os.write(requestId, 4);
                os.write(servant, 5);
                os.write(function, 6);
                os.write(body, 7);
                os.write(timeout, 8);
                os.write(context, 9); // TarsJava writes a null map as an empty one
                os.write(status, 10);
            } else {
                os.write(requestId, 3);
                os.write(messageType, 4);
                os.write(ret, 5);
                os.write(body, 6);
                if (status != null) {
                    os.write(status, 7);
                }
                if (resultDesc != null) {
                    os.write(resultDesc, 8);
                }
                if (context != null) {
                    os.write(context, 9);
                }
            }
            for (Object[] extra : extras) {
                os.write(extra[1], (Integer) extra[0]);
            }
            ByteBuffer b = os.getByteBuffer();
            b.putInt(0, b.position());
            return os.toByteArray();
        }

        void check(TarsFrame f) {
            assertThat(f.isRequest()).isEqualTo(request);
            assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(id));
            assertThat(f.version()).isEqualTo(version);
            assertThat(f.packetType()).isEqualTo(packetType);
            assertThat(f.messageType()).isEqualTo(messageType);
            assertThat(TarsJavaPackets.bytes(f.body())).isEqualTo(body);
            Map<String, String> ctx = context == null ? Map.of() : context;
            Map<String, String> st = status == null ? Map.of() : status;
            Headers h = f.headers();
            if (request) {
                assertThat(f.servantName()).isEqualTo(servant);
                assertThat(f.functionName()).isEqualTo(function);
                assertThat(f.status()).isEqualTo(-1);
                assertThat(f.isOneWay()).isEqualTo(packetType == 1);
                assertThat(f.timeout() == null ? 0 : f.timeout().toMillis()).isEqualTo(Math.max(timeout, 0));
                assertThat(h.size()).isEqualTo(2 + ctx.size() + st.size());
                assertThat(h.value(0)).isEqualTo(servant);
                assertThat(h.value(1)).isEqualTo(function);
            } else {
                assertThat(f.status()).isEqualTo(ret);
                assertThat(f.resultDesc()).isEqualTo(resultDesc);
                assertThat(f.isOneWay()).isFalse();
                assertThat(f.timeout()).isNull();
                assertThat(h.size()).isEqualTo(ctx.size() + st.size());
            }
            ctx.forEach((k, v) -> assertThat(h.getAll(k)).contains(v));
            st.forEach((k, v) -> assertThat(h.getAll(k)).contains(v));
        }
    }
}
