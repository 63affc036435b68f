package io.mosn4j.protocol.bolt;

import static io.mosn4j.api.protocol.Detection.NEED_MORE;
import static io.mosn4j.api.protocol.Detection.NO;
import static io.mosn4j.api.protocol.Detection.YES;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code "downstream_protocol": "Auto"}: which first bytes each protocol claims. */
class BoltDetectTest {
    static final BoltProtocol BOLT = new BoltProtocol();
    static final BoltV2Protocol BOLTV2 = new BoltV2Protocol();

    static Detection detect(XProtocol p, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return detect(p, b);
    }

    /** Detects at a non-zero reader index and checks the indexes did not move. */
    static Detection detect(XProtocol p, byte[] b) {
        ByteBuf in = Unpooled.buffer().writeBytes(new byte[] {9, 9, 9}).writeBytes(b);
        in.skipBytes(3);
        Detection d = p.detect(in);
        assertThat(in.readerIndex()).isEqualTo(3);
        assertThat(in.writerIndex()).isEqualTo(3 + b.length);
        return d;
    }

    @Test
    void bolt() {
        assertThat(detect(BOLT)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLT, 1)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLT, 1, 1)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLT, 1, 1, 0)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLT, 1, 1, 0, 1)).isEqualTo(YES); // request
        assertThat(detect(BOLT, 1, 2, 0, 1)).isEqualTo(YES); // oneway
        assertThat(detect(BOLT, 1, 1, 0, 0)).isEqualTo(YES); // heartbeat
        assertThat(detect(BOLT, 1, 0, 0, 2)).isEqualTo(YES); // response
        assertThat(detect(BOLT, 1, 0, 0, 0)).isEqualTo(YES); // heartbeat ack
        assertThat(detect(BOLT, WireFrame.v1Request().bytes())).isEqualTo(YES);
        assertThat(detect(BOLT, WireFrame.heartbeat(1).bytes())).isEqualTo(YES);

        assertThat(detect(BOLT, 1, 3)).isEqualTo(NO); // type
        assertThat(detect(BOLT, 1, 1, 0, 2)).isEqualTo(NO); // response code in a request
        assertThat(detect(BOLT, 1, 0, 0, 1)).isEqualTo(NO); // request code in a response
        assertThat(detect(BOLT, 1, 1, 1, 1)).isEqualTo(NO); // code 0x0101
        assertThat(detect(BOLT, 2)).isEqualTo(NO);
        assertThat(detect(BOLT, WireFrame.v2Request(true).bytes())).isEqualTo(NO);
    }

    @Test
    void boltv2() {
        assertThat(detect(BOLTV2)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLTV2, 2)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLTV2, 2, 1)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLTV2, 2, 1, 1)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLTV2, 2, 1, 1, 0)).isEqualTo(NEED_MORE);
        assertThat(detect(BOLTV2, 2, 1, 1, 0, 1)).isEqualTo(YES);
        assertThat(detect(BOLTV2, 2, 2, 0, 0, 2)).isEqualTo(YES);
        assertThat(detect(BOLTV2, WireFrame.v2Request(true).bytes())).isEqualTo(YES);
        assertThat(detect(BOLTV2, WireFrame.v2Response(false).bytes())).isEqualTo(YES);

        assertThat(detect(BOLTV2, 2, 0)).isEqualTo(NO); // ver1
        assertThat(detect(BOLTV2, 2, 3)).isEqualTo(NO);
        assertThat(detect(BOLTV2, 2, 1, 7)).isEqualTo(NO); // type
        assertThat(detect(BOLTV2, 2, 1, 0, 0, 1)).isEqualTo(NO); // request code in a response
        assertThat(detect(BOLTV2, 1)).isEqualTo(NO);
        assertThat(detect(BOLTV2, WireFrame.v1Request().bytes())).isEqualTo(NO);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api HTTP/1.1\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\n",
        "CONNECT a:443 HTTP/1.1\r\n",
        "H",
    })
    void httpIsNeverClaimed(String request) {
        byte[] b = request.getBytes(StandardCharsets.US_ASCII);
        for (int n = 1; n <= b.length; n++) {
            assertThat(detect(BOLT, Arrays.copyOf(b, n))).isEqualTo(NO);
            assertThat(detect(BOLTV2, Arrays.copyOf(b, n))).isEqualTo(NO);
        }
    }

    @Test
    void otherBinaryProtocols() {
        assertThat(detect(BOLT, 0xda, 0xbb, 0xc2, 0, 0)).isEqualTo(NO); // dubbo
        assertThat(detect(BOLTV2, 0xda, 0xbb, 0xc2, 0, 0)).isEqualTo(NO);
        assertThat(detect(BOLT, 0x16, 0x03, 0x01, 0x02, 0x00)).isEqualTo(NO); // TLS ClientHello
        assertThat(detect(BOLTV2, 0x16, 0x03, 0x01, 0x02, 0x00)).isEqualTo(NO);
    }

    /** Garbage: no exception, no index moved, and YES only for what decode would also take so far. */
    @Test
    void garbage() {
        Random random = new Random(20240601L);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(8)];
            random.nextBytes(b);
            if (b.length > 0 && random.nextBoolean()) {
                b[0] = (byte) (1 + random.nextInt(2));
            }
            for (BoltProtocol p : new BoltProtocol[] {BOLT, BOLTV2}) {
                Detection d = detect(p, b);
                if (d == YES) {
                    assertThat(b[0]).isEqualTo(p == BOLT ? (byte) 1 : (byte) 2);
                }
            }
        }
    }
}
