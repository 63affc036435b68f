package io.mosn4j.protocol.bolt;

import static io.mosn4j.protocol.bolt.Bufs.ALLOC;
import static io.mosn4j.protocol.bolt.Bufs.bytes;
import static io.mosn4j.protocol.bolt.Bufs.direct;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and damaged input: decode returns a frame, returns null, or throws XProtocolException,
 * nothing else; reading a frame's headers returns them or throws XProtocolException; every frame
 * decode returns encodes (with a new id) to bytes it decodes again; and once
 * the frames are released the input's reference count is back where it was. The seed is fixed
 * ({@code -Dbolt.fuzz.seed=N} to change it) and printed with any failure.
 */
class BoltFuzzTest {
    static final long SEED = Long.getLong("bolt.fuzz.seed", 0xB017_5EEDL);
    static final BoltProtocol[] PROTOCOLS = {new BoltProtocol(), new BoltV2Protocol(), new BoltProtocol(512)};

    @Test
    void randomBytes() {
        Random r = new Random(SEED);
        for (int i = 0; i < 12_000; i++) {
            byte[] b = new byte[r.nextInt(10) == 0 ? r.nextInt(400) : r.nextInt(64)];
            r.nextBytes(b);
            // steer half of them past the first checks, so the deeper ones are reached too
            if (b.length > 0 && r.nextBoolean()) {
                b[0] = (byte) (1 + r.nextInt(2));
                int s = b[0] == 2 ? 1 : 0;
                if (s == 1 && b.length > 1) {
                    b[1] = (byte) (1 + r.nextInt(2));
                }
                if (b.length > 1 + s && r.nextInt(4) != 0) {
                    b[1 + s] = (byte) r.nextInt(3);
                }
                if (b.length > 3 + s && r.nextInt(4) != 0) {
                    b[2 + s] = 0;
                    b[3 + s] = (byte) r.nextInt(3);
                }
            }
            check(b, r, "randomBytes", i);
        }
    }

    @Test
    void damagedValidFrames() {
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 12_000; i++) {
            byte[] b = randomFrame(r).bytes();
            switch (r.nextInt(6)) {
                case 0 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncated
                case 1 -> { // bits flipped
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 2 -> b[r.nextInt(Math.min(b.length, 26))] = (byte) r.nextInt(); // a header byte replaced
                case 3 -> { // a length field overwritten
                    int at = 12 + r.nextInt(Math.max(1, Math.min(b.length, 24) - 12));
                    b[at] = (byte) r.nextInt();
                }
                case 4 -> b = WireFrame.concat(b, randomFrame(r).bytes(), randomGarbage(r)); // more behind it
                default -> b = WireFrame.concat(Arrays.copyOf(b, r.nextInt(b.length)), b); // a torn frame first
            }
            check(b, r, "damagedValidFrames", i);
        }
    }

