package io.mosn4j.protocol.bolt;

import static io.mosn4j.protocol.bolt.Bufs.ALLOC;
import static io.mosn4j.protocol.bolt.Bufs.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.remoting.Connection;
import com.alipay.remoting.config.switches.ProtocolSwitch;
import com.alipay.remoting.rpc.RpcCommandType;
import com.alipay.remoting.rpc.protocol.RpcCommandDecoder;
import com.alipay.remoting.rpc.protocol.RpcCommandDecoderV2;
import com.alipay.remoting.rpc.protocol.RpcCommandEncoder;
import com.alipay.remoting.rpc.protocol.RpcCommandEncoderV2;
import com.alipay.remoting.rpc.protocol.RpcRequestCommand;
import com.alipay.sofa.rpc.codec.bolt.SimpleMapSerializer;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A filter's changes to a bolt request's header map reach the peer: frames written by SOFABolt's
 * encoders with a header map from SOFARPC's own {@link SimpleMapSerializer} are decoded by us, their
 * headers changed, encoded by us, and read back by SOFABolt's decoders (CRC checked) and SOFARPC's
 * serializer, which see exactly the change, the class name, content and timeout intact.
 */
class BoltHeaderWriteBackTest {
    static final BoltProtocol BOLT = new BoltProtocol();
    static final long SEED = Long.getLong("bolt.fuzz.seed", 0xB017_5EEDL);

    /** A SOFABolt peer: encoder and decoder, channel version, CRC. */
    enum Peer {
        V1(0, (byte) 1, false),
        V2_VER1(2, (byte) 1, false),
        V2_CRC(2, (byte) 2, true);

        final int protocol;
        final byte ver1;
        final boolean crc;

        Peer(int protocol, byte ver1, boolean crc) {
            this.protocol = protocol;
            this.ver1 = ver1;
            this.crc = crc;
        }
    }

