package io.mosn4j.protocol.tars;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.protocol.tars.TarsJavaPackets.Request;
import io.mosn4j.protocol.tars.TarsJavaPackets.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TarsDetectTest {
    private final TarsProtocol tars = new TarsProtocol();

    private Detection detect(byte[] bytes, int prefix) {
        ByteBuf in = Unpooled.buffer(prefix + 3);
        in.writeBytes(new byte[] {9, 9, 9}).readerIndex(3); // detection starts at the reader index
        in.writeBytes(bytes, 0, prefix);
        int r = in.readerIndex();
        int w = in.writerIndex();
        Detection d = tars.detect(in);
        assertThat(in.readerIndex()).isEqualTo(r);
        assertThat(in.writerIndex()).isEqualTo(w);
        return d;
    }

    @Test
    void claimsTarsPacketsAndWaitsUntilItCanTell() {
        List<byte[]> packets = List.of(
                Request.of(1, "A.B.C", "f").bytes(),
                Request.of(1, "A.B.C", "f").withPacketType(1).bytes(),
                Request.of(1, "A.B.C", "f").withVersion(3).bytes(),
                Request.of(1, "A.B.C", "f").withVersion(5).bytes(),
                Request.of(1, "A.B.C", "f").withVersion(0).bytes(),
                Request.of(1, "A.B.C", "f").withVersion(300).bytes(),
                Response.of(1, 0).bytes(),
                Response.of(1, -4).bytes());
        for (byte[] p : packets) {
            boolean yes = false;
            for (int prefix = 0; prefix <= p.length; prefix++) {
                Detection d = detect(p, prefix);
                if (yes) {
                    assertThat(d).as("prefix %d of %s", prefix, ByteBufUtil.hexDump(p)).isEqualTo(Detection.YES);
                } else {
                    assertThat(d).as("prefix %d of %s", prefix, ByteBufUtil.hexDump(p)).isIn(Detection.NEED_MORE, Detection.YES);
                    yes = d == Detection.YES;
                    if (yes) {
                        assertThat(prefix).isLessThanOrEqualTo(9);
                    }
                }
            }
            assertThat(yes).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /x HTTP/1.1\r\n",
            "PUT /x HTTP/1.0\r\n",
            "HEAD / HTTP/1.1\r\n",
            "DELETE / HTTP/1.1\r\n",
            "OPTIONS * HTTP/1.1\r\n",
            "CONNECT a:1 HTTP/1.1\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    })
    void neverClaimsHttp(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        for (int prefix = 1; prefix <= bytes.length; prefix++) {
            assertThat(detect(bytes, prefix)).as("prefix %d", prefix).isEqualTo(Detection.NO);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bolt request          | 01 01 0001 01 00000001 01 00000bb8 0000 0000 00000000
            bolt response         | 01 00 0002 01 00000001 01 0000 0000 0000 00000000
            bolt heartbeat        | 01 01 0000 01 00000007 01 00000bb8 0000 0000 00000000
            boltv2 request        | 02 01 01 0001 01 00000001 01 00 00000bb8 0000 0000 00000000
            boltv2 response       | 02 01 00 0002 01 00000001 01 00 0000 0000 0000 00000000
            dubbo request         | dabb c2 00 0000000000000001 00000010 0000000000000000000000000000000000
            dubbo heartbeat       | dabb e2 00 0000000000000002 00000001 4e
            tls client hello      | 16 0301 00c8 01 0000c4 0303
            """)
    void neverClaimsOtherRpcProtocols(String name, String hex) {
        byte[] bytes = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        for (int prefix = 1; prefix <= bytes.length; prefix++) {
            assertThat(detect(bytes, prefix)).as("%s, prefix %d", name, prefix).isEqualTo(Detection.NO);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            length 7               | 00000007 1001 2c 3c          | NO
            length 0               | 00000000                     | NO
            length 10 MiB + 1      | 00a00001 1001 2c             | NO
            length 10 MiB          | 00a00000 1001 2c             | YES
            only 00 a1             | 00a1                         | NO
            only 00 a0 01          | 00a001                       | NO
            only 00 00 00          | 000000                       | NEED_MORE
            only 00 00             | 0000                         | NEED_MORE
            nothing                | ''                           | NEED_MORE
            length only            | 00000020                     | NEED_MORE
            version as int4        | 00000020 1200000001 2c       | NO
            version long head      | 00000020 f001 01 2c          | NO
            tag 2 first            | 00000020 2c 1001             | NO
            version then tag 3     | 00000020 1001 3c             | NO
            packet type as short   | 00000020 1001 210001         | NO
            packet type 2          | 00000020 1001 2002           | NO
            packet type 1          | 00000020 1001 2001           | YES
            packet type 0 as byte  | 00000020 1001 2000           | YES
            waits for packet type  | 00000020 1001 20             | NEED_MORE
            waits for tag 2        | 00000020 1101                | NEED_MORE
            fields past the length | 00000008 110001 2001         | NO
            """)
    void checksTheLengthAndTheFirstTwoFields(String name, String hex, Detection expected) {
        byte[] bytes = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        assertThat(detect(bytes, bytes.length)).isEqualTo(expected);
    }
}