    /** Undamaged random frames: every field reads back, and a new id round-trips. */
    @Test
    void validFramesRoundTrip() {
        Random r = new Random(SEED + 2);
        for (int i = 0; i < 2_000; i++) {
            WireFrame w = randomFrame(r);
            byte[] b = w.bytes();
            try {
                ByteBuf in = direct(b);
                BoltFrame f = PROTOCOLS[r.nextInt(2)].decode(in);
                assertThat(in.isReadable()).isFalse();
                assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(w.id));
                assertThat(f.isRequest()).isEqualTo(w.type != 0);
                assertThat(f.isOneWay()).isEqualTo(w.type == 2);
                assertThat(f.isHeartbeat()).isEqualTo(w.cmdCode == 0);
                assertThat(f.hasCrc()).isEqualTo(w.hasCrc());
                assertThat(f.status()).isEqualTo(w.type == 0 ? w.timeoutOrStatus & 0xffff : -1);
                assertThat(bytes(f.content())).isEqualTo(w.content);
                assertThat(bytes(f.headerMap())).isEqualTo(w.header);
                long newId = r.nextLong() & 0xffff_ffffL;
                f.setRequestId(newId);
                ByteBuf out = new BoltProtocol().encode(f, ALLOC);
                assertThat(bytes(out)).isEqualTo(w.id((int) newId).bytes());
                assertThat(out.release()).as("encode's buffer freed by its one release").isTrue();
                f.release();
                assertThat(in.refCnt()).isEqualTo(1);
                in.release();
            } catch (Throwable t) {
                throw new AssertionError(failure("validFramesRoundTrip", i, b), t);
            }
        }
    }

    /** Decodes everything in {@code b}, holding the frames until the end, as a connection may. */
    static void check(byte[] b, Random r, String test, int iteration) {
        BoltProtocol protocol = PROTOCOLS[r.nextInt(PROTOCOLS.length)];
        long newId = r.nextLong() & 0xffff_ffffL;
        ByteBuf in = direct(b);
        List<BoltFrame> frames = new ArrayList<>();
        try {
            while (true) {
                int before = in.readerIndex();
                BoltFrame f;
                try {
                    f = protocol.decode(in);
                } catch (XProtocolException e) {
                    assertThat(e.getMessage()).matches("(bolt|boltv2): .+ at offset \\d+");
                    break;
                }
                if (f == null) {
                    assertThat(in.readerIndex()).isEqualTo(before);
                    break;
                }
                frames.add(f);
                assertThat(in.readerIndex() - before).isEqualTo(f.frameLength());
                try {
                    f.headers().forEach((k, v) -> {});
                } catch (XProtocolException e) {
                    // a header map that does not split into pairs fails when read, not when framed
                    assertThat(e.getMessage()).matches("(bolt|boltv2): .+ at offset \\d+");
                    assertThat(f.headers().isLoaded()).isFalse();
                }
                f.className();
                f.timeout();
                f.setRequestId(newId);
                ByteBuf out = protocol.encode(f, ALLOC);
                BoltFrame again = protocol.decode(out);
                assertThat(again.requestId()).isEqualTo(newId);
                assertThat(out.isReadable()).isFalse();
                again.release();
                assertThat(out.release()).as("encode's buffer freed once the frame decoded from it is released").isTrue();
            }
        } catch (Throwable t) {
            throw new AssertionError(failure(test, iteration, b), t);
        } finally {
            frames.forEach(BoltFrame::release);
        }
        assertThat(in.refCnt()).as(failure(test, iteration, b)).isEqualTo(1);
        in.release();
    }

    static String failure(String test, int iteration, byte[] b) {
        return test + " failed with -Dbolt.fuzz.seed=" + SEED + " at iteration " + iteration + ", input "
                + ByteBufUtil.hexDump(b);
    }

    static WireFrame randomFrame(Random r) {
        int proto = 1 + r.nextInt(2);
        int kind = r.nextInt(5);
        WireFrame w = switch (kind) {
            case 0 -> proto == 1 ? WireFrame.v1Request() : WireFrame.v2Request(r.nextBoolean());
            case 1 -> proto == 1 ? WireFrame.v1Response() : WireFrame.v2Response(r.nextBoolean());
            case 2 -> WireFrame.heartbeat(proto);
            case 3 -> {
                WireFrame h = WireFrame.heartbeat(proto);
                h.type = 0;
                yield h;
            }
            default -> {
                WireFrame o = proto == 1 ? WireFrame.v1Request() : WireFrame.v2Request(r.nextBoolean());
                o.type = 2;
                yield o;
            }
        };
        if (proto == 2) {
            w.ver1 = 1 + r.nextInt(2);
            w.protocolSwitch = r.nextInt(128);
        }
        w.id = r.nextInt();
        w.ver2 = r.nextInt(256);
        w.codec = r.nextInt(256);
        w.timeoutOrStatus = w.type == 0 ? r.nextInt(19) : r.nextInt(10_000) - 1;
        if (w.cmdCode != 0 || r.nextInt(4) == 0) {
            w.className = randomBytes(r, r.nextInt(60));
            int pairs = r.nextInt(5);
            String[] kv = new String[pairs * 2];
            for (int i = 0; i < kv.length; i++) {
                kv[i] = r.nextInt(10) == 0 ? null : randomString(r);
            }
            w.header = WireFrame.headerMap(kv);
            w.content = randomBytes(r, r.nextInt(10) == 0 ? r.nextInt(3000) : r.nextInt(100));
        }
        return w;
    }

    static byte[] randomGarbage(Random r) {
        return randomBytes(r, r.nextInt(30));
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static String randomString(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(20); i > 0; i--) {
            sb.append(r.nextInt(8) == 0 ? (char) (0x4e00 + r.nextInt(500)) : (char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }
}
