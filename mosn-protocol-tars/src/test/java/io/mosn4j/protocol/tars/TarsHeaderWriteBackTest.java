package io.mosn4j.protocol.tars;

import static io.mosn4j.protocol.tars.TarsJavaPackets.bytes;
import static io.mosn4j.protocol.tars.TarsJavaPackets.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.qq.tars.net.core.IoBuffer;
import com.qq.tars.protocol.tars.TarsInputStream;
import com.qq.tars.protocol.tars.TarsOutputStream;
import com.qq.tars.protocol.util.TarsHelper;
import com.qq.tars.rpc.protocol.tars.TarsCodec;
import com.qq.tars.rpc.protocol.tars.TarsServantRequest;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.protocol.tars.TarsJavaPackets.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A filter's changes to a tars request's headers reach the server in its context map: packets
 * written with TarsJava's {@code TarsOutputStream} are decoded by us, their headers changed, encoded
 * by us and read by TarsJava's server codec and {@code TarsInputStream}, which see the context
 * changed exactly so and everything else (status included) as it was.
 */
class TarsHeaderWriteBackTest {
    static final long SEED = Long.getLong("tars.fuzz.seed", 0x7A25_F00DL);
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final TarsProtocol tars = new TarsProtocol();
    private final TarsCodec codec = new TarsCodec("UTF-8");

    /** Decodes {@code packet}, lets {@code edit} change the headers, sets {@code id}, encodes; returns the bytes. */
    byte[] rewrite(byte[] packet, int id, Consumer<Headers> edit) {
        ByteBuf in = ALLOC.directBuffer(packet.length).writeBytes(packet);
        TarsFrame f = tars.decode(in);
        try {
            assertThat(in.isReadable()).isFalse();
            edit.accept(f.headers());
            f.setRequestId(Integer.toUnsignedLong(id));
            ByteBuf out = tars.encode(f, ALLOC);
            try {
                return bytes(out);
            } finally {
                out.release();
            }
        } finally {
            f.release();
            assertThat(in.refCnt()).isEqualTo(1);
            in.release();
        }
    }

    /** A RequestPacket as TarsJava's server reads it, strings as UTF-8, every field. */
    record Read(short version, byte packetType, int messageType, int id, String servant, String function,
            byte[] body, int timeout, Map<String, String> context, Map<String, String> status) {
        static Read of(byte[] packet) {
            assertThat(ByteBuffer.wrap(packet).getInt()).as("length prefix").isEqualTo(packet.length);
            TarsInputStream is = new TarsInputStream(packet, 4);
            is.setServerEncoding("UTF-8");
            return new Read(is.read((short) 0, 1, true), is.read((byte) 0, 2, true), is.read(0, 3, true),
                    is.read(0, 4, true), is.readString(5, true), is.readString(6, true), is.read(new byte[0], 7, true),
                    is.read(0, 8, true), is.readStringMap(9, false), is.readStringMap(10, false));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 40_000}) // id unchanged / changed
    void contextChangesReachTarsJavasServerCodec(int id) throws Exception {
        for (int bodyLength : new int[] {3, 5000}) { // copied whole, or written around a view of sBuffer
            byte[] body = new byte[bodyLength];
            new Random(bodyLength).nextBytes(body);
            Request r = new Request((short) 1, (byte) 0, 0x10, 5, "App.Server.Obj", "add", body, 1500,
                    map("trace", "abc", "user", "u1", "keep", "k"), map("STATUS_GRID_KEY", "7", "STATUS_DYED_KEY", "d"));
            byte[] ours = rewrite(r.bytes(), id, h -> {
                h.set("user", "u2");
                h.remove("trace");
                h.add("x-added", "v");
                h.set("service", "Other.Server.Obj"); // the servant name: not written back
                h.set("method", "sub");
                h.remove("STATUS_DYED_KEY"); // the status travels as it was
            });
            TarsServantRequest req = (TarsServantRequest) codec.decodeRequest(IoBuffer.wrap(ours), null);
            assertThat(req.getRet()).isEqualTo(TarsHelper.SERVERSUCCESS);
            assertThat(req.getRequestId()).isEqualTo(id);
            assertThat(req.getMessageType()).isEqualTo(0x10);
            assertThat(req.getServantName()).isEqualTo("App.Server.Obj");
            assertThat(req.getFunctionName()).isEqualTo("add");
            assertThat(req.getData()).isEqualTo(body);
            assertThat(req.getTimeout()).isEqualTo(1500);
            assertThat(req.getContext()).isEqualTo(Map.of("user", "u2", "keep", "k", "x-added", "v"));
            assertThat(req.getStatus()).isEqualTo(Map.of("STATUS_GRID_KEY", "7", "STATUS_DYED_KEY", "d"));
            // on the wire (TarsJava reads maps into a HashMap): entries kept their order, the added one last
            TarsFrame again = tars.decode(Unpooled.wrappedBuffer(ours));
            List<String> names = new ArrayList<>();
            again.headers().forEach((k, v) -> names.add(k));
            assertThat(names).containsExactly("service", "method", "user", "keep", "x-added", "STATUS_GRID_KEY",
                    "STATUS_DYED_KEY");
            again.release();
        }
    }

