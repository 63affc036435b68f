package io.mosn4j.protocol.tars;

import static io.mosn4j.protocol.tars.TarsJavaPackets.bytes;
import static io.mosn4j.protocol.tars.TarsJavaPackets.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.qq.tars.net.core.IoBuffer;
import com.qq.tars.protocol.tars.TarsInputStream;
import com.qq.tars.protocol.tars.TarsOutputStream;
import com.qq.tars.protocol.util.TarsHelper;
import com.qq.tars.rpc.exc.ServerDecodeException;
import com.qq.tars.rpc.exc.ServerException;
import com.qq.tars.rpc.exc.ServerNoServantException;
import com.qq.tars.rpc.exc.ServerOverloadException;
import com.qq.tars.rpc.exc.ServerUnknownException;
import com.qq.tars.rpc.protocol.tars.TarsCodec;
import com.qq.tars.rpc.protocol.tars.TarsServantRequest;
import com.qq.tars.rpc.protocol.tars.TarsServantResponse;
import com.qq.tars.rpc.protocol.tup.UniAttribute;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.protocol.tars.TarsJavaPackets.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against TarsJava 1.7.3 itself: its server codec ({@code TarsCodec.decodeRequest}) reads what we
 * forward, its client codec ({@code decodeResponse}) reads our local replies, and we read what its
 * server codec writes. Its constants are the ones we map to.
 */
class TarsJavaInteropTest {
    private final TarsProtocol tars = new TarsProtocol();
    private final TarsCodec codec = new TarsCodec("UTF-8");

