package io.mosn4j.protocol.tars;

import static io.mosn4j.protocol.tars.TarsJavaPackets.bytes;
import static io.mosn4j.protocol.tars.TarsJavaPackets.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.protocol.tars.TarsJavaPackets.Request;
import io.mosn4j.protocol.tars.TarsJavaPackets.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class TarsProtocolTest {
    private final TarsProtocol tars = new TarsProtocol();
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    // ---------------------------------------------------------------- the SPI basics

    @Test
    void isRegisteredForServiceLoaderAsTars() {
        XProtocol found = ServiceLoader.load(XProtocol.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("tars"))
                .findFirst().orElseThrow();
        assertThat(found).isInstanceOf(TarsProtocol.class);
        assertThat(found.poolMode()).isEqualTo(PoolMode.MULTIPLEX);
    }

    @Test
    void requestIdsArePositiveInts() {
        assertThat(tars.nextRequestId(0)).isEqualTo(1);
        assertThat(tars.nextRequestId(1)).isEqualTo(2);
        assertThat(tars.nextRequestId(Integer.MAX_VALUE - 1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(tars.nextRequestId(Integer.MAX_VALUE)).isEqualTo(1);
        assertThat(tars.nextRequestId(0xffff_ffffL)).isEqualTo(1);
    }

    @Test
    void hasNoHeartbeat() {
        XFrame req = tars.decode(Request.of(1, "A.B.C", "tars_ping").buf());
        try {
            assertThat(req.isHeartbeat()).isFalse();
            assertThatThrownBy(() -> tars.heartbeatResponse(req)).isInstanceOf(UnsupportedOperationException.class);
        } finally {
            req.release();
        }
    }

    // ---------------------------------------------------------------- requests

    @Test
    void decodesARequestWrittenByTarsJava() {
        Request r = new Request((short) 1, (byte) 0, 0x10, 42, "TestApp.HelloServer.HelloObj", "sayHello",
                new byte[] {0x0C, 0x16, 0x03, 'a', 'b', 'c'}, 3000, map("traceid", "t-1", "user", "u"),
                map("STATUS_DYED_KEY", "dye"));
        ByteBuf in = r.buf();
        TarsFrame f = tars.decode(in);
        try {
            assertThat(in.isReadable()).isFalse();
            assertThat(f.isRequest()).isTrue();
            assertThat(f.isOneWay()).isFalse();
            assertThat(f.hasRequestLayout()).isTrue();
            assertThat(f.requestId()).isEqualTo(42);
            assertThat(f.version()).isEqualTo(1);
            assertThat(f.packetType()).isEqualTo(0);
            assertThat(f.messageType()).isEqualTo(0x10);
            assertThat(f.servantName()).isEqualTo("TestApp.HelloServer.HelloObj");
            assertThat(f.functionName()).isEqualTo("sayHello");
            assertThat(bytes(f.body())).isEqualTo(r.body());
            assertThat(f.status()).isEqualTo(-1);
            assertThat(f.timeout()).isEqualTo(Duration.ofMillis(3000));

            Headers h = f.headers();
            assertThat(h.message()).isSameAs(f);
            assertThat(h.get("service")).isEqualTo("TestApp.HelloServer.HelloObj");
            assertThat(h.get("method")).isEqualTo("sayHello");
            assertThat(h.get("traceid")).isEqualTo("t-1");
            assertThat(h.get("user")).isEqualTo("u");
            assertThat(h.get("STATUS_DYED_KEY")).isEqualTo("dye");
            assertThat(h.size()).isEqualTo(5);
            assertThat(h.name(0)).isEqualTo("service");
            assertThat(f.headers()).isSameAs(h);
        } finally {
            f.release();
        }
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    @Test
    void readsUtf8NamesAndLongStrings() {
        String servant = "App.服务.Obj";
        String longValue = "x".repeat(300); // STRING4
        Request r = Request.of(7, servant, "f" + "n".repeat(400)).withContext(map("k", longValue));
        TarsFrame f = tars.decode(r.buf());
        try {
            assertThat(f.headers().get("service")).isEqualTo(servant);
            assertThat(f.functionName()).hasSize(401);
            assertThat(f.headers().get("k")).isEqualTo(longValue);
        } finally {
            f.release();
        }
    }

    @Test
    void exposesAtMost1024MapEntriesAsHeadersButForwardsThemAll() {
        java.util.Map<String, String> context = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 2000; i++) {
            context.put("k" + i, "v");
        }
        Request r = Request.of(1, "a", "b").withContext(context).withStatus(map("s", "t"));
        TarsFrame f = tars.decode(r.buf());
        try {
            Headers h = f.headers();
            assertThat(h.size()).isEqualTo(2 + TarsFrame.MAX_MAP_HEADERS);
            assertThat(h.get("k1023")).isEqualTo("v");
            assertThat(h.get("k1024")).isNull();
            assertThat(h.get("s")).isNull();
            f.setRequestId(2);
            ByteBuf out = tars.encode(f, alloc);
            assertThat(bytes(out)).isEqualTo(r.withId(2).bytes());
            out.release();
        } finally {
            f.release();
        }
    }

    @Test
    void oneWayIsThePacketType() {
        TarsFrame f = tars.decode(Request.of(7, "a", "b").withPacketType(1).buf());
        try {
            assertThat(f.isOneWay()).isTrue();
            assertThat(f.isRequest()).isTrue();
        } finally {
            f.release();
        }
    }

    @Test
    void noTimeoutUnlessPositive() {
        for (int t : new int[] {0, -1}) {
            TarsFrame f = tars.decode(Request.of(7, "a", "b").withTimeout(t).buf());
            assertThat(f.timeout()).isNull();
            f.release();
        }
    }

    @Test
    void idsAreUnsigned32Bit() {
        TarsFrame f = tars.decode(Request.of(-1, "a", "b").buf());
        try {
            assertThat(f.requestId()).isEqualTo(0xffff_ffffL);
            assertThatThrownBy(() -> f.setRequestId(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> f.setRequestId(1L << 32)).isInstanceOf(IllegalArgumentException.class);
            f.setRequestId(0x8000_0000L);
            assertThat(f.requestId()).isEqualTo(0x8000_0000L);
        } finally {
            f.release();
        }
    }

    @Test
    void encodesAnUnchangedFrameByteForByte() {
        Request r = Request.of(5, "a.b.c", "m").withContext(map("a", "b"));
        TarsFrame f = tars.decode(r.buf());
        ByteBuf out = tars.encode(f, alloc);
        try {
            assertThat(bytes(out)).isEqualTo(r.bytes());
        } finally {
            out.release();
            f.release();
        }
    }

    static Stream<Arguments> idChanges() {
        int[] ids = {0, 1, -1, 127, 128, -128, -129, 32767, 32768, -32768, -32769, 70000, Integer.MAX_VALUE, Integer.MIN_VALUE};
        Stream.Builder<Arguments> b = Stream.builder();
        for (int from : ids) {
            for (int to : ids) {
                if (from != to) {
                    b.add(Arguments.of(from, to));
                }
            }
        }
        return b.build();
    }

    /** The rewritten packet is exactly what TarsJava writes for the new id, whatever the widths. */
    @ParameterizedTest
    @MethodSource("idChanges")
    void rewritesARequestIdOfAnyWidth(int from, int to) {
        for (byte[] body : new byte[][] {new byte[0], new byte[5000]}) { // copied, and shared
            Request r = Request.of(from, "App.Server.Obj", "call").withBody(body).withContext(map("c", "1"));
            TarsFrame f = tars.decode(r.buf());
            f.setRequestId(Integer.toUnsignedLong(to));
            ByteBuf out = tars.encode(f, alloc);
            try {
                assertThat(bytes(out)).isEqualTo(r.withId(to).bytes());
                TarsFrame again = tars.decode(out);
                assertThat(again.requestId()).isEqualTo(Integer.toUnsignedLong(to));
                assertThat(again.servantName()).isEqualTo("App.Server.Obj");
                assertThat(bytes(again.body())).isEqualTo(body);
                again.release();
            } finally {
                out.release();
                f.release();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("idChanges")
    void rewritesAResponseIdOfAnyWidth(int from, int to) {
        Response r = Response.of(from, -3).withStatus(map("s", "v"));
        TarsFrame f = tars.decode(r.buf());
        f.setRequestId(Integer.toUnsignedLong(to));
        ByteBuf out = tars.encode(f, alloc);
        try {
            assertThat(bytes(out)).isEqualTo(r.withId(to).bytes());
        } finally {
            out.release();
            f.release();
        }
    }

    @Test
    void rewritesTheIdOfARequestSeveralTimesFromTheOriginalBytes() {
        Request r = Request.of(0, "a", "b").withBody(new byte[3000]);
        TarsFrame f = tars.decode(r.buf());
        for (int id : new int[] {70000, 3, 0, 1 << 20}) {
            f.setRequestId(id);
            ByteBuf out = tars.encode(f, alloc);
            assertThat(bytes(out)).isEqualTo(r.withId(id).bytes());
            out.release();
        }
        f.release();
    }

    // ---------------------------------------------------------------- responses

    @Test
    void decodesAResponseWrittenByTarsJava() {
        Response r = new Response((short) 1, (byte) 0, 77, 0, -4, new byte[] {1}, map("st", "1"), "no servant",
                map("ctx", "2"));
        TarsFrame f = tars.decode(r.buf());
        try {
            assertThat(f.isRequest()).isFalse();
            assertThat(f.hasRequestLayout()).isFalse();
            assertThat(f.isOneWay()).isFalse();
            assertThat(f.requestId()).isEqualTo(77);
            assertThat(f.status()).isEqualTo(-4);
            assertThat(f.resultDesc()).isEqualTo("no servant");
            assertThat(f.timeout()).isNull();
            assertThat(f.servantName()).isNull();
            assertThat(bytes(f.body())).containsExactly(1);
            Headers h = f.headers();
            assertThat(h.message()).isSameAs(f);
            assertThat(h.get("st")).isEqualTo("1");
            assertThat(h.get("ctx")).isEqualTo("2");
            assertThat(h.size()).isEqualTo(2);
        } finally {
            f.release();
        }
    }

    @Test
    void decodesASuccessfulResponseWithoutResultDesc() {
        TarsFrame f = tars.decode(Response.of(1, 0).buf());
        try {
            assertThat(f.status()).isZero();
            assertThat(f.resultDesc()).isNull();
            assertThat(bytes(f.body())).containsExactly(9, 8, 7);
        } finally {
            f.release();
        }
    }

    // ---------------------------------------------------------------- local replies

    @ParameterizedTest
    @EnumSource(ProxyError.class)
    void answersEveryProxyErrorWithATarsReturnCode(ProxyError error) {
        TarsFrame req = tars.decode(new Request((short) 1, (byte) 0, 0x04, 1234, "A.B.C", "f", new byte[0], 100, null,
                null).buf());
        XFrame resp = tars.errorResponse(req, error, "404|no route");
        ByteBuf out = tars.encode(resp, alloc);
        try {
            int expected = switch (error) {
                case NO_ROUTE -> -4;
                case NO_HEALTHY_UPSTREAM -> -8;
                case TIMEOUT -> -7;
                case OVERFLOW, PAYLOAD_TOO_LARGE -> -9;
                case CODEC, DESERIALIZATION -> -1;
                case PERMISSION_DENIED, UNKNOWN -> -99;
            };
            assertThat(resp.status()).isEqualTo(expected);
            assertThat(resp.isRequest()).isFalse();
            assertThat(resp.requestId()).isEqualTo(1234);
            assertThat(resp.headers().message()).isSameAs(resp);

            TarsFrame again = tars.decode(out);
            assertThat(again.isRequest()).isFalse();
            assertThat(again.requestId()).isEqualTo(1234);
            assertThat(again.status()).isEqualTo(expected);
            assertThat(again.version()).isEqualTo(1);
            assertThat(again.messageType()).isEqualTo(0x04);
            assertThat(again.resultDesc()).isEqualTo("404|no route");
            assertThat(again.bodyLength()).isZero();
            again.release();
        } finally {
            out.release();
            resp.release();
            req.release();
        }
    }

    @Test
    void errorResponseGolden() {
        TarsFrame req = tars.decode(Request.of(70000, "a", "b").withPacketType(0).buf());
        XFrame resp = tars.errorResponse(req, ProxyError.NO_ROUTE, "x");
        ByteBuf out = tars.encode(resp, alloc);
        try {
            // 1 iVersion=1, 2 cPacketType=0, 3 iRequestId=70000 (INT4), 4 iMessageType=0, 5 iRet=-4,
            // 6 sBuffer=[], 7 status={}, 8 sResultDesc="x"
            assertThat(ByteBufUtil.hexDump(out)).isEqualTo(
                    "00000017" + "1001" + "2c" + "3200011170" + "4c" + "50fc" + "6d000c" + "780c" + "860178");
        } finally {
            out.release();
            resp.release();
            req.release();
        }
    }

    @Test
    void errorResponseCarriesTheCurrentIdAndEmptyDescForNoMessage() {
        TarsFrame req = tars.decode(Request.of(5, "a", "b").buf());
        req.setRequestId(99);
        XFrame resp = tars.errorResponse(req, ProxyError.TIMEOUT, null);
        try {
            assertThat(resp.requestId()).isEqualTo(99);
            assertThat(((TarsFrame) resp).resultDesc()).isEmpty();
            resp.setRequestId(5);
            ByteBuf out = tars.encode(resp, alloc);
            TarsFrame again = tars.decode(out);
            assertThat(again.requestId()).isEqualTo(5);
            again.release();
            out.release();
        } finally {
            resp.release();
            req.release();
        }
    }

    @Test
    void answersATupRequestInTupsLayout() {
        TarsFrame req = tars.decode(Request.of(31, "App.S.Obj", "get").withVersion(3).buf());
        XFrame resp = tars.errorResponse(req, ProxyError.OVERFLOW, "busy");
        ByteBuf out = tars.encode(resp, alloc);
        try {
            assertThat(resp.isRequest()).isFalse();
            assertThat(resp.status()).isEqualTo(-9);
            assertThat(resp.requestId()).isEqualTo(31);
            TarsFrame again = tars.decode(out); // the request layout: without a direction it reads as one
            assertThat(again.hasRequestLayout()).isTrue();
            assertThat(again.version()).isEqualTo(3);
            assertThat(again.requestId()).isEqualTo(31);
            assertThat(again.servantName()).isEqualTo("App.S.Obj");
            assertThat(again.functionName()).isEqualTo("get");
            assertThat(again.headers().get("STATUS_RESULT_CODE")).isEqualTo("-9");
            assertThat(again.headers().get("STATUS_RESULT_DESC")).isEqualTo("busy");
            assertThat(bytes(again.body())).containsExactly(0x08, 0x0C);
            again.release();
        } finally {
            out.release();
            resp.release();
            req.release();
        }
    }

    @Test
    void rejectsFramesOfOtherProtocols() {
        XFrame other = new XFrame() {
            public long requestId() { return 0; }
            public void setRequestId(long id) { }
            public boolean isRequest() { return true; }
            public boolean isHeartbeat() { return false; }
            public boolean isOneWay() { return false; }
            public Headers headers() { return new Headers(); }
            public int status() { return -1; }
            public void release() { }
        };
        assertThatThrownBy(() -> tars.encode(other, alloc)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tars.errorResponse(other, ProxyError.UNKNOWN, "")).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- encodings TarsJava does not write

    /** Hand-written: what readers accept besides the narrowest encodings, and unknown tags. */
    @Test
    void keepsUnknownTagsAndOddEncodingsAndReencodesOnlyTheId() {
        ByteBuf p = Unpooled.buffer();
        p.writeInt(0);
        p.writeBytes(new byte[] {0x11, 0x00, 0x01});                  // 1 iVersion=1 as INT2
        p.writeBytes(new byte[] {0x20, 0x00});                        // 2 cPacketType=0 as INT1
        p.writeBytes(new byte[] {0x32, 0, 0, 0, 0});                  // 3 iMessageType=0 as INT4
        p.writeBytes(new byte[] {(byte) 0xF2, 0x04, 0, 0, 0, 9});     // 4 iRequestId=9, long head, INT4
        p.writeBytes(new byte[] {0x57, 0, 0, 0, 1, 's'});             // 5 sServantName="s" as STRING4
        p.writeBytes(new byte[] {0x66, 1, 'f'});                      // 6 sFuncName="f"
        p.writeBytes(new byte[] {0x79, 0x00, 2, 0x0C, 0x00, 5});      // 7 sBuffer as a LIST: [0, 5]
        p.writeBytes(new byte[] {(byte) 0x8C});                       // 8 iTimeout=0
        p.writeBytes(new byte[] {(byte) 0x98, 0x0C});                 // 9 context={}
        p.writeBytes(new byte[] {(byte) 0xA8, 0x00, 1, 0x06, 1, 'k', 0x16, 1, 'v'}); // 10 status={k:v}
        p.writeBytes(new byte[] {(byte) 0xBA, 0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0x19, 0x0C, 0x0B}); // 11 struct
        p.writeBytes(new byte[] {(byte) 0xF4, (byte) 200, 0x3F, (byte) 0x80, 0, 0}); // 200 float
        p.setInt(0, p.readableBytes());
        byte[] original = bytes(p);

        TarsFrame f = tars.decode(p);
        try {
            assertThat(f.version()).isEqualTo(1);
            assertThat(f.requestId()).isEqualTo(9);
            assertThat(f.servantName()).isEqualTo("s");
            assertThat(f.headers().get("k")).isEqualTo("v");
            assertThat(bytes(f.body())).containsExactly(0, 5);

            ByteBuf same = tars.encode(f, alloc);
            assertThat(bytes(same)).isEqualTo(original);
            same.release();

            f.setRequestId(300);
            ByteBuf out = tars.encode(f, alloc);
            byte[] expected = new byte[original.length - 6 + 3];
            System.arraycopy(original, 0, expected, 0, 14);
            expected[14] = 0x41; // tag 4, INT2
            expected[15] = 0x01;
            expected[16] = 0x2C; // 300
            System.arraycopy(original, 20, expected, 17, original.length - 20);
            expected[3] = (byte) expected.length;
            assertThat(bytes(out)).isEqualTo(expected);
            out.release();
        } finally {
            f.release();
        }
    }

    /** The layout written out by hand from RequestF.tars, independent of TarsJava. */
    @Test
    void requestGolden() {
        ByteBuf p = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
                "00000000" + "1001" + "2c" + "3c" + "4001" + "560141" + "560142".replace("56", "66")
                        + "7d000c" + "810bb8" + "980c" + "a80c"
                        + "b60178"));
        // 1 v=1, 2 normal, 3 type 0, 4 id 1, 5 "A", 6 "B", 7 [], 8 timeout 3000, 9 {}, 10 {}, 11 "x"
        p.setInt(0, p.readableBytes());
        TarsFrame f = tars.decode(p);
        try {
            assertThat(f.requestId()).isEqualTo(1);
            assertThat(f.servantName()).isEqualTo("A");
            assertThat(f.functionName()).isEqualTo("B");
            assertThat(f.timeout()).isEqualTo(Duration.ofMillis(3000));
            assertThat(f.bodyLength()).isZero();
        } finally {
            f.release();
        }
    }

    @Test
    void releaseIsIdempotentAndFreesTheInput() {
        ByteBuf in = Request.of(1, "a", "b").buf();
        TarsFrame f = tars.decode(in);
        assertThat(in.refCnt()).isEqualTo(2);
        f.release();
        f.release();
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
        assertThat(in.refCnt()).isZero();
    }

    /**
     * Once sent, a request with a large body lets its packet go (and the read buffer it was a
     * slice of): its headers, read for the first time now, its names and an error answer (TUP's
     * layout needs the servant and function) still work; it cannot be encoded again. A small body
     * stays.
     */
    @Test
    void aSentRequestLetsGoOfALargeBodyKeepingItsHeaders() {
        Request r = Request.of(9, "App.Server.Obj", "call").withVersion(TarsFrame.VERSION_TUP3)
                .withBody(new byte[64 * 1024]).withContext(map("k", "v"));
        ByteBuf in = r.buf();
        TarsFrame f = tars.decode(in);
        in.release();
        f.setRequestId(10);
        ByteBuf sent = tars.encode(f, alloc);
        f.releasePayload();
        sent.release();
        assertThat(in.refCnt()).as("the read buffer is free").isZero();
        assertThat(f.headers().get("service")).isEqualTo("App.Server.Obj");
        assertThat(f.headers().get("k")).isEqualTo("v");
        assertThat(f.servantName()).isEqualTo("App.Server.Obj");
        assertThat(f.functionName()).isEqualTo("call");
        assertThat(f.payloadLength()).isEqualTo(64 * 1024);
        XFrame error = tars.errorResponse(f, ProxyError.TIMEOUT, "late");
        assertThat(error.requestId()).isEqualTo(10);
        assertThat(error.status()).isEqualTo(-7);
        error.release();
        assertThatThrownBy(() -> tars.encode(f, alloc)).isInstanceOf(IllegalStateException.class);
        f.release();

        TarsFrame small = tars.decode(Request.of(3, "a", "b").buf());
        small.releasePayload();
        ByteBuf again = tars.encode(small, alloc);
        assertThat(bytes(again)).isEqualTo(Request.of(3, "a", "b").bytes());
        again.release();
        small.release();
    }
}
