package io.mosn4j.protocol.bolt;

import static io.mosn4j.protocol.bolt.Bufs.ALLOC;
import static io.mosn4j.protocol.bolt.Bufs.bytes;
import static io.mosn4j.protocol.bolt.Bufs.direct;
import static io.mosn4j.protocol.bolt.Bufs.encode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Frames arriving in pieces, back to back, or wrong. */
class BoltFramingTest {
    static final BoltProtocol BOLT = new BoltProtocol();
    static final BoltV2Protocol BOLTV2 = new BoltV2Protocol();

    static final String[] KINDS = {"v1req", "v1resp", "v1oneway", "v2req", "v2reqCrc", "v2respCrc", "hb1", "hb2"};

    @ParameterizedTest
    @ValueSource(strings = {"v1req", "v1resp", "v1oneway", "v2req", "v2reqCrc", "v2respCrc", "hb1", "hb2"})
    void aFrameSplitAtAnyByteIsDecodedOnceWhole(String kind) {
        byte[] frame = BoltProtocolTest.frame(kind).bytes();
        for (BoltProtocol protocol : new BoltProtocol[] {BOLT, BOLTV2}) {
            for (int split = 0; split < frame.length; split++) {
                ByteBuf in = ALLOC.directBuffer(frame.length);
                in.writeBytes(frame, 0, split);
                assertThat(protocol.decode(in)).as("%s split at %d", kind, split).isNull();
                assertThat(in.readerIndex()).isZero();
                in.writeBytes(frame, split, frame.length - split);
                BoltFrame f = protocol.decode(in);
                assertThat(f).as("%s split at %d", kind, split).isNotNull();
                assertThat(in.isReadable()).isFalse();
                assertThat(encode(protocol, f)).isEqualTo(frame);
                f.release();
                assertThat(in.refCnt()).isEqualTo(1);
                in.release();
            }
        }
    }

    /** The same, byte by byte: a connection that delivers one byte per read. */
    @Test
    void oneByteAtATime() {
        for (String kind : KINDS) {
            byte[] frame = BoltProtocolTest.frame(kind).bytes();
            ByteBuf in = ALLOC.directBuffer();
            BoltFrame f = null;
            for (int i = 0; i < frame.length; i++) {
                assertThat(f).isNull();
                in.writeByte(frame[i]);
                f = BOLT.decode(in);
            }
            assertThat(f).as(kind).isNotNull();
            f.release();
            in.release();
        }
    }