    @Test
    void ourConstantsAreTarsJavas() {
        assertThat(TarsProtocol.MAX_PACKET).isEqualTo(TarsHelper.PACKAGE_MAX_LENGTH);
        assertThat(TarsFrame.VERSION_TARS).isEqualTo(TarsHelper.VERSION);
        assertThat(TarsFrame.VERSION_TUP2).isEqualTo(TarsHelper.VERSION2);
        assertThat(TarsFrame.VERSION_TUP3).isEqualTo(TarsHelper.VERSION3);
        assertThat(TarsFrame.VERSION_JSON).isEqualTo(TarsHelper.VERSIONJSON);
        assertThat(TarsFrame.PACKET_NORMAL).isEqualTo(TarsHelper.NORMAL);
        assertThat(TarsFrame.PACKET_ONEWAY).isEqualTo(TarsHelper.ONEWAY);
        assertThat(TarsFrame.STATUS_RESULT_CODE).isEqualTo(TarsHelper.STATUS_RESULT_CODE);
        assertThat(TarsFrame.STATUS_RESULT_DESC).isEqualTo(TarsHelper.STATUS_RESULT_DESC);
        assertThat(TarsReturnCode.TARSSERVERSUCCESS).isEqualTo(TarsHelper.SERVERSUCCESS);
        assertThat(TarsReturnCode.TARSSERVERDECODEERR).isEqualTo(TarsHelper.SERVERDECODEERR);
        assertThat(TarsReturnCode.TARSSERVERENCODEERR).isEqualTo(TarsHelper.SERVERENCODEERR);
        assertThat(TarsReturnCode.TARSSERVERNOFUNCERR).isEqualTo(TarsHelper.SERVERNOFUNCERR);
        assertThat(TarsReturnCode.TARSSERVERNOSERVANTERR).isEqualTo(TarsHelper.SERVERNOSERVANTERR);
        assertThat(TarsReturnCode.TARSSERVERRESETGRID).isEqualTo(TarsHelper.SERVERRESETGRID);
        assertThat(TarsReturnCode.TARSSERVERQUEUETIMEOUT).isEqualTo(TarsHelper.SERVERQUEUETIMEOUT);
        assertThat(TarsReturnCode.TARSASYNCCALLTIMEOUT).isEqualTo(TarsHelper.ASYNCCALLTIMEOUT);
        assertThat(TarsReturnCode.TARSPROXYCONNECTERR).isEqualTo(TarsHelper.PROXYCONNECTERR);
        assertThat(TarsReturnCode.TARSSERVEROVERLOAD).isEqualTo(TarsHelper.SERVEROVERLOAD);
        assertThat(TarsReturnCode.TARSSERVERUNKNOWNERR).isEqualTo(TarsHelper.SERVERUNKNOWNERR);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 70000, -1, Integer.MAX_VALUE, 128, 40000})
    void tarsJavasServerCodecReadsTheRequestsWeForward(int newId) throws Exception {
        byte[] args = argsStruct();
        Request r = new Request((short) 1, (byte) 0, 0x10, 5, "App.Server.Obj", "add", args, 1500,
                map("trace", "abc", "user", "u1"), map("STATUS_GRID_KEY", "7"));
        TarsFrame f = tars.decode(r.buf());
        f.setRequestId(Integer.toUnsignedLong(newId));
        ByteBuf out = tars.encode(f, PooledByteBufAllocator.DEFAULT);
        try {
            TarsServantRequest req = (TarsServantRequest) codec.decodeRequest(IoBuffer.wrap(bytes(out)), null);
            assertThat(req.getRet()).isEqualTo(TarsHelper.SERVERSUCCESS);
            assertThat(req.getRequestId()).isEqualTo(newId);
            assertThat(req.getVersion()).isEqualTo((short) 1);
            assertThat(req.getPacketType()).isEqualTo((byte) 0);
            assertThat(req.getMessageType()).isEqualTo(0x10);
            assertThat(req.getServantName()).isEqualTo("App.Server.Obj");
            assertThat(req.getFunctionName()).isEqualTo("add");
            assertThat(req.getData()).isEqualTo(args);
            assertThat(req.getTimeout()).isEqualTo(1500);
            // ASCII: TarsCodec reads the packet head with TarsInputStream's default charset, GBK
            // (TarsOutputStream writes UTF-8); the bytes themselves pass through unchanged
            assertThat(req.getContext()).isEqualTo(Map.of("trace", "abc", "user", "u1"));
            assertThat(req.getStatus()).isEqualTo(Map.of("STATUS_GRID_KEY", "7"));
        } finally {
            out.release();
            f.release();
        }
    }

    @ParameterizedTest
    @EnumSource(ProxyError.class)
    void tarsJavasClientCodecReadsOurLocalReplies(ProxyError error) throws Exception {
        TarsFrame req = tars.decode(Request.of(70001, "App.Server.Obj", "add").buf());
        XFrame reply = tars.errorResponse(req, error, "502|no healthy upstream");
        ByteBuf out = tars.encode(reply, PooledByteBufAllocator.DEFAULT);
        try {
            byte[] packet = bytes(out);
            TarsServantResponse resp = (TarsServantResponse) codec.decodeResponse(IoBuffer.wrap(packet), null);
            assertThat(resp.getRequestId()).isEqualTo(70001);
            assertThat(resp.getVersion()).isEqualTo((short) 1);
            assertThat(resp.getPacketType()).isEqualTo((byte) 0);
            assertThat(resp.getRet()).isEqualTo(TarsProtocol.returnCode(error));
            assertThat(resp.getRemark()).isEqualTo("502|no healthy upstream");

            // the rest of the packet, as the client would read it for a success
            TarsInputStream is = new TarsInputStream(packet, 4);
            assertThat(is.read(new byte[0], 6, true)).isEmpty();
            assertThat(is.readStringMap(7, true)).isEmpty();

            // what a TarsJava caller then sees
            Class<?> expected = switch (error) {
                case NO_ROUTE -> ServerNoServantException.class;
                case OVERFLOW, PAYLOAD_TOO_LARGE -> ServerOverloadException.class;
                case CODEC, DESERIALIZATION -> ServerDecodeException.class;
                default -> ServerUnknownException.class;
            };
            assertThat(ServerException.makeException(resp.getRet(), resp.getRemark())).isInstanceOf(expected)
                    .hasMessageContaining("502|no healthy upstream");
        } finally {
            out.release();
            reply.release();
            req.release();
        }
    }

    @Test
    void weReadTheErrorResponsesTarsJavasServerWrites() throws Exception {
        TarsServantRequest req = new TarsServantRequest(null);
        req.setVersion(TarsHelper.VERSION);
        req.setServantName("App.Server.Obj");
        req.setFunctionName("nope");
        TarsServantResponse resp = new TarsServantResponse(null);
        resp.setRequest(req);
        resp.setVersion(TarsHelper.VERSION);
        resp.setPacketType(TarsHelper.NORMAL);
        resp.setRequestId(-5);
        resp.setMessageType(0);
        resp.setRet(TarsHelper.SERVERNOFUNCERR);
        resp.setRemark("no function nope");
        resp.setStatus(map("STATUS_SAMPLE_KEY", "s"));
        byte[] packet = ioBytes(codec.encodeResponse(resp, null));

        TarsFrame f = tars.decode(Unpooled.wrappedBuffer(packet));
        try {
            assertThat(f.isRequest()).isFalse();
            assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(-5));
            assertThat(f.status()).isEqualTo(-3);
            assertThat(f.resultDesc()).isEqualTo("no function nope");
            assertThat(f.headers().get("STATUS_SAMPLE_KEY")).isEqualTo("s");
            f.setRequestId(12);
            ByteBuf out = tars.encode(f, PooledByteBufAllocator.DEFAULT);
            TarsServantResponse again = (TarsServantResponse) codec.decodeResponse(IoBuffer.wrap(bytes(out)), null);
            assertThat(again.getRequestId()).isEqualTo(12);
            assertThat(again.getRet()).isEqualTo(-3);
            assertThat(again.getRemark()).isEqualTo("no function nope");
            out.release();
        } finally {
            f.release();
        }
    }

    @Test
    void weReadTheSuccessfulResponsesTarsJavasServerWrites() throws Exception {
        TarsServantRequest req = new TarsServantRequest(null);
        req.setVersion(TarsHelper.VERSION);
        req.setServantName("Unknown.Servant.Obj");
        req.setFunctionName("tars_ping");
        TarsServantResponse resp = new TarsServantResponse(null);
        resp.setRequest(req);
        resp.setVersion(TarsHelper.VERSION);
        resp.setRequestId(9);
        resp.setRet(TarsHelper.SERVERSUCCESS);
        byte[] packet = ioBytes(codec.encodeResponse(resp, null));

        TarsFrame f = tars.decode(Unpooled.wrappedBuffer(packet));
        try {
            assertThat(f.isRequest()).isFalse();
            assertThat(f.requestId()).isEqualTo(9);
            assertThat(f.status()).isZero();
            assertThat(f.bodyLength()).isZero();
            assertThat(f.resultDesc()).isNull();
        } finally {
            f.release();
        }
    }

    /** The limitation {@link TarsProtocol} documents: a TUP response has the request layout. */
    @Test
    void tupResponsesTarsJavaWritesHaveTheRequestLayout() throws Exception {
        TarsServantRequest req = new TarsServantRequest(null);
        req.setVersion(TarsHelper.VERSION3);
        req.setServantName("App.Server.Obj");
        req.setFunctionName("get");
        TarsServantResponse resp = new TarsServantResponse(null);
        resp.setRequest(req);
        resp.setVersion(TarsHelper.VERSION3);
        resp.setRequestId(44);
        resp.setRet(TarsHelper.SERVERSUCCESS);
        byte[] packet = ioBytes(codec.encodeResponse(resp, null));

        TarsFrame f = tars.decode(Unpooled.wrappedBuffer(packet));
        try {
            assertThat(f.hasRequestLayout()).isTrue();
            assertThat(f.isRequest()).isTrue(); // nothing in the bytes says otherwise
            assertThat(f.requestId()).isEqualTo(44);
            assertThat(f.servantName()).isEqualTo("App.Server.Obj");
        } finally {
            f.release();
        }
    }

    @Test
    void tupCallersReadOurTupLocalReplies() {
        TarsFrame req = tars.decode(Request.of(300, "App.Server.Obj", "get").withVersion(3).buf());
        XFrame reply = tars.errorResponse(req, ProxyError.NO_ROUTE, "no route");
        ByteBuf out = tars.encode(reply, PooledByteBufAllocator.DEFAULT);
        try {
            TarsInputStream is = new TarsInputStream(bytes(out), 4);
            assertThat(is.read((short) 0, 1, true)).isEqualTo((short) 3);
            assertThat(is.read((byte) 0, 2, true)).isEqualTo((byte) 0);
            assertThat(is.read(0, 3, true)).isZero();
            assertThat(is.read(0, 4, true)).isEqualTo(300);
            assertThat(is.readString(5, true)).isEqualTo("App.Server.Obj");
            assertThat(is.readString(6, true)).isEqualTo("get");
            byte[] data = is.read(new byte[0], 7, true);
            assertThat(is.read(0, 8, true)).isZero();
            assertThat(is.readStringMap(9, true)).isEmpty();
            assertThat(is.readStringMap(10, true)).containsEntry("STATUS_RESULT_CODE", "-4")
                    .containsEntry("STATUS_RESULT_DESC", "no route");

            UniAttribute attributes = new UniAttribute();
            attributes.decodeVersion3(data);
            assertThat(attributes.isEmpty()).isTrue();
        } finally {
            out.release();
            reply.release();
            req.release();
        }
    }

    @Test
    void anEmptyTupAttributeMapIsTheBodyWeSend() {
        UniAttribute v3 = new UniAttribute();
        v3.useVersion3();
        assertThat(v3.encode()).containsExactly(0x08, 0x0C);
        UniAttribute v2 = new UniAttribute();
        v2.setNewDataNull();
        assertThat(v2.encode()).containsExactly(0x08, 0x0C);
    }

    /** A real argument list (what TarsCodec.encodeRequestParams writes): an int and a string. */
    private static byte[] argsStruct() {
        TarsOutputStream os = new TarsOutputStream(0);
        os.write(12345, 1);
        os.write("hello", 2);
        os.write(map("k", "v"), 3);
        return os.toByteArray();
    }

    private static byte[] ioBytes(IoBuffer io) {
        ByteBuffer b = io.buf().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