    @Test
    void readingWithoutChangingKeepsTheBytes() {
        byte[] packet = new Request((short) 1, (byte) 0, 0, 5, "S", "f", new byte[] {1}, 0, map("a", "b"), map()).bytes();
        ByteBuf in = ALLOC.directBuffer().writeBytes(packet);
        TarsFrame f = tars.decode(in);
        assertThat(f.headers().get("a")).isEqualTo("b");
        ByteBuf out = tars.encode(f, ALLOC);
        assertThat(bytes(out)).isEqualTo(packet);
        in.setByte(4, 0x55); // a view of the input, not a copy
        assertThat(out.getByte(4)).isEqualTo((byte) 0x55);
        out.release();
        f.release();
        in.release();
    }

    /** A status entry a filter changes cannot be written in the status: it goes to the context. */
    @Test
    void aChangedStatusEntryGoesToTheContext() {
        Request r = Request.of(1, "S", "f").withContext(map("a", "1")).withStatus(map("STATUS_GRID_KEY", "7"));
        Read read = Read.of(rewrite(r.bytes(), 1, h -> h.set("STATUS_GRID_KEY", "8")));
        assertThat(read.status()).isEqualTo(Map.of("STATUS_GRID_KEY", "7"));
        assertThat(read.context()).isEqualTo(Map.of("a", "1", "STATUS_GRID_KEY", "8"));
        // a key in both maps: set changes the context's, the status keeps its own
        r = Request.of(1, "S", "f").withContext(map("k", "c")).withStatus(map("k", "s"));
        read = Read.of(rewrite(r.bytes(), 1, h -> h.set("k", "new")));
        assertThat(read.context()).isEqualTo(Map.of("k", "new"));
        assertThat(read.status()).isEqualTo(Map.of("k", "s"));
    }

    /** Context entries named like the routing keys are not the headers' to change: they stay. */
    @Test
    void contextEntriesNamedServiceOrMethodStay() {
        Request r = Request.of(1, "S", "f").withContext(map("service", "ctx-s", "a", "1", "METHOD", "ctx-m"));
        Read read = Read.of(rewrite(r.bytes(), 2, h -> {
            h.remove("a");
            h.set("service", "other");
            h.add("b", "2");
        }));
        assertThat(read.servant()).isEqualTo("S");
        assertThat(read.context()).isEqualTo(Map.of("service", "ctx-s", "METHOD", "ctx-m", "b", "2"));
    }

    @Test
    void aPacketWithoutContextGetsOneInTagOrder() {
        for (boolean withStatus : new boolean[] {false, true}) {
            TarsOutputStream os = new TarsOutputStream();
            os.getByteBuffer().putInt(0);
            os.write((short) 1, 1);
            os.write((byte) 0, 2);
            os.write(0, 3);
            os.write(77, 4);
            os.write("App.S.Obj", 5);
            os.write("fn", 6);
            os.write(new byte[] {4, 5}, 7);
            os.write(900, 8);
            if (withStatus) {
                os.write(map("STATUS_SETNAME_VALUE", "set.a"), 10);
            }
            ByteBuffer b = os.getByteBuffer();
            b.putInt(0, b.position());
            byte[] packet = os.toByteArray();

            assertThat(rewrite(packet, 77, h -> h.remove("absent"))).isEqualTo(packet); // nothing to write
            Read read = Read.of(rewrite(packet, 78, h -> h.add("trace", "t1")));
            assertThat(read.id()).isEqualTo(78);
            assertThat(read.body()).containsExactly(4, 5);
            assertThat(read.timeout()).isEqualTo(900);
            assertThat(read.context()).isEqualTo(Map.of("trace", "t1"));
            assertThat(read.status()).isEqualTo(withStatus ? Map.of("STATUS_SETNAME_VALUE", "set.a") : Map.of());
        }
    }

    @Test
    void removingEveryEntryLeavesAnEmptyContext() {
        Request r = Request.of(1, "S", "f").withContext(map("a", "1", "b", "2"));
        Read read = Read.of(rewrite(r.bytes(), 1, h -> {
            h.remove("a");
            h.remove("b");
        }));
        assertThat(read.context()).isEmpty();
    }

    /** Past the headers' limit the rest of the context is not shown, and still travels. */
    @Test
    void contextEntriesPastTheLimitTravelOn() {
        Map<String, String> ctx = new LinkedHashMap<>();
        for (int i = 0; i < TarsFrame.MAX_MAP_HEADERS + 50; i++) {
            ctx.put("k" + i, "v" + i);
        }
        Request r = Request.of(1, "S", "f").withContext(ctx).withStatus(map("s", "1"));
        Read read = Read.of(rewrite(r.bytes(), 3, h -> {
            assertThat(h.size()).isEqualTo(TarsFrame.MAX_MAP_HEADERS + 2);
            h.set("k0", "changed");
            h.add("new", "n");
        }));
        Map<String, String> expected = new LinkedHashMap<>(ctx);
        expected.put("k0", "changed");
        expected.put("new", "n");
        assertThat(read.context()).isEqualTo(expected);
        assertThat(read.status()).isEqualTo(Map.of("s", "1"));
    }

