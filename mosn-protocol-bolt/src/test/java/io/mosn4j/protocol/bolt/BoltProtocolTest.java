package io.mosn4j.protocol.bolt;

import static io.mosn4j.protocol.bolt.Bufs.ALLOC;
import static io.mosn4j.protocol.bolt.Bufs.bytes;
import static io.mosn4j.protocol.bolt.Bufs.decodeOne;
import static io.mosn4j.protocol.bolt.Bufs.direct;
import static io.mosn4j.protocol.bolt.Bufs.encode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.MessageDecodeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding, encoding and the proxy's replies, for bolt and boltv2. */
class BoltProtocolTest {
    static final BoltProtocol BOLT = new BoltProtocol();
    static final BoltV2Protocol BOLTV2 = new BoltV2Protocol();

    static BoltProtocol protocolFor(WireFrame w) {
        return w.proto == 1 ? BOLT : BOLTV2;
    }

    @Nested
    class Registration {
        @Test
        void bothAreRegisteredForServiceLoader() {
            Map<String, XProtocol> byName = ServiceLoader.load(XProtocol.class).stream()
                    .map(ServiceLoader.Provider::get)
                    .collect(Collectors.toMap(XProtocol::name, Function.identity()));
            assertThat(byName).containsKeys("bolt", "boltv2");
            assertThat(byName.get("bolt")).isInstanceOf(BoltProtocol.class);
            assertThat(byName.get("boltv2")).isInstanceOf(BoltV2Protocol.class);
            assertThat(byName.get("bolt").poolMode()).isEqualTo(PoolMode.MULTIPLEX);
            assertThat(byName.get("boltv2").poolMode()).isEqualTo(PoolMode.MULTIPLEX);
        }

        @Test
        void heartbeatRequestsForProbingUpstreamsDecodeAsHeartbeatsInTheirOwnLayout() {
            for (BoltProtocol p : List.of(BOLT, BOLTV2)) {
                BoltFrame hb = p.heartbeatRequest(0xfffffff0L);
                try {
                    assertThat(hb.isRequest()).isTrue();
                    assertThat(hb.isHeartbeat()).isTrue();
                    assertThat(hb.isOneWay()).isFalse();
                    assertThat(hb.requestId()).isEqualTo(0xfffffff0L);
                    ByteBuf wire = p.encode(hb, io.netty.buffer.ByteBufAllocator.DEFAULT);
                    try {
                        assertThat(p.detect(wire)).isEqualTo(io.mosn4j.api.protocol.Detection.YES);
                        BoltFrame again = p.decode(wire);
                        assertThat(again.isHeartbeat()).isTrue();
                        BoltFrame ack = p.heartbeatResponse(again);
                        assertThat(ack.isRequest()).isFalse();
                        assertThat(ack.requestId()).isEqualTo(0xfffffff0L);
                        ack.release();
                        again.release();
                    } finally {
                        wire.release();
                    }
                } finally {
                    hb.release();
                }
            }
        }

        @Test
        void requestIdsWrapAt32Bits() {
            assertThat(BOLT.nextRequestId(0xffff_fffeL)).isEqualTo(0xffff_ffffL);
            assertThat(BOLT.nextRequestId(0xffff_ffffL)).isZero();
        }
    }

