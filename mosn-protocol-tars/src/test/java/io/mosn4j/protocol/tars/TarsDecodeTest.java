package io.mosn4j.protocol.tars;

import static io.mosn4j.protocol.tars.TarsJavaPackets.bytes;
import static io.mosn4j.protocol.tars.TarsJavaPackets.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.protocol.tars.TarsJavaPackets.Request;
import io.mosn4j.protocol.tars.TarsJavaPackets.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Framing: partial, concatenated and malformed packets. */
class TarsDecodeTest {
    private final TarsProtocol tars = new TarsProtocol();

    // ---------------------------------------------------------------- framing

    @Test
    void waitsForTheWholePacketAtEverySplit() {
        List<byte[]> packets = List.of(
                Request.of(70000, "App.Server.Obj", "method").withContext(map("a", "b")).bytes(),
                Response.of(3, -1).withContext(map("c", "d")).bytes(),
                Request.of(0, "s".repeat(300), "f").withBody(new byte[2000]).bytes());
        for (byte[] packet : packets) {
            for (int split = 0; split < packet.length; split++) {
                ByteBuf in = PooledByteBufAllocator.DEFAULT.buffer(packet.length);
                try {
                    in.writeBytes(packet, 0, split);
                    assertThat(tars.decode(in)).as("split at %d", split).isNull();
                    assertThat(in.readerIndex()).isZero();
                    in.writeBytes(packet, split, packet.length - split);
                    TarsFrame f = tars.decode(in);
                    assertThat(f).as("split at %d", split).isNotNull();
                    assertThat(in.isReadable()).isFalse();
                    ByteBuf out = tars.encode(f, PooledByteBufAllocator.DEFAULT);
                    assertThat(bytes(out)).isEqualTo(packet);
                    out.release();
                    f.release();
                } finally {
                    assertThat(in.refCnt()).isEqualTo(1);
                    in.release();
                }
            }
        }
    }