    @Test
    void backToBackFramesComeOutOneByOne() {
        List<byte[]> frames = new ArrayList<>();
        for (String kind : KINDS) {
            frames.add(BoltProtocolTest.frame(kind).id(frames.size() + 100).bytes());
        }
        byte[] all = WireFrame.concat(frames.toArray(byte[][]::new));
        byte[] partial = Arrays.copyOf(WireFrame.v2Request(true).bytes(), 30);
        ByteBuf in = direct(WireFrame.concat(all, partial));
        for (int i = 0; i < frames.size(); i++) {
            BoltFrame f = BOLTV2.decode(in);
            assertThat(f.requestId()).isEqualTo(i + 100);
            assertThat(encode(BOLTV2, f)).isEqualTo(frames.get(i));
            f.release();
        }
        int before = in.readerIndex();
        assertThat(BOLTV2.decode(in)).isNull();
        assertThat(in.readerIndex()).isEqualTo(before);
        assertThat(in.readableBytes()).isEqualTo(30);
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    // ---------------------------------------------------------------- malformed frames

    static XProtocolException decodeError(BoltProtocol protocol, byte[] bytes) {
        ByteBuf in = direct(bytes);
        try {
            BoltFrame f = protocol.decode(in);
            if (f != null) {
                f.release();
            }
            throw new AssertionError("decoded " + f);
        } catch (XProtocolException e) {
            return e;
        } finally {
            assertThat(in.refCnt()).isEqualTo(1);
            in.release();
        }
    }

    static void assertError(BoltProtocol protocol, byte[] bytes, String message) {
        assertThat(decodeError(protocol, bytes)).hasMessage(message);
    }

    @Test
    void unknownProtocolCode() {
        byte[] b = WireFrame.v1Request().bytes();
        b[0] = 0x07;
        assertError(BOLT, b, "bolt: unknown protocol code 0x07 at offset 0");
        assertError(BOLTV2, b, "boltv2: unknown protocol code 0x07 at offset 0");
        // one byte is enough to tell
        assertError(BOLT, new byte[] {'G'}, "bolt: unknown protocol code 0x47 at offset 0");
    }

    @Test
    void unknownVer1() {
        WireFrame w = WireFrame.v2Request(false);
        w.ver1 = 3;
        assertError(BOLTV2, w.bytes(), "boltv2: unknown protocol version (ver1) 0x03 at offset 1");
        assertError(BOLTV2, new byte[] {2, 0}, "boltv2: unknown protocol version (ver1) 0x00 at offset 1");
    }

    @Test
    void unknownType() {
        WireFrame w = WireFrame.v1Request();
        w.type = 5;
        assertError(BOLT, w.bytes(), "bolt: unknown command type 0x05 at offset 1");
        assertError(BOLT, new byte[] {1, (byte) 0xff}, "bolt: unknown command type 0xff at offset 1");
        WireFrame v2 = WireFrame.v2Request(true);
        v2.type = 3;
        assertError(BOLTV2, v2.bytes(), "boltv2: unknown command type 0x03 at offset 2");
    }

    @Test
    void unknownCommandCode() {
        WireFrame w = WireFrame.v1Request();
        w.cmdCode = 7;
        assertError(BOLT, w.bytes(), "bolt: unknown command code 0x0007 at offset 2");
        WireFrame v2 = WireFrame.v2Response(false);
        v2.cmdCode = 0x8001;
        assertError(BOLTV2, v2.bytes(), "boltv2: unknown command code 0x8001 at offset 3");
        // four bytes are enough to tell
        assertError(BOLT, new byte[] {1, 1, 0, 9}, "bolt: unknown command code 0x0009 at offset 2");
    }

    @Test
    void commandCodeOfTheOtherDirection() {
        WireFrame req = WireFrame.v1Request();
        req.cmdCode = 2;
        assertError(BOLT, req.bytes(), "bolt: command code 0x0002 in a request at offset 2");
        WireFrame resp = WireFrame.v2Response(false);
        resp.cmdCode = 1;
        assertError(BOLTV2, resp.bytes(), "boltv2: command code 0x0001 in a response at offset 3");
    }

    @Test
    void negativeLengths() {
        WireFrame a = WireFrame.v1Request();
        a.classLen = -2;
        assertError(BOLT, a.bytes(), "bolt: negative class length -2 at offset 14");
        WireFrame b = WireFrame.v1Response();
        b.headerLen = 0x8000;
        assertError(BOLT, b.bytes(), "bolt: negative header length -32768 at offset 14");
        WireFrame c = WireFrame.v2Request(true);
        c.contentLen = -1;
        assertError(BOLTV2, c.bytes(), "boltv2: negative content length -1 at offset 20");
        WireFrame d = WireFrame.v2Response(false);
        d.classLen = -1;
        assertError(BOLTV2, d.bytes(), "boltv2: negative class length -1 at offset 14");
    }

    @Test
    void tooLong() {
        WireFrame w = WireFrame.v1Request();
        w.contentLen = Integer.MAX_VALUE;
        // the header alone is enough to refuse it
        byte[] header = Arrays.copyOf(w.bytes(), 22);
        assertThat(decodeError(BOLT, header))
                .hasMessageStartingWith("bolt: frame of ")
                .hasMessageContaining("exceeds the limit of " + BoltProtocol.DEFAULT_MAX_FRAME_LENGTH)
                .hasMessageEndingWith("(content length 2147483647) at offset 18");

        BoltProtocol small = new BoltProtocol(100);
        WireFrame big = WireFrame.v1Request().content(100);
        int length = big.bytes().length;
        assertError(small, big.bytes(), "bolt: frame of " + length
                + " bytes exceeds the limit of 100 (content length 100) at offset 18");
        ByteBuf in = direct(big.bytes());
        BoltFrame f = new BoltProtocol(length).decode(in);
        assertThat(f).isNotNull();
        f.release();
        in.release();
    }

    @Test
    void crcMismatch() {
        WireFrame w = WireFrame.v2Request(true);
        w.crc = 0x12345678;
        int at = w.bytes().length - 4;
        assertThat(decodeError(BOLTV2, w.bytes()))
                .hasMessageStartingWith("boltv2: CRC32 mismatch: the frame says 0x12345678, its bytes give 0x")
                .hasMessageEndingWith(" at offset " + at);

        // any flipped bit in the body is caught
        byte[] b = WireFrame.v2Request(true).bytes();
        b[b.length - 6] ^= 0x10;
        assertThat(decodeError(BOLTV2, b)).hasMessageContaining("CRC32 mismatch");
    }

    @Test
    void nothingIsConsumedOnError() {
        WireFrame w = WireFrame.v1Request();
        w.cmdCode = 7;
        ByteBuf in = direct(w.bytes());
        assertThatThrownBy(() -> BOLT.decode(in)).isInstanceOf(XProtocolException.class);
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void anEmptyBufferIsNotAFrameYet() {
        ByteBuf in = ALLOC.directBuffer(0);
        assertThat(BOLT.decode(in)).isNull();
        in.release();
    }

    @Test
    void encodedErrorAndHeartbeatRepliesReadBack() {
        BoltFrame hb = Bufs.decodeOne(BOLTV2, WireFrame.heartbeat(2).id(3).bytes());
        BoltFrame ack = BOLTV2.heartbeatResponse(hb);
        ByteBuf out = BOLTV2.encode(ack, ALLOC);
        BoltFrame back = BOLTV2.decode(out);
        assertThat(back.isHeartbeat()).isTrue();
        assertThat(back.requestId()).isEqualTo(3);
        assertThat(bytes(back.content())).isEmpty();
        back.release();
        out.release();
        ack.release();
        hb.release();
    }
}