    @Nested
    class Decode {
        @Test
        void v1Request() {
            WireFrame w = WireFrame.v1Request();
            w.id = 0x01020304;
            w.codec = 11;
            w.ver2 = 1;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            try {
                assertThat(f.protocolName()).isEqualTo("bolt");
                assertThat(f.protocolCode()).isEqualTo((byte) 1);
                assertThat(f.protocolVersion()).isEqualTo((byte) 1);
                assertThat(f.requestId()).isEqualTo(0x01020304L);
                assertThat(f.isRequest()).isTrue();
                assertThat(f.isOneWay()).isFalse();
                assertThat(f.isHeartbeat()).isFalse();
                assertThat(f.commandCode()).isEqualTo(BoltFrame.CMD_RPC_REQUEST);
                assertThat(f.codec()).isEqualTo((byte) 11);
                assertThat(f.status()).isEqualTo(-1);
                assertThat(f.timeout()).isEqualTo(Duration.ofMillis(3000));
                assertThat(f.timeoutMillis()).isEqualTo(3000);
                assertThat(f.hasCrc()).isFalse();
                assertThat(f.className()).isEqualTo("com.alipay.sofa.rpc.core.request.SofaRequest");
                assertThat(bytes(f.content())).isEqualTo(w.content);
                assertThat(bytes(f.headerMap())).isEqualTo(w.header);
                assertThat(f.frameLength()).isEqualTo(w.bytes().length);
                Headers h = f.headers();
                assertThat(h.get("service")).isEqualTo(WireFrame.SERVICE);
                assertThat(h.get("SOFA_HEAD_METHOD_NAME")).isEqualTo("sayHello");
                assertThat(h.size()).isEqualTo(2);
                assertThat(h.message()).isSameAs(f);
                assertThat(f.headers()).isSameAs(h);
            } finally {
                f.release();
            }
        }

        @Test
        void v1Response() {
            WireFrame w = WireFrame.v1Response();
            w.timeoutOrStatus = BoltStatus.SERVER_DESERIAL_EXCEPTION;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            try {
                assertThat(f.isRequest()).isFalse();
                assertThat(f.isHeartbeat()).isFalse();
                assertThat(f.status()).isEqualTo(18);
                assertThat(f.timeout()).isNull();
                assertThat(f.timeoutMillis()).isZero();
                assertThat(f.className()).isEqualTo("com.alipay.sofa.rpc.core.response.SofaResponse");
                assertThat(bytes(f.content())).isEqualTo(w.content);
                assertThat(f.headers().isEmpty()).isTrue();
                assertThat(f.headers().message()).isSameAs(f);
            } finally {
                f.release();
            }
        }

        @Test
        void statusIsUnsigned() {
            WireFrame w = WireFrame.v1Response();
            w.timeoutOrStatus = 0xfffe;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            assertThat(f.status()).isEqualTo(0xfffe);
            f.release();
        }

        @Test
        void oneway() {
            WireFrame w = WireFrame.v1Request();
            w.type = 2;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            assertThat(f.isOneWay()).isTrue();
            assertThat(f.isRequest()).isTrue();
            f.release();
        }

