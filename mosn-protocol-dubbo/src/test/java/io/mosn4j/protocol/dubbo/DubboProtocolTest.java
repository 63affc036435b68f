package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class DubboProtocolTest {
    private final DubboProtocol dubbo = new DubboProtocol();
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everythingReleased() {
        assertThat(alloc.unreleased()).isEmpty();
    }

    private ByteBuf pooled(byte[]... parts) {
        ByteBuf b = alloc.directBuffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b;
    }

    private static byte[] simpleRequest(long id) {
        return Wire.request(id, Wire.head("org.example.Svc", "1.0", "call", "Ljava/lang/String;I")
                .str("arg").raw(0x91)
                .hessian(h -> h.writeObject(Map.of("group", "g1")))
                .bytes());
    }

    @Test
    void isRegisteredUnderItsName() {
        assertThat(ServiceLoader.load(XProtocol.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(p -> {
                    assertThat(p).isInstanceOf(DubboProtocol.class);
                    assertThat(p.name()).isEqualTo("dubbo");
                    assertThat(p.poolMode()).isEqualTo(PoolMode.MULTIPLEX);
                });
    }

    @Test
    void requestIdsUseAll64BitsAndWrap() {
        assertThat(dubbo.nextRequestId(0)).isEqualTo(1);
        assertThat(dubbo.nextRequestId(0xffff_ffffL)).isEqualTo(0x1_0000_0000L);
        assertThat(dubbo.nextRequestId(Long.MAX_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(dubbo.nextRequestId(-1)).isZero();
    }

    @Test
    void detectsTheMagicAndNothingElse() {
        assertThat(detect()).isEqualTo(Detection.NEED_MORE);
        assertThat(detect(0xda)).isEqualTo(Detection.NEED_MORE);
        assertThat(detect(0xda, 0xbb)).isEqualTo(Detection.YES);
        assertThat(detect(0xda, 0xbb, 0xc2, 0x00)).isEqualTo(Detection.YES);
        assertThat(detect(0xda, 0xbc)).isEqualTo(Detection.NO);
        assertThat(detect(0xbb)).isEqualTo(Detection.NO);
        for (String s : new String[] {"GET / HTTP/1.1\r\n", "POST /", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "OPTIONS"}) {
            assertThat(detect(s.getBytes(StandardCharsets.US_ASCII))).as(s).isEqualTo(Detection.NO);
        }
        assertThat(detect(0x01, 0x01, 0x00, 0x01)).isEqualTo(Detection.NO); // bolt v1
        assertThat(detect(0x02, 0x01, 0x01)).isEqualTo(Detection.NO); // bolt v2
        assertThat(detect(0x00, 0x00, 0x00, 0x40, 0x10, 0x01)).isEqualTo(Detection.NO); // tars
        // indexes are not moved, and the reader index is honoured
        ByteBuf b = Unpooled.wrappedBuffer(new byte[] {1, 2, (byte) 0xda, (byte) 0xbb});
        b.readerIndex(2);
        assertThat(dubbo.detect(b)).isEqualTo(Detection.YES);
        assertThat(b.readerIndex()).isEqualTo(2);
        assertThat(b.writerIndex()).isEqualTo(4);
    }

    private Detection detect(int... bytes) {
        byte[] a = new byte[bytes.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (byte) bytes[i];
        }
        return detect(a);
    }

    private Detection detect(byte[] a) {
        return dubbo.detect(Unpooled.wrappedBuffer(a));
    }

    @Test
    void decodesNothingUntilTheWholeFrameIsThereAtEveryByteBoundary() {
        byte[] big = Wire.request(Long.MAX_VALUE, Wire.head("org.example.Big", null, "m", "[B")
                .hessian(h -> h.writeBytes(new byte[5000]))
                .raw('N')
                .bytes());
        List<byte[]> frames = List.of(
                simpleRequest(1),
                DubboCodecs.encode(DubboCodecs.heartbeat(2)),
                big,
                DubboCodecs.encode(DubboCodecs.response(3, "done")),
                Wire.frame(0x02, 20, 4, new byte[0]));
        ByteArrayStream all = new ByteArrayStream();
        frames.forEach(all::add);
        byte[] stream = all.bytes();
        List<Long> ids = new ArrayList<>();
        ByteBuf cumulation = alloc.directBuffer();
        int frameEnd = frames.get(0).length;
        int next = 0;
        for (int i = 0; i < stream.length; i++) {
            cumulation.writeByte(stream[i]);
            int before = cumulation.readerIndex();
            XFrame f = dubbo.decode(cumulation);
            if (i + 1 < frameEnd) {
                assertThat(f).as("byte %d", i).isNull();
                assertThat(cumulation.readerIndex()).isEqualTo(before);
                continue;
            }
            assertThat(f).as("byte %d", i).isNotNull();
            assertThat(cumulation.isReadable()).isFalse();
            ids.add(f.requestId());
            f.headers().size();
            ByteBuf out = dubbo.encode(f, alloc);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(frames.get(next));
            out.release();
            f.release();
            cumulation.discardReadBytes();
            if (++next < frames.size()) {
                frameEnd += frames.get(next).length;
            }
        }
        assertThat(ids).containsExactly(1L, 2L, Long.MAX_VALUE, 3L, 4L);
        cumulation.release();
    }

    @Test
    void decodesConcatenatedFramesOneAtATime() {
        ByteBuf in = pooled(simpleRequest(10), simpleRequest(11), DubboCodecs.encode(DubboCodecs.heartbeat(12)),
                new byte[] {(byte) 0xda, (byte) 0xbb, 0x02});
        XFrame a = dubbo.decode(in);
        XFrame b = dubbo.decode(in);
        XFrame c = dubbo.decode(in);
        assertThat(dubbo.decode(in)).isNull();
        assertThat(in.readableBytes()).isEqualTo(3);
        assertThat(List.of(a.requestId(), b.requestId(), c.requestId())).containsExactly(10L, 11L, 12L);
        assertThat(a.headers().get("group")).isEqualTo("g1");
        assertThat(c.isHeartbeat()).isTrue();
        // the frames hold slices of the input: it lives until they are all released
        in.release();
        assertThat(in.refCnt()).isEqualTo(3);
        a.release();
        a.release(); // idempotent
        b.release();
        assertThat(in.refCnt()).isEqualTo(1);
        c.release();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void rejectsABadMagic() {
        ByteBuf in = pooled(new byte[] {0x12, 0x34});
        assertThatThrownBy(() -> dubbo.decode(in))
                .isInstanceOf(XProtocolException.class)
                .hasMessage("dubbo: bad magic 0x1234 at offset 0");
        in.release();
    }

    @Test
    void rejectsAbsurdBodyLengths() {
        for (int length : new int[] {-1, Integer.MIN_VALUE, DubboProtocol.MAX_BODY_LENGTH + 1, Integer.MAX_VALUE}) {
            byte[] frame = Wire.frame(0xc2, 0, 1, new byte[0]);
            Unpooled.wrappedBuffer(frame).setInt(12, length);
            ByteBuf in = pooled(frame);
            assertThatThrownBy(() -> dubbo.decode(in))
                    .isInstanceOf(XProtocolException.class)
                    .hasMessageStartingWith("dubbo: bad body length " + length + " at offset 12");
            in.release();
        }
        // the limit itself is allowed: the decoder waits for the body
        byte[] frame = Wire.frame(0xc2, 0, 1, new byte[0]);
        Unpooled.wrappedBuffer(frame).setInt(12, DubboProtocol.MAX_BODY_LENGTH);
        ByteBuf in = pooled(frame);
        assertThat(dubbo.decode(in)).isNull();
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void rejectsRequestsToRouteInAnotherSerialization() {
        for (int ser : new int[] {0, 3, 6, 21, 23, 31}) {
            ByteBuf in = pooled(Wire.frame(0xc0 | ser, 0, 1, new byte[] {'N'}));
            assertThatThrownBy(() -> dubbo.decode(in))
                    .isInstanceOf(XProtocolException.class)
                    .hasMessageStartingWith("dubbo: serialization id " + ser + " in flag 0x")
                    .hasMessageContaining("at offset 2");
            in.release();
        }
    }

    @Test
    void acceptsHeartbeatsAndResponsesInAnySerialization() {
        byte[] fastjson2Null = "null".getBytes(StandardCharsets.US_ASCII);
        ByteBuf in = pooled(Wire.frame(0xe0 | 23, 0, 77, fastjson2Null), Wire.frame(0x06, 70, 78, new byte[] {1, 2}));
        XFrame ping = dubbo.decode(in);
        XFrame res = dubbo.decode(in);
        assertThat(ping.isHeartbeat()).isTrue();
        assertThat(res.status()).isEqualTo(70);
        assertThat(((DubboFrame) res).serializationId()).isEqualTo(6);
        XFrame pong = dubbo.heartbeatResponse(ping);
        ByteBuf out = dubbo.encode(pong, alloc);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(Wire.frame(0x20 | 23, 20, 77, fastjson2Null));
        out.release();
        pong.release();
        ping.release();
        res.release();
        in.release();
    }

    @Test
    void reEncodesWithTheNewIdAndTheSameBody() {
        byte[] wire = simpleRequest(5);
        ByteBuf in = pooled(wire);
        XFrame f = dubbo.decode(in);
        in.release();
        f.setRequestId(0x0102030405060708L);
        assertThat(f.requestId()).isEqualTo(0x0102030405060708L);
        ByteBuf out = dubbo.encode(f, alloc);
        byte[] expected = wire.clone();
        Unpooled.wrappedBuffer(expected).setLong(4, 0x0102030405060708L);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(expected);
        // the frame can be encoded again (a retry) while the first copy is still unsent
        f.setRequestId(9);
        ByteBuf again = dubbo.encode(f, alloc);
        assertThat(again.getLong(4)).isEqualTo(9);
        assertThat(out.getLong(4)).isEqualTo(0x0102030405060708L);
        f.release();
        assertThat(ByteBufUtil.getBytes(again, 16, again.readableBytes() - 16))
                .isEqualTo(java.util.Arrays.copyOfRange(wire, 16, wire.length));
        out.release();
        again.release();
    }

    @Test
    void shortFramesAppendToABatchAsEncodeWritesThem() {
        ByteBuf batch = alloc.ioBuffer(8);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        assertThat(dubbo.encodesInto()).isTrue();
        for (int id = 1; id <= 3; id++) {
            ByteBuf in = pooled(simpleRequest(id));
            XFrame f = dubbo.decode(in);
            in.release();
            f.setRequestId(100 + id);
            assertThat(dubbo.encodeInto(f, batch)).isTrue();
            ByteBuf own = dubbo.encode(f, alloc);
            expected.writeBytes(ByteBufUtil.getBytes(own));
            own.release();
            f.release();
        }
        assertThat(ByteBufUtil.getBytes(batch)).isEqualTo(expected.toByteArray());
        batch.release();
    }

    @Test
    void sharesLargeBodiesInsteadOfCopyingThem() {
        byte[] wire = Wire.request(1, Wire.head("s", null, "m", "[B")
                .hessian(h -> h.writeBytes(new byte[100_000]))
                .raw('N')
                .bytes());
        ByteBuf in = pooled(wire);
        XFrame f = dubbo.decode(in);
        in.release();
        ByteBuf out = dubbo.encode(f, alloc);
        assertThat(out).isInstanceOf(CompositeByteBuf.class);
        f.release();
        assertThat(in.refCnt()).isEqualTo(1); // held by the encoded buffer alone
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(wire);
        out.release();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void misuseAfterReleaseIsABugNotAProtocolError() {
        ByteBuf in = pooled(simpleRequest(1));
        XFrame f = dubbo.decode(in);
        in.release();
        f.release();
        assertThatThrownBy(() -> f.headers().size()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> f.headers().size()).as("still not loaded").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> dubbo.encode(f, alloc)).isInstanceOf(IllegalStateException.class);
        assertThat(f.toString()).contains("released");
        assertThatThrownBy(() -> dubbo.encode(new ForeignFrame(), alloc)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headersOfRequestsResponsesAndHeartbeatsCarryTheirFrame() {
        ByteBuf in = pooled(simpleRequest(1), DubboCodecs.encode(DubboCodecs.heartbeat(2)),
                DubboCodecs.encode(DubboCodecs.response(3, 1)));
        for (int i = 0; i < 3; i++) {
            XFrame f = dubbo.decode(in);
            Headers h = f.headers();
            assertThat(h.message()).isSameAs(f);
            assertThat(f.headers()).isSameAs(h);
            if (i == 0) {
                assertThat(h.get("service")).isEqualTo("org.example.Svc");
                assertThat(h.get("method")).isEqualTo("call");
                assertThat(h.get("version")).isEqualTo("1.0");
                assertThat(h.get("group")).isEqualTo("g1");
                assertThat(f.timeout()).isNull();
            } else {
                assertThat(h.isEmpty()).isTrue();
            }
            f.release();
        }
        in.release();
    }

    @Test
    void errorResponsesFollowMosnsStatusMapping() {
        ByteBuf in = pooled(simpleRequest(42));
        XFrame req = dubbo.decode(in);
        in.release();
        Map<ProxyError, Integer> expected = Map.of(
                ProxyError.PAYLOAD_TOO_LARGE, 40,
                ProxyError.NO_ROUTE, 60,
                ProxyError.NO_HEALTHY_UPSTREAM, 60,
                ProxyError.TIMEOUT, 30,
                ProxyError.OVERFLOW, 40,
                ProxyError.PERMISSION_DENIED, 80,
                ProxyError.CODEC, 70,
                ProxyError.DESERIALIZATION, 70,
                ProxyError.UNKNOWN, 70);
        assertThat(expected).hasSize(ProxyError.values().length);
        for (ProxyError e : ProxyError.values()) {
            XFrame res = dubbo.errorResponse(req, e, "  ");
            assertThat(res.status()).as("%s", e).isEqualTo(expected.get(e));
            assertThat(res.requestId()).isEqualTo(42);
            assertThat(res.isRequest()).isFalse();
            assertThat(((DubboFrame) res).flag()).isEqualTo(0x02);
            assertThat(res.headers().isEmpty()).isTrue();
            res.release();
        }
        req.release();
    }

    @Test
    void writesHessian2StringsAsHessianLiteReadsThem() throws Exception {
        for (String s : new String[] {"", "a", "x".repeat(31), "x".repeat(32), "y".repeat(1023), "y".repeat(1024),
            "中".repeat(0x8000), "é".repeat(0x8001), "😀".repeat(0x4000) + "a", "a" + "😀".repeat(0x4000),
            Samples.longString(200_000)}) {
            byte[] ours = Hessian2Writer.string(s);
            var in = new com.alibaba.com.caucho.hessian.io.Hessian2Input(new java.io.ByteArrayInputStream(ours));
            assertThat(in.readString()).isEqualTo(s);
            assertThat(ours).isEqualTo(new Wire().str(s).bytes());
            ByteBuf direct = io.netty.buffer.Unpooled.buffer();
            Hessian2Writer.writeString(direct, s);
            assertThat(ByteBufUtil.getBytes(direct)).isEqualTo(ours);
        }
    }

    /** An XFrame of another protocol. */
    private static final class ForeignFrame implements XFrame {
        public long requestId() { return 1; }
        public void setRequestId(long id) {}
        public boolean isRequest() { return true; }
        public boolean isHeartbeat() { return false; }
        public boolean isOneWay() { return false; }
        public Headers headers() { return new Headers(); }
        public int status() { return -1; }
        public void release() {}
    }

    private static final class ByteArrayStream extends java.io.ByteArrayOutputStream {
        void add(byte[] b) {
            writeBytes(b);
        }

        byte[] bytes() {
            return toByteArray();
        }
    }

    /**
     * Once sent, a request with a large body lets it go (and the read buffer it was a slice of):
     * its headers, read for the first time now, and an error answer still work; it cannot be
     * encoded again. A small body stays.
     */
    @Test
    void aSentRequestLetsGoOfALargeBodyKeepingItsHeaders() {
        byte[] big = Wire.request(41, Wire.head("org.example.Big", "1.0", "m", "[B")
                .hessian(h -> h.writeBytes(new byte[64 * 1024]))
                .hessian(h -> h.writeObject(Map.of("group", "g1")))
                .bytes());
        ByteBuf in = pooled(big);
        DubboFrame f = (DubboFrame) dubbo.decode(in);
        in.release();
        f.setRequestId(42);
        ByteBuf sent = dubbo.encode(f, alloc);
        f.releasePayload();
        assertThat(in.refCnt()).as("only the bytes on their way hold the read buffer").isPositive();
        sent.release();
        assertThat(in.refCnt()).isZero();
        assertThat(f.headers().get("service")).isEqualTo("org.example.Big");
        assertThat(f.headers().get("group")).isEqualTo("g1");
        assertThat(f.payloadLength()).isEqualTo(big.length - 16);
        XFrame error = dubbo.errorResponse(f, ProxyError.TIMEOUT, null);
        assertThat(error.requestId()).isEqualTo(42);
        error.release();
        assertThatThrownBy(() -> dubbo.encode(f, alloc)).isInstanceOf(IllegalStateException.class);
        f.release();

        DubboFrame small = (DubboFrame) dubbo.decode(Unpooled.wrappedBuffer(simpleRequest(5)));
        small.releasePayload();
        ByteBuf again = dubbo.encode(small, alloc);
        assertThat(ByteBufUtil.getBytes(again)).isEqualTo(simpleRequest(5));
        again.release();
        small.release();
    }
}