    @Test
    void decodesConcatenatedPacketsOneAtATime() {
        byte[] a = Request.of(1, "A", "a").bytes();
        byte[] b = Response.of(2, 0).bytes();
        byte[] c = Request.of(3, "C", "c").withPacketType(1).bytes();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(a).writeBytes(b).writeBytes(c).writeBytes(a, 0, 9); // and the start of a fourth
        List<TarsFrame> frames = new ArrayList<>();
        TarsFrame f;
        while ((f = tars.decode(in)) != null) {
            frames.add(f);
        }
        assertThat(frames).extracting(TarsFrame::requestId).containsExactly(1L, 2L, 3L);
        assertThat(frames).extracting(TarsFrame::isRequest).containsExactly(true, false, true);
        assertThat(frames.get(2).isOneWay()).isTrue();
        assertThat(in.readableBytes()).isEqualTo(9);
        in.writeBytes(a, 9, a.length - 9);
        TarsFrame fourth = tars.decode(in);
        assertThat(fourth.requestId()).isEqualTo(1);
        fourth.release();
        frames.forEach(TarsFrame::release);
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    @Test
    void needsFourBytesToLookAtTheLength() {
        assertThat(tars.decode(Unpooled.buffer())).isNull();
        assertThat(tars.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 0}))).isNull();
        // a plausible length and nothing more
        assertThat(tars.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 40}))).isNull();
    }

    @Test
    void acceptsThePacketOfTheMaximumLength() {
        Request r = Request.of(1, "a", "b");
        int overhead = r.bytes().length - r.body().length;
        // the body's size field grows from INT1 (3 bytes: value 3) to INT4 (5 bytes)
        byte[] body = new byte[TarsProtocol.MAX_PACKET - overhead - 3];
        byte[] packet = r.withBody(body).bytes();
        assertThat(packet).hasSize(TarsProtocol.MAX_PACKET);
        TarsFrame f = tars.decode(Unpooled.wrappedBuffer(packet));
        assertThat(f.bodyLength()).isEqualTo(body.length);
        f.release();

        byte[] tooLong = r.withBody(new byte[body.length + 1]).bytes();
        assertThatThrownBy(() -> tars.decode(Unpooled.wrappedBuffer(tooLong)))
                .isInstanceOf(XProtocolException.class)
                .hasMessage("tars: packet length 10485761 not within 8..10485760 at offset 0");
    }

    // ---------------------------------------------------------------- malformed

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            length 0            | 00000000                                       | tars: packet length 0 not within 8..10485760 at offset 0
            length 7            | 00000007 1001 2c 3c                            | tars: packet length 7 not within 8..10485760 at offset 0
            length 2^32-1       | ffffffff                                       | tars: packet length 4294967295 not within 8..10485760 at offset 0
            length 10 MiB + 1   | 00a00001                                       | tars: packet length 10485761 not within 8..10485760 at offset 0
            id as byte array    | 00000000 1001 2001 3c 4d 000c 5600 6600        | tars: bad type 13 for tag 4 at offset 9
            version as int4     | 00000000 1200000001 2c 3c 4c 5600 6600         | tars: bad type 2 for tag 1 at offset 4
            packet type short   | 00000000 1001 210001 3c 4c 5600 6600           | tars: bad type 1 for tag 2 at offset 6
            tag 5 a map         | 00000000 1001 2c 3c 4c 580c 6600               | tars: bad type 8 for tag 5 at offset 9
            type 14             | 00000000 1001 2c 3c 4c 5600 6600 be            | tars: bad type 14 for tag 11 at offset 13
            type 15             | 00000000 1001 2c 3c 4c 5c 6f                   | tars: bad type 15 for tag 6 at offset 10
            struct end at top   | 00000000 1001 2c 3c 4c 5c 0b                   | tars: unexpected struct end (tag 0) at offset 10
            tags out of order   | 00000000 1001 2c 4c 3c 5600 6600               | tars: tag 3 after tag 4 at offset 8
            tag twice           | 00000000 1001 2c 3c 3c 5600 6600               | tars: tag 3 after tag 3 at offset 8
            tag 5 missing       | 00000000 1001 2c 3c 4c 6600                    | tars: missing tag 5 (sServantName or iRet) at offset 9
            only head fields    | 00000000 1001 2c 3c 4c                         | tars: missing tag 5 (sServantName or iRet) at offset 9
            no version          | 00000000 2c 3c 4c 5600 6600                    | tars: missing tag 1 (iVersion) at offset 11
            no packet type      | 00000000 1001 3c 4c 5600 6600                  | tars: missing tag 2 (cPacketType) at offset 12
            request without id  | 00000000 1001 2c 3c 5600 6600                  | tars: missing tag 4 (iRequestId) at offset 12
            request without fn  | 00000000 1001 2c 3c 4c 5600 7d000c             | tars: missing tag 6 (sFuncName) at offset 14
            response without id | 00000000 1001 2c 4c 5c                         | tars: missing tag 3 (iRequestId) at offset 9
            string past end     | 00000000 1001 2c 3c 4c 5605 6162              | tars: value of tag 5 runs past the end of the packet at offset 11
            string4 negative    | 00000000 1001 2c 3c 4c 57ffffffff 6600         | tars: negative string length -1 for tag 5 at offset 10
            string4 past end    | 00000000 1001 2c 3c 4c 577fffffff 6600         | tars: value of tag 5 runs past the end of the packet at offset 14
            int past end        | 00000000 1001 2c 3c 42000001                   | tars: value of tag 4 runs past the end of the packet at offset 9
            long head cut       | 00000000 1001 2c 3c 4c 5600 6600 f0            | tars: truncated field head at offset 13
            bytes wrong element | 00000000 1001 2c 3c 4c 5600 6600 7d100c        | tars: bad element head (type 0, tag 1) of byte array tag 7 at offset 14
            bytes negative size | 00000000 1001 2c 3c 4c 5600 6600 7d0000ff     | tars: size -1 of tag 7 does not fit the packet at offset 15
            bytes past end      | 00000000 1001 2c 3c 4c 5600 6600 7d000005 00   | tars: size 5 of tag 7 does not fit the packet at offset 15
            bytes overrun       | 00000000 1001 2c 3c 4c 5600 6600 7d00010003 0000 | tars: size 3 of tag 7 does not fit the packet at offset 15
            size with tag 1     | 00000000 1001 2c 3c 4c 5600 6600 7d001c        | tars: bad size (type 12, tag 1) for tag 7 at offset 15
            byte list element   | 00000000 1001 2c 3c 4c 5600 6600 79000101 00   | tars: bad element (type 1, tag 0) of byte list tag 7 at offset 16
            map huge size       | 00000000 1001 2c 3c 4c 5600 6600 98027fffffff  | tars: size 2147483647 of tag 9 does not fit the packet at offset 14
            map cut short       | 00000000 1001 2c 3c 4c 5600 6600 98000206 00 1600 | tars: truncated field head at offset 20
            unknown list huge   | 00000000 1001 2c 3c 4c 5600 6600 b9027fffffff  | tars: size 2147483647 of tag 11 does not fit the packet at offset 14
            unknown struct open | 00000000 1001 2c 3c 4c 5600 6600 ba 0c         | tars: truncated field head at offset 15
            response desc int   | 00000000 1001 2c 3c 4c 5c 6d000c 780c 8c       | tars: bad type 12 for tag 8 at offset 15
            request timeout str | 00000000 1001 2c 3c 4c 5600 6600 7d000c 8600  | tars: bad type 6 for tag 8 at offset 16
            """)
    void rejectsMalformedPackets(String name, String hex, String message) {
        byte[] packet = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        if (in.getInt(0) == 0 && packet.length > 4) { // fill in the length
            in.setInt(0, packet.length);
        }
        assertThatThrownBy(() -> tars.decode(in))
                .isExactlyInstanceOf(XProtocolException.class)
                .hasMessage(message);
        assertThat(in.readerIndex()).isZero();
        assertThat(in.refCnt()).isEqualTo(1);
    }

    /**
     * Context and status maps that are well-formed fields but no {@code map<string,string>}: only the
     * headers need them, so the packet decodes (and travels as it is), and reading its headers fails,
     * every time, with what was wrong; the request can still be answered.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            map key not string  | 00000000 1001 2c 3c 4c 5600 6600 98000100 00 1600 | tars: bad key (type 0, tag 0) in map tag 9 at offset 16
            map value tag 2     | 00000000 1001 2c 3c 4c 5600 6600 98000106 00 2600 | tars: bad value (type 6, tag 2) in map tag 9 at offset 18
            response bad status | 00000000 1001 2c 3c 4c 5c 6d000c 7600           | tars: bad type 6 for tag 7 at offset 13
            context a string    | 00000000 1001 2c 3c 4c 5600 6600 9600         | tars: bad type 6 for tag 9 at offset 13
            status a list       | 00000000 1001 2c 3c 4c 5600 6600 a90c         | tars: bad type 9 for tag 10 at offset 13
            """)
    void mapsThatAreNotStringMapsFailWhenTheHeadersAreRead(String name, String hex, String message) {
        byte[] packet = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        in.setInt(0, packet.length);
        TarsFrame f = tars.decode(in);
        assertThat(in.isReadable()).isFalse();
        Headers h = f.headers();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> h.get("service"))
                    .isExactlyInstanceOf(XProtocolException.class)
                    .hasMessage(message);
        }
        ByteBuf out = tars.encode(f, UnpooledByteBufAllocator.DEFAULT);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(packet);
        out.release();
        if (f.isRequest()) {
            TarsFrame reply = (TarsFrame) tars.errorResponse(f, ProxyError.DESERIALIZATION, message);
            assertThat(reply.status()).isEqualTo(TarsReturnCode.TARSSERVERDECODEERR);
            reply.release();
        }
        f.release();
        assertThat(in.refCnt()).isEqualTo(1);
    }

    @Test
    void rejectsUnknownFieldsNestedTooDeep() {
        ByteBuf in = Unpooled.buffer();
        in.writeInt(0).writeBytes(ByteBufUtil.decodeHexDump("10012c3c4c56006600"));
        in.writeByte(0xBA); // tag 11, struct
        for (int i = 0; i < 40; i++) {
            in.writeByte(0x0A); // tag 0, struct
        }
        for (int i = 0; i < 41; i++) {
            in.writeByte(0x0B);
        }
        in.setInt(0, in.readableBytes());
        assertThatThrownBy(() -> tars.decode(in))
                .isExactlyInstanceOf(XProtocolException.class)
                .hasMessage("tars: fields nested deeper than 32 at offset 46");
    }

    @Test
    void acceptsNestedUnknownFieldsWithinTheLimit() {
        ByteBuf in = Unpooled.buffer();
        in.writeInt(0).writeBytes(ByteBufUtil.decodeHexDump("10012c3c4c56006600"));
        in.writeByte(0xBA); // tag 11, struct
        for (int i = 0; i < 10; i++) {
            in.writeBytes(ByteBufUtil.decodeHexDump("090001" + "0a")); // a list of one struct
        }
        in.writeBytes(ByteBufUtil.decodeHexDump("080001" + "0600" + "1600")); // a map {"": ""}
        for (int i = 0; i < 11; i++) {
            in.writeByte(0x0B);
        }
        in.setInt(0, in.readableBytes());
        TarsFrame f = tars.decode(in);
        assertThat(f.servantName()).isEmpty();
        assertThat(in.isReadable()).isFalse();
        f.release();
    }
}