        @ParameterizedTest
        @ValueSource(ints = {0, -1})
        void noTimeoutWhenTheFieldIsNotPositive(int timeout) {
            WireFrame w = WireFrame.v1Request();
            w.timeoutOrStatus = timeout;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            assertThat(f.timeout()).isNull();
            assertThat(f.timeoutMillis()).isEqualTo(timeout);
            f.release();
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void heartbeats(int proto) {
            WireFrame w = WireFrame.heartbeat(proto).id(99);
            BoltFrame f = decodeOne(protocolFor(w), w.bytes());
            assertThat(f.isHeartbeat()).isTrue();
            assertThat(f.isRequest()).isTrue();
            assertThat(f.requestId()).isEqualTo(99);
            assertThat(f.headers().isEmpty()).isTrue();
            assertThat(f.className()).isEmpty();
            f.release();

            WireFrame ack = WireFrame.heartbeat(proto).id(99);
            ack.type = 0;
            ack.timeoutOrStatus = 0;
            BoltFrame a = decodeOne(protocolFor(w), ack.bytes());
            assertThat(a.isHeartbeat()).isTrue();
            assertThat(a.isRequest()).isFalse();
            assertThat(a.status()).isZero();
            a.release();
        }

        @ParameterizedTest
        @ValueSource(booleans = {false, true})
        void v2(boolean crc) {
            WireFrame w = WireFrame.v2Request(crc);
            w.timeoutOrStatus = 1234;
            BoltFrame f = decodeOne(BOLTV2, w.bytes());
            try {
                assertThat(f.protocolName()).isEqualTo("boltv2");
                assertThat(f.protocolCode()).isEqualTo((byte) 2);
                assertThat(f.protocolVersion()).isEqualTo((byte) 2);
                assertThat(f.protocolSwitch()).isEqualTo((byte) (crc ? 1 : 0));
                assertThat(f.hasCrc()).isEqualTo(crc);
                assertThat(f.frameLength()).isEqualTo(w.bytes().length);
                assertThat(f.timeout()).isEqualTo(Duration.ofMillis(1234));
                assertThat(f.headers().get("service")).isEqualTo(WireFrame.SERVICE);
                assertThat(bytes(f.content())).isEqualTo(w.content);
            } finally {
                f.release();
            }
        }

        /** SOFABolt reads a CRC only when ver1 is 2: with ver1 1 the switch bit changes nothing. */
        @Test
        void v2WithVer1OneHasNoCrcEvenWhenTheSwitchSaysSo() {
            WireFrame w = WireFrame.v2Request(true);
            w.ver1 = 1;
            assertThat(w.hasCrc()).isFalse();
            BoltFrame f = decodeOne(BOLTV2, w.bytes());
            assertThat(f.hasCrc()).isFalse();
            assertThat(f.protocolVersion()).isEqualTo((byte) 1);
            assertThat(f.protocolSwitch()).isEqualTo((byte) 1);
            f.release();
        }

        @Test
        void eitherNameDecodesEitherLayout() {
            BoltFrame a = decodeOne(BOLT, WireFrame.v2Request(true).bytes());
            BoltFrame b = decodeOne(BOLTV2, WireFrame.v1Request().bytes());
            assertThat(a.protocolName()).isEqualTo("boltv2");
            assertThat(b.protocolName()).isEqualTo("bolt");
            a.release();
            b.release();
        }

        @Test
        void responseCrc() {
            WireFrame w = WireFrame.v2Response(true);
            BoltFrame f = decodeOne(BOLTV2, w.bytes());
            assertThat(f.hasCrc()).isTrue();
            assertThat(encode(BOLTV2, f)).isEqualTo(w.bytes());
            f.release();
        }

        @Test
        void framesKeepASliceOfTheInputNotACopy() {
            ByteBuf in = direct(WireFrame.v1Request().bytes());
            BoltFrame f = BOLT.decode(in);
            assertThat(in.refCnt()).isEqualTo(2);
            in.release();
            assertThat(in.refCnt()).isEqualTo(1);
            int last = in.writerIndex() - 1;
            in.setByte(last, 'X'); // the decoder consumed these bytes; the frame still shares them
            assertThat(f.content().getByte(f.content().readableBytes() - 1)).isEqualTo((byte) 'X');
            f.release();
            assertThat(in.refCnt()).isZero();
        }

        @Test
        void releaseIsIdempotent() {
            ByteBuf in = direct(WireFrame.v1Request().bytes());
            BoltFrame f = BOLT.decode(in);
            f.release();
            f.release();
            assertThat(in.refCnt()).isEqualTo(1);
            in.release();
            assertThatThrownBy(() -> BOLT.encode(f, ALLOC)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    class HeaderMap {
        BoltFrame withHeader(byte[] header) {
            WireFrame w = WireFrame.v1Request();
            w.header = header;
            return decodeOne(BOLT, w.bytes());
        }

        @Test
        void entriesInOrderWithUtf8AndEmptyStrings() {
            BoltFrame f = withHeader(WireFrame.headerMap(
                    "service", "com.example.Foo:1.0",
                    "sofa_head_target_service", "com.example.Foo:1.0",
                    "sofa_head_method_name", "greet",
                    "rpc_trace_context.sofaCallerApp", "调用方",
                    "empty", ""));
            Headers h = f.headers();
            assertThat(h.size()).isEqualTo(5);
            assertThat(h.name(0)).isEqualTo("service");
            assertThat(h.get("sofa_head_target_service")).isEqualTo("com.example.Foo:1.0");
            assertThat(h.get("sofa_head_method_name")).isEqualTo("greet");
            assertThat(h.get("rpc_trace_context.sofaCallerApp")).isEqualTo("调用方");
            assertThat(h.get("empty")).isEmpty();
            f.release();
        }

        /** SOFARPC writes null as length -1 and skips a pair whose key or value is null when reading. */
        @Test
        void pairsWithANullAreSkipped() {
            BoltFrame f = withHeader(WireFrame.headerMap("a", null, null, "b", "c", "d"));
            assertThat(f.headers().size()).isEqualTo(1);
            assertThat(f.headers().get("c")).isEqualTo("d");
            f.release();
        }

        @Test
        void aResponsesChangedHeadersDoNotReachTheWire() {
            WireFrame w = WireFrame.v1Response();
            w.header = WireFrame.headerMap("k", "v");
            BoltFrame f = decodeOne(BOLT, w.bytes());
            f.headers().set("k", "other");
            f.headers().add("more", "x");
            assertThat(encode(BOLT, f)).isEqualTo(w.bytes());
            f.release();
        }

        @Test
        void readingWithoutChangingKeepsTheFramesOwnBytes() {
            WireFrame w = WireFrame.v1Request();
            ByteBuf in = direct(w.bytes());
            BoltFrame f = BOLT.decode(in);
            assertThat(f.headers().get("service")).isEqualTo(WireFrame.SERVICE);
            assertThat(f.headers().isModified()).isFalse();
            ByteBuf out = BOLT.encode(f, ALLOC);
            assertThat(bytes(out)).isEqualTo(w.bytes());
            in.setByte(0, 0x55); // still a view of the input, not a copy
            assertThat(out.getByte(out.readerIndex())).isEqualTo((byte) 0x55);
            out.release();
            f.release();
            in.release();
        }

        @Test
        void theSameBlockEveryCallDecodedOnFirstRead() {
            BoltFrame f = decodeOne(BOLT, WireFrame.v1Request().bytes());
            Headers h = f.headers();
            assertThat(f.headers()).isSameAs(h);
            assertThat(h.message()).isSameAs(f);
            assertThat(h.isLoaded()).isFalse();
            assertThat(h.size()).isEqualTo(2);
            assertThat(h.isLoaded()).isTrue();
            f.release();
        }

        /** A lookup before the block is decoded reads the map's bytes, and answers as the decoded block would. */
        @Test
        void aLookupBeforeDecodingAnswersAsTheDecodedBlock() {
            byte[] map = WireFrame.headerMap(
                    "a", null, null, "b",
                    "service", "com.example.Foo:1.0",
                    "Service", "second",
                    "X-Case", "upper",
                    "empty", "",
                    "\u017Fign", "long s", // U+017F: String.equalsIgnoreCase takes it for 's'
                    "\u212Aelvin", "kelvin sign", // U+212A: for 'k'
                    "调用方", "utf-8 key",
                    "c", "d");
            String[] names = {"service", "SERVICE", "x-case", "X-CASE", "empty", "sign", "SIGN", "kelvin",
                "\u212Aelvin", "调用方", "a", "b", "c", "C", ":authority", "missing", "servic", "services"};
            for (String name : names) {
                BoltFrame peeked = withHeader(map);
                BoltFrame loaded = withHeader(map);
                loaded.headers().size(); // decodes the block
                assertThat(peeked.headers().get(name)).as(name).isEqualTo(loaded.headers().get(name));
                assertThat(peeked.headers().isLoaded()).isFalse();
                peeked.release();
                loaded.release();
            }
            BoltFrame f = withHeader(map);
            assertThat(f.headers().get("SERVICE")).isEqualTo("com.example.Foo:1.0");
            assertThat(f.headers().get("sign")).isEqualTo("long s");
            assertThat(f.headers().get("b")).isNull();
            assertThat(f.serviceName()).isEqualTo("com.example.Foo:1.0");
            assertThat(f.headers().isLoaded()).isFalse();
            f.release();
        }

        /** A map that does not split into pairs: the frame decodes; reading its headers fails, every time. */
        void failsOnRead(byte[] header, String message) {
            WireFrame w = WireFrame.v1Request();
            w.header = header;
            BoltFrame f = decodeOne(BOLT, w.bytes());
            Headers h = f.headers();
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> h.get("service"))
                        .isInstanceOf(XProtocolException.class)
                        .isInstanceOf(MessageDecodeException.class)
                        .hasMessage(message);
            }
            assertThat(h.isLoaded()).isFalse();
            // the frame still travels as it is, and can be answered
            assertThat(encode(BOLT, f)).isEqualTo(w.bytes());
            BoltFrame reply = BOLT.errorResponse(f, ProxyError.DESERIALIZATION, null);
            assertThat(reply.status()).isEqualTo(BoltStatus.SERVER_DESERIAL_EXCEPTION);
            reply.release();
            f.release();
        }

        @Test
        void truncatedKeyLength() {
            // fixed 22 + class 44: the block starts at 66; the 2 stray bytes at 66 + 10
            failsOnRead(WireFrame.concat(WireFrame.headerMap("k", "v"), new byte[] {0, 0}),
                    "bolt: truncated header map key length at offset 76");
        }

        @Test
        void valuePastTheEnd() {
            byte[] h = WireFrame.headerMap("k", "value");
            h[8] = 100; // the value's length, 4 bytes into the second string
            failsOnRead(h, "bolt: header map value length 100 runs past the end of the header map at offset 71");
        }

        @Test
        void keyWithoutValue() {
            failsOnRead(WireFrame.headerMap("k", "v", "lonely"), "bolt: header map key without a value at offset 86");
        }
    }

    @Nested
    class Encode {
        /** Frames appended one after another to a connection's batch are the bytes encode gives each, renumbered. */
        @Test
        void shortFramesAppendToABatchAsEncodeWritesThem() {
            ByteBuf batch = ALLOC.directBuffer(8);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            int id = 100;
            for (String kind : new String[] {"v1req", "v1resp", "v2reqCrc", "v2respCrc", "hb1", "v2req"}) {
                WireFrame w = frame(kind);
                BoltFrame f = decodeOne(protocolFor(w), w.bytes());
                f.setRequestId(id++);
                assertThat(protocolFor(w).encodesInto()).isTrue();
                assertThat(protocolFor(w).encodeInto(f, batch)).isTrue();
                expected.writeBytes(encode(protocolFor(w), f));
                f.release();
            }
            assertThat(bytes(batch)).isEqualTo(expected.toByteArray());
            // a frame past the copy threshold goes as its own buffer (views of the input)
            WireFrame big = frame("v1req");
            big.content = new byte[BoltCodec.COPY_THRESHOLD + 1];
            BoltFrame f = decodeOne(BOLT, big.bytes());
            int before = batch.writerIndex();
            assertThat(BOLT.encodeInto(f, batch)).isFalse();
            assertThat(batch.writerIndex()).isEqualTo(before);
            f.release();
            batch.release();
        }

        @ParameterizedTest
        @ValueSource(strings = {"v1req", "v1resp", "v1oneway", "v2req", "v2reqCrc", "v2respCrc", "hb1", "hb2"})
        void unchangedFramesEncodeToTheirOwnBytesWithoutCopying(String kind) {
            WireFrame w = frame(kind);
            ByteBuf in = direct(w.bytes());
            BoltFrame f = protocolFor(w).decode(in);
            ByteBuf out = protocolFor(w).encode(f, ALLOC);
            assertThat(bytes(out)).isEqualTo(w.bytes());
            in.setByte(0, 0x55); // a view of the input, not a copy
            assertThat(out.getByte(out.readerIndex())).isEqualTo((byte) 0x55);
            out.release();
            f.release();
            assertThat(in.refCnt()).isEqualTo(1);
            in.release();
        }

        @ParameterizedTest
        @ValueSource(strings = {"v1req", "v1resp", "v1oneway", "v2req", "v2reqCrc", "v2respCrc", "hb1", "hb2"})
        void aNewIdIsWrittenAndTheCrcRecomputed(String kind) {
            for (int contentLength : new int[] {0, 10, BoltCodec.COPY_THRESHOLD, 100_000}) {
                WireFrame w = frame(kind);
                if (!w.isRequest() || w.cmdCode != 0) {
                    w.content(contentLength);
                }
                ByteBuf in = direct(w.bytes());
                BoltFrame f = protocolFor(w).decode(in);
                f.setRequestId(0xfedc_ba98L);
                assertThat(f.requestId()).isEqualTo(0xfedc_ba98L);
                ByteBuf out = protocolFor(w).encode(f, ALLOC);
                if (w.bytes().length > BoltCodec.COPY_THRESHOLD) {
                    assertThat(out).isInstanceOf(CompositeByteBuf.class);
                }
                assertThat(bytes(out)).isEqualTo(w.id(0xfedc_ba98).bytes());

                // and it decodes again: the CRC holds
                BoltFrame again = protocolFor(w).decode(out);
                assertThat(again.requestId()).isEqualTo(0xfedc_ba98L);
                again.release();
                out.release();

                f.setRequestId(7); // back to the original: the frame's own bytes again
                assertThat(encode(protocolFor(w), f)).isEqualTo(w.id(7).bytes());
                f.release();
                assertThat(in.refCnt()).isEqualTo(1);
                in.release();
            }
        }

        @Test
        void idsOutside32BitsAreABug() {
            BoltFrame f = decodeOne(BOLT, WireFrame.v1Request().bytes());
            assertThatThrownBy(() -> f.setRequestId(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> f.setRequestId(1L << 32)).isInstanceOf(IllegalArgumentException.class);
            f.setRequestId(0xffff_ffffL);
            assertThat(f.requestId()).isEqualTo(0xffff_ffffL);
            f.release();
        }

        @Test
        void otherProtocolsFramesAreRefused() {
            XFrame alien = new XFrame() {
                public long requestId() { return 0; }
                public void setRequestId(long id) {}
                public boolean isRequest() { return true; }
                public boolean isHeartbeat() { return false; }
                public boolean isOneWay() { return false; }
                public Headers headers() { return new Headers(); }
                public int status() { return -1; }
                public void release() {}
            };
            assertThatThrownBy(() -> BOLT.encode(alien, ALLOC)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> BOLT.errorResponse(alien, ProxyError.NO_ROUTE, "x"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Replies {
        @ParameterizedTest
        @EnumSource(ProxyError.class)
        void errorResponsesCarryMosnsStatus(ProxyError error) {
            int expected = switch (error) {
                case NO_ROUTE, NO_HEALTHY_UPSTREAM -> 6;
                case OVERFLOW -> 4;
                case CODEC -> 9;
                case DESERIALIZATION -> 18;
                case TIMEOUT -> 7;
                case PERMISSION_DENIED -> 2;
                case PAYLOAD_TOO_LARGE, UNKNOWN -> 3;
            };
            for (WireFrame w : new WireFrame[] {WireFrame.v1Request(), WireFrame.v2Request(false), WireFrame.v2Request(true)}) {
                w.id = 0x8000_0001;
                w.codec = 12;
                BoltFrame req = decodeOne(protocolFor(w), w.bytes());
                BoltFrame resp = protocolFor(w).errorResponse(req, error, "no route for com.example.Foo");
                assertThat(resp.status()).isEqualTo(expected);
                assertThat(resp.isRequest()).isFalse();
                assertThat(resp.isHeartbeat()).isFalse();
                assertThat(resp.requestId()).isEqualTo(0x8000_0001L);

                WireFrame expectedWire = w.proto == 1 ? WireFrame.v1Response() : WireFrame.v2Response(w.hasCrc());
                expectedWire.id = 0x8000_0001;
                expectedWire.codec = 12;
                expectedWire.timeoutOrStatus = expected;
                expectedWire.className = new byte[0];
                expectedWire.content = new byte[0];
                assertThat(encode(protocolFor(w), resp)).isEqualTo(expectedWire.bytes());
                resp.release();
                req.release();
            }
        }

        @Test
        void anErrorResponseAnswersTheIdTheRequestCarriesNow() {
            BoltFrame req = decodeOne(BOLT, WireFrame.v1Request().id(5).bytes());
            req.setRequestId(500);
            BoltFrame resp = BOLT.errorResponse(req, ProxyError.TIMEOUT, "timeout");
            assertThat(resp.requestId()).isEqualTo(500);
            resp.release();
            req.release();
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void heartbeatResponseIsSofaBoltsAck(int proto) {
            WireFrame hb = WireFrame.heartbeat(proto).id(42);
            if (proto == 2) {
                hb.protocolSwitch = 1; // a CRC'd heartbeat is still acked without one, like SOFABolt
            }
            BoltFrame req = decodeOne(protocolFor(hb), hb.bytes());
            BoltFrame ack = protocolFor(hb).heartbeatResponse(req);
            assertThat(ack.isHeartbeat()).isTrue();
            assertThat(ack.isRequest()).isFalse();
            assertThat(ack.status()).isZero();
            assertThat(ack.requestId()).isEqualTo(42);

            WireFrame expected = WireFrame.heartbeat(proto).id(42);
            expected.type = 0;
            expected.timeoutOrStatus = 0;
            assertThat(encode(protocolFor(hb), ack)).isEqualTo(expected.bytes());
            ack.release();
            req.release();
        }

        @Test
        void onlyHeartbeatsGetAHeartbeatResponse() {
            BoltFrame req = decodeOne(BOLT, WireFrame.v1Request().bytes());
            assertThatThrownBy(() -> BOLT.heartbeatResponse(req)).isInstanceOf(IllegalArgumentException.class);
            req.release();
        }
    }

    static WireFrame frame(String kind) {
        return switch (kind) {
            case "v1req" -> WireFrame.v1Request();
            case "v1resp" -> WireFrame.v1Response();
            case "v1oneway" -> {
                WireFrame w = WireFrame.v1Request();
                w.type = 2;
                yield w;
            }
            case "v2req" -> WireFrame.v2Request(false);
            case "v2reqCrc" -> WireFrame.v2Request(true);
            case "v2respCrc" -> WireFrame.v2Response(true);
            case "hb1" -> WireFrame.heartbeat(1);
            case "hb2" -> WireFrame.heartbeat(2);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * Once sent, a request with a large content keeps only its head: the headers (even read for
     * the first time now), the class name and an error answer still work; the read buffer it was
     * a slice of is free; it cannot be encoded again. A small content stays.
     */
    @Nested
    class PayloadReleasedOnceSent {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void aLargeRequestKeepsItsHeadOnly(int proto) {
            WireFrame w = (proto == 1 ? WireFrame.v1Request() : WireFrame.v2Request(true)).content(64 * 1024);
            BoltProtocol p = protocolFor(w);
            ByteBuf in = direct(w.bytes());
            BoltFrame f = p.decode(in);
            in.release();
            assertThat(in.refCnt()).as("the frame still holds the read buffer").isPositive();
            f.setRequestId(99);
            byte[] sent = encode(p, f);
            f.releasePayload();
            assertThat(in.refCnt()).as("the read buffer is free").isZero();
            assertThat(f.headers().get("service")).isEqualTo(WireFrame.SERVICE);
            assertThat(f.className()).isEqualTo("com.alipay.sofa.rpc.core.request.SofaRequest");
            assertThat(f.payloadLength()).isEqualTo(64 * 1024);
            assertThat(f.frameLength()).isEqualTo(sent.length);
            assertThat(f.timeout()).isEqualTo(Duration.ofMillis(3000));
            BoltFrame error = p.errorResponse(f, ProxyError.TIMEOUT, "late");
            assertThat(error.requestId()).isEqualTo(99);
            assertThat(error.status()).isEqualTo(BoltStatus.of(ProxyError.TIMEOUT));
            error.release();
            assertThatThrownBy(() -> p.encode(f, ALLOC)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(f::content).isInstanceOf(IllegalStateException.class);
            f.release();
        }

        @Test
        void aSmallRequestAndResponsesStayWhole() {
            BoltFrame small = decodeOne(BOLT, WireFrame.v1Request().bytes());
            small.releasePayload();
            assertThat(encode(BOLT, small)).isEqualTo(WireFrame.v1Request().bytes());
            small.release();
            BoltFrame response = decodeOne(BOLT, WireFrame.v1Response().content(4096).bytes());
            response.releasePayload();
            assertThat(response.content().readableBytes()).isEqualTo(4096);
            response.release();
        }
    }
}