    final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    ChannelHandlerContext ctx(Peer peer) {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter()) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 12200);
            }
        };
        ch.attr(Connection.VERSION).set(peer.ver1);
        channels.add(ch);
        return ch.pipeline().firstContext();
    }

    /** SOFABolt's encoding of a request with SOFARPC's encoding of {@code header} as its header map. */
    ByteBuf theirRequest(Peer peer, Map<String, String> header, String body, byte type) throws Exception {
        RpcRequestCommand cmd = new RpcRequestCommand(body);
        cmd.setType(type);
        cmd.setRequestClass(String.class.getName());
        cmd.setTimeout(2500);
        cmd.setHeader(new SimpleMapSerializer().encode(header));
        if (peer.crc) {
            cmd.setProtocolSwitch(ProtocolSwitch.create(new int[] {ProtocolSwitch.CRC_SWITCH_INDEX}));
        }
        cmd.serialize();
        ByteBuf out = ALLOC.directBuffer();
        if (peer.protocol == 0) {
            new RpcCommandEncoder().encode(ctx(peer), cmd, out);
        } else {
            new RpcCommandEncoderV2().encode(ctx(peer), cmd, out);
        }
        return out;
    }

    /** SOFABolt's decoding of {@code in} (which it consumes whole), content deserialized. */
    RpcRequestCommand theirDecoding(Peer peer, ByteBuf in) throws Exception {
        List<Object> out = new ArrayList<>();
        if (peer.protocol == 0) {
            new RpcCommandDecoder().decode(ctx(peer), in, out);
        } else {
            new RpcCommandDecoderV2().decode(ctx(peer), in, out);
        }
        assertThat(out).hasSize(1);
        assertThat(in.isReadable()).isFalse();
        RpcRequestCommand cmd = (RpcRequestCommand) out.get(0);
        cmd.deserialize();
        return cmd;
    }

    /** The header map SOFARPC reads from {@code cmd}. */
    static Map<String, String> theirHeaders(RpcRequestCommand cmd) throws Exception {
        return new SimpleMapSerializer().decode(cmd.getHeader());
    }

    /** The keys of a header block in wire order (SOFARPC reads it into a HashMap, which has none). */
    static List<String> keysInOrder(byte[] block) {
        List<String> keys = new ArrayList<>();
        ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(block);
        boolean key = true;
        while (b.isReadable()) {
            int n = b.readInt();
            String s = n < 0 ? null : b.readCharSequence(n, StandardCharsets.UTF_8).toString();
            if (key) {
                keys.add(s);
            }
            key = !key;
        }
        return keys;
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void setRemoveAndAddReachTheirDecoder(Peer peer) throws Exception {
        for (int length : new int[] {5, 5000}) { // one copied whole, one written around a view of the content
            for (byte type : new byte[] {RpcCommandType.REQUEST, RpcCommandType.REQUEST_ONEWAY}) {
                Map<String, String> sent = map(
                        "service", "com.example.EchoService:1.0",
                        "sofa_head_target_service", "com.example.EchoService:1.0",
                        "sofa_head_method_name", "echo",
                        "rpc_trace_context.sofaTraceId", "0a0fe8d21500000000001",
                        "rpc_trace_context.sofaCallerApp", "调用方");
                ByteBuf wire = theirRequest(peer, sent, "x".repeat(length), type);
                BoltFrame f = BOLT.decode(wire);
                Headers h = f.headers();
                h.set("service", "com.example.OtherService:2.0");
                h.remove("rpc_trace_context.sofaTraceId");
                h.add("x-mosn-added", "值 ✓");
                h.add("empty", "");
                f.setRequestId(0x8000_0003L);

                ByteBuf ours = BOLT.encode(f, ALLOC);
                RpcRequestCommand back = theirDecoding(peer, ours);
                assertThat(back.getId()).isEqualTo(0x8000_0003);
                assertThat(back.getType()).isEqualTo(type);
                assertThat(back.getTimeout()).isEqualTo(2500);
                assertThat(back.getRequestClass()).isEqualTo(String.class.getName());
                assertThat(back.getRequestObject()).isEqualTo("x".repeat(length));
                assertThat(theirHeaders(back)).isEqualTo(map(
                        "service", "com.example.OtherService:2.0",
                        "sofa_head_target_service", "com.example.EchoService:1.0",
                        "sofa_head_method_name", "echo",
                        "rpc_trace_context.sofaCallerApp", "调用方",
                        "x-mosn-added", "值 ✓",
                        "empty", ""));
                // unchanged keys keep their places, the removed one is gone, the added ones come last
                assertThat(keysInOrder(back.getHeader())).containsExactly(
                        "service", "sofa_head_target_service", "sofa_head_method_name",
                        "rpc_trace_context.sofaCallerApp", "x-mosn-added", "empty");
                ours.release();
                f.release();
                assertThat(wire.refCnt()).isEqualTo(1);
                wire.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void theSameIdAndChangedHeadersStillWriteTheChange(Peer peer) throws Exception {
        ByteBuf wire = theirRequest(peer, map("service", "a"), "hi", RpcCommandType.REQUEST);
        BoltFrame f = BOLT.decode(wire);
        long id = f.requestId();
        f.headers().add("k", "v");
        ByteBuf ours = BOLT.encode(f, ALLOC);
        RpcRequestCommand back = theirDecoding(peer, ours);
        assertThat(Integer.toUnsignedLong(back.getId())).isEqualTo(id);
        assertThat(theirHeaders(back)).isEqualTo(map("service", "a", "k", "v"));
        ours.release();
        f.release();
        wire.release();
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void aRequestWithoutHeaderMapGetsOne(Peer peer) throws Exception {
        ByteBuf wire = theirRequest(peer, Map.of(), "hi", RpcCommandType.REQUEST);
        BoltFrame f = BOLT.decode(wire);
        assertThat(f.headers().isEmpty()).isTrue();
        f.headers().add("service", "com.example.EchoService:1.0");
        ByteBuf ours = BOLT.encode(f, ALLOC);
        RpcRequestCommand back = theirDecoding(peer, ours);
        assertThat(theirHeaders(back)).isEqualTo(map("service", "com.example.EchoService:1.0"));
        assertThat(back.getRequestObject()).isEqualTo("hi");
        ours.release();
        f.release();
        wire.release();
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void removingEveryKeyLeavesAnEmptyMap(Peer peer) throws Exception {
        ByteBuf wire = theirRequest(peer, map("service", "a", "b", "c"), "hi", RpcCommandType.REQUEST);
        BoltFrame f = BOLT.decode(wire);
        f.headers().remove("service");
        f.headers().remove("b");
        ByteBuf ours = BOLT.encode(f, ALLOC);
        RpcRequestCommand back = theirDecoding(peer, ours);
        assertThat(back.getHeader()).isNullOrEmpty();
        assertThat(back.getRequestObject()).isEqualTo("hi");
        ours.release();
        f.release();
        wire.release();
    }

    /** A name added again is written once, with the value lookups (and so routing) saw; a null value is not written. */
    @Test
    void eachNameOnceWithItsFirstValue() throws Exception {
        ByteBuf wire = theirRequest(Peer.V1, map("service", "a"), "hi", RpcCommandType.REQUEST);
        BoltFrame f = BOLT.decode(wire);
        f.headers().add("SERVICE", "b");
        f.headers().add("k", "1");
        f.headers().add("k", "2");
        f.headers().add("gone", null);
        ByteBuf ours = BOLT.encode(f, ALLOC);
        RpcRequestCommand back = theirDecoding(Peer.V1, ours);
        assertThat(theirHeaders(back)).isEqualTo(map("service", "a", "k", "1"));
        ours.release();
        f.release();
        wire.release();
    }

    @Test
    void aMapTooLongForBoltIsRefused() throws Exception {
        ByteBuf wire = theirRequest(Peer.V1, map("service", "a"), "hi", RpcCommandType.REQUEST);
        BoltFrame f = BOLT.decode(wire);
        f.headers().add("big", "v".repeat(40_000));
        assertThatThrownBy(() -> BOLT.encode(f, ALLOC))
                .isInstanceOf(XProtocolException.class)
                .hasMessageContaining("32767");
        f.release();
        assertThat(wire.refCnt()).isEqualTo(1);
        wire.release();
    }

    /**
     * Random maps from SOFARPC's encoder, random edits (set, add, remove, of names there and not,
     * in any case), random ids and content sizes: SOFABolt and SOFARPC always read the frame back,
     * with exactly the headers' entries (first value per name) and the content intact.
     */
    @Test
    void randomEditsAlwaysDecodeOnTheOtherSide() {
        Random r = new Random(SEED);
        Peer[] peers = Peer.values();
        for (int i = 0; i < 600; i++) {
            Peer peer = peers[r.nextInt(peers.length)];
            Map<String, String> sent = new LinkedHashMap<>();
            for (int n = r.nextInt(8); n > 0; n--) {
                sent.put(randomString(r, 12), randomString(r, r.nextInt(8) == 0 ? 400 : 30));
            }
            String body = "b".repeat(r.nextInt(6) == 0 ? 1500 + r.nextInt(3000) : r.nextInt(200));
            ByteBuf wire = null;
            BoltFrame f = null;
            ByteBuf ours = null;
            try {
                wire = theirRequest(peer, sent, body, r.nextInt(5) == 0 ? RpcCommandType.REQUEST_ONEWAY : RpcCommandType.REQUEST);
                f = BOLT.decode(wire);
                Headers h = f.headers();
                List<String> names = new ArrayList<>(sent.keySet());
                for (int k = r.nextInt(6); k > 0; k--) {
                    String name = !names.isEmpty() && r.nextBoolean() ? names.get(r.nextInt(names.size())) : randomString(r, 10);
                    if (r.nextInt(4) == 0) {
                        name = r.nextBoolean() ? name.toUpperCase() : name.toLowerCase();
                    }
                    switch (r.nextInt(3)) {
                        case 0 -> h.set(name, randomString(r, 40));
                        case 1 -> h.add(name, randomString(r, 40));
                        default -> h.remove(name);
                    }
                }
                Map<String, String> expected = new LinkedHashMap<>();
                List<String> seen = new ArrayList<>();
                for (int k = 0; k < h.size(); k++) {
                    String name = h.name(k);
                    if (seen.stream().noneMatch(name::equalsIgnoreCase)) {
                        seen.add(name);
                        expected.put(name, h.value(k));
                    }
                }
                int id = r.nextInt();
                f.setRequestId(Integer.toUnsignedLong(id));
                ours = BOLT.encode(f, ALLOC);
                RpcRequestCommand back = theirDecoding(peer, ours);
                assertThat(back.getId()).isEqualTo(id);
                assertThat(back.getRequestObject()).isEqualTo(body);
                if (expected.isEmpty()) {
                    assertThat(back.getHeader()).isNullOrEmpty();
                } else {
                    assertThat(theirHeaders(back)).isEqualTo(expected);
                    assertThat(keysInOrder(back.getHeader())).containsExactlyElementsOf(expected.keySet());
                }
            } catch (Throwable t) {
                throw new AssertionError("randomEditsAlwaysDecodeOnTheOtherSide failed with -Dbolt.fuzz.seed=" + SEED
                        + " at iteration " + i + (wire == null ? "" : ", input " + ByteBufUtil.hexDump(wire, 0, wire.writerIndex())), t);
            } finally {
                if (ours != null) {
                    ours.release();
                }
                if (f != null) {
                    f.release();
                }
                if (wire != null) {
                    assertThat(wire.refCnt()).isEqualTo(1);
                    wire.release();
                }
            }
        }
    }

    static String randomString(Random r, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(max + 1); i > 0; i--) {
            int k = r.nextInt(10);
            sb.append(k == 0 ? (char) (0x4e00 + r.nextInt(500)) : k == 1 ? (char) ('A' + r.nextInt(26)) : (char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }
}