    @Test
    void aContextTooLongForTarsIsRefused() {
        byte[] packet = Request.of(1, "S", "f").bytes();
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        TarsFrame f = tars.decode(in);
        f.headers().add("big", "x".repeat(TarsProtocol.MAX_PACKET));
        assertThatThrownBy(() -> tars.encode(f, ALLOC)).isInstanceOf(XProtocolException.class)
                .hasMessageContaining("more than the limit");
        f.release();
        assertThat(in.refCnt()).isEqualTo(1);
    }

    /** A response's changed headers are not written. */
    @Test
    void aResponseKeepsItsBytes() {
        byte[] packet = TarsJavaPackets.Response.of(4, 0).withContext(map("a", "1")).bytes();
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        TarsFrame f = tars.decode(in);
        f.headers().set("a", "2");
        ByteBuf out = tars.encode(f, ALLOC);
        assertThat(bytes(out)).isEqualTo(packet);
        out.release();
        f.release();
    }

    /**
     * Packets with random context and status maps (non-ASCII strings included), sBuffers of random
     * sizes and random edits (set, add, remove of context keys, status keys, routing keys and new
     * names), random ids: TarsJava's reader always reads the packet, with the context changed
     * exactly as edited, and the status, names, body and timeout as they were.
     */
    @Test
    void randomEditsAlwaysDecodeInTarsJava() {
        Random r = new Random(SEED);
        for (int i = 0; i < 1000; i++) {
            Map<String, String> ctx = new LinkedHashMap<>();
            for (int n = r.nextInt(6); n > 0; n--) {
                ctx.put("c" + r.nextInt(20), randomString(r, r.nextInt(10) == 0 ? 300 : 20));
            }
            Map<String, String> st = new LinkedHashMap<>();
            for (int n = r.nextInt(3); n > 0; n--) {
                st.put("s" + r.nextInt(5), randomString(r, 10));
            }
            if (r.nextInt(4) == 0 && !ctx.isEmpty()) {
                st.put(ctx.keySet().iterator().next(), randomString(r, 5)); // a key in both
            }
            byte[] body = new byte[r.nextInt(5) == 0 ? 1000 + r.nextInt(3000) : r.nextInt(100)];
            r.nextBytes(body);
            Request req = new Request((short) 1, (byte) r.nextInt(2), r.nextInt(64), r.nextInt(), randomString(r, 20),
                    randomString(r, 10), body, r.nextInt(10_000), ctx, st);
            byte[] packet = req.bytes();
            Map<String, String> expected = new LinkedHashMap<>(ctx);
            List<String> names = new ArrayList<>(ctx.keySet());
            names.addAll(st.keySet());
            names.addAll(List.of("service", "method", "n1", "n2"));
            int id = r.nextInt();
            byte[] ours;
            try {
                ours = rewrite(packet, id, h -> {
                    for (int k = r.nextInt(6); k > 0; k--) {
                        String name = names.get(r.nextInt(names.size()));
                        boolean routing = name.equals("service") || name.equals("method");
                        String v = "e-" + randomString(r, 30); // never a status value: see the class doc on matching
                        switch (r.nextInt(3)) {
                            case 0 -> {
                                h.set(name, v);
                                if (!routing) {
                                    expected.put(name, v);
                                }
                            }
                            case 1 -> {
                                boolean shownInContext = expected.containsKey(name);
                                h.add(name, v);
                                if (!routing && !shownInContext) {
                                    expected.put(name, v);
                                }
                            }
                            default -> {
                                h.remove(name);
                                expected.remove(name);
                            }
                        }
                    }
                });
                Read read = Read.of(ours);
                assertThat(read.id()).isEqualTo(id);
                assertThat(read.servant()).isEqualTo(req.servant());
                assertThat(read.function()).isEqualTo(req.function());
                assertThat(read.body()).isEqualTo(body);
                assertThat(read.timeout()).isEqualTo(req.timeout());
                assertThat(read.messageType()).isEqualTo(req.messageType());
                assertThat(read.status()).isEqualTo(st);
                assertThat(read.context()).isEqualTo(expected);
            } catch (Throwable t) {
                throw new AssertionError("randomEditsAlwaysDecodeInTarsJava failed with -Dtars.fuzz.seed=" + SEED
                        + " at iteration " + i + ", input " + ByteBufUtil.hexDump(packet), t);
            }
        }
    }

    static String randomString(Random r, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(max + 1); i > 0; i--) {
            int k = r.nextInt(12);
            sb.append(k == 0 ? (char) (0x4e00 + r.nextInt(500)) : k == 1 ? "😀" : String.valueOf((char) ('a' + r.nextInt(26))));
        }
        return sb.toString();
    }
}
