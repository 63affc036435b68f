package io.mosn4j.protocol.bolt;

import static io.mosn4j.protocol.bolt.Bufs.ALLOC;
import static io.mosn4j.protocol.bolt.Bufs.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.remoting.CommandDecoder;
import com.alipay.remoting.CommandEncoder;
import com.alipay.remoting.Connection;
import com.alipay.remoting.ResponseStatus;
import com.alipay.remoting.config.switches.ProtocolSwitch;
import com.alipay.remoting.exception.CodecException;
import com.alipay.remoting.exception.DeserializationException;
import com.alipay.remoting.rpc.HeartbeatAckCommand;
import com.alipay.remoting.rpc.HeartbeatCommand;
import com.alipay.remoting.rpc.RpcCommand;
import com.alipay.remoting.rpc.RpcCommandFactory;
import com.alipay.remoting.rpc.RpcCommandType;
import com.alipay.remoting.rpc.RpcResponseResolver;
import com.alipay.remoting.rpc.exception.InvokeException;
import com.alipay.remoting.rpc.exception.InvokeServerBusyException;
import com.alipay.remoting.rpc.exception.InvokeServerException;
import com.alipay.remoting.rpc.exception.InvokeTimeoutException;
import com.alipay.remoting.rpc.protocol.RpcCommandDecoder;
import com.alipay.remoting.rpc.protocol.RpcCommandDecoderV2;
import com.alipay.remoting.rpc.protocol.RpcCommandEncoder;
import com.alipay.remoting.rpc.protocol.RpcCommandEncoderV2;
import com.alipay.remoting.rpc.protocol.RpcRequestCommand;
import com.alipay.remoting.rpc.protocol.RpcResponseCommand;
import io.mosn4j.api.stream.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bytes from SOFABolt's own encoders decode with ours, and ours (ids rewritten, CRC recomputed,
 * proxy replies) decode with SOFABolt's decoders, for the three layouts a SOFABolt peer sends:
 * v1, v2 with ver1 1, and v2 with ver1 2 and CRC.
 */
class SofaBoltCodecInteropTest {
    static final BoltProtocol BOLT = new BoltProtocol();
    static final byte[] HEADER = WireFrame.headerMap(
            "service", "com.example.EchoService:1.0",
            "sofa_head_target_service", "com.example.EchoService:1.0",
            "sofa_head_method_name", "echo");

    /** A SOFABolt peer: which encoder, decoder and channel version it uses. */
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

        CommandEncoder encoder() {
            return protocol == 0 ? new RpcCommandEncoder() : new RpcCommandEncoderV2();
        }

        CommandDecoder decoder() {
            return protocol == 0 ? new RpcCommandDecoder() : new RpcCommandDecoderV2();
        }

        byte code() {
            return (byte) (protocol == 0 ? 1 : 2);
        }
    }

    final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A handler context whose channel has a TCP-like remote address and the peer's version. */
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

    ByteBuf theirEncoding(Peer peer, RpcCommand cmd) throws Exception {
        ByteBuf out = ALLOC.directBuffer();
        peer.encoder().encode(ctx(peer), cmd, out);
        return out;
    }

    Object theirDecoding(Peer peer, ByteBuf in) throws Exception {
        List<Object> out = new ArrayList<>();
        peer.decoder().decode(ctx(peer), in, out);
        assertThat(out).hasSize(1);
        assertThat(in.isReadable()).isFalse();
        return out.get(0);
    }

    RpcRequestCommand theirRequest(Peer peer, String body, byte type) throws Exception {
        RpcRequestCommand cmd = new RpcRequestCommand(body);
        cmd.setType(type);
        cmd.setRequestClass(String.class.getName());
        cmd.setTimeout(2500);
        cmd.setHeader(HEADER);
        if (peer.crc) {
            cmd.setProtocolSwitch(ProtocolSwitch.create(new int[] {ProtocolSwitch.CRC_SWITCH_INDEX}));
        }
        cmd.serialize();
        return cmd;
    }

    static String body(int length) {
        return "x".repeat(length);
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void theirRequestsDecodeAndReencodeWithANewId(Peer peer) throws Exception {
        for (int length : new int[] {5, 5000}) {
            for (byte type : new byte[] {RpcCommandType.REQUEST, RpcCommandType.REQUEST_ONEWAY}) {
                RpcRequestCommand cmd = theirRequest(peer, body(length), type);
                ByteBuf wire = theirEncoding(peer, cmd);
                BoltFrame f = BOLT.decode(wire);
                assertThat(wire.isReadable()).isFalse();

                assertThat(f.protocolCode()).isEqualTo(peer.code());
                assertThat(f.protocolVersion()).isEqualTo(peer.ver1);
                assertThat(f.hasCrc()).isEqualTo(peer.crc);
                assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(cmd.getId()));
                assertThat(f.isRequest()).isTrue();
                assertThat(f.isOneWay()).isEqualTo(type == RpcCommandType.REQUEST_ONEWAY);
                assertThat(f.isHeartbeat()).isFalse();
                assertThat(f.timeoutMillis()).isEqualTo(2500);
                assertThat(f.codec()).isEqualTo(cmd.getSerializer());
                assertThat(f.className()).isEqualTo("java.lang.String");
                assertThat(f.headers().get("service")).isEqualTo("com.example.EchoService:1.0");
                assertThat(f.headers().get("sofa_head_method_name")).isEqualTo("echo");
                assertThat(bytes(f.content())).isEqualTo(cmd.getContent());

                f.setRequestId(0x9000_0001L);
                ByteBuf ours = BOLT.encode(f, ALLOC);
                RpcRequestCommand back = (RpcRequestCommand) theirDecoding(peer, ours);
                back.deserialize();
                assertThat(back.getId()).isEqualTo(0x9000_0001);
                assertThat(back.getType()).isEqualTo(type);
                assertThat(back.getTimeout()).isEqualTo(2500);
                assertThat(back.getRequestObject()).isEqualTo(body(length));
                assertThat(back.getHeader()).isEqualTo(HEADER);
                ours.release();
                f.release();
                assertThat(wire.refCnt()).isEqualTo(1);
                wire.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void theirResponsesDecodeAndReencodeWithANewId(Peer peer) throws Exception {
        RpcRequestCommand req = theirRequest(peer, "hi", RpcCommandType.REQUEST);
        RpcCommandFactory factory = new RpcCommandFactory();
        for (int length : new int[] {5, 5000}) {
            RpcResponseCommand resp = factory.createResponse(body(length), req);
            resp.serialize();
            ByteBuf wire = theirEncoding(peer, resp);
            BoltFrame f = BOLT.decode(wire);
            assertThat(f.isRequest()).isFalse();
            assertThat(f.status()).isEqualTo(BoltStatus.SUCCESS);
            assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(req.getId()));
            assertThat(f.hasCrc()).isEqualTo(peer.crc);
            assertThat(f.className()).isEqualTo("java.lang.String");

            f.setRequestId(42);
            ByteBuf ours = BOLT.encode(f, ALLOC);
            RpcResponseCommand back = (RpcResponseCommand) theirDecoding(peer, ours);
            back.deserialize();
            assertThat(back.getId()).isEqualTo(42);
            assertThat(back.getResponseStatus()).isEqualTo(ResponseStatus.SUCCESS);
            assertThat(back.getResponseObject()).isEqualTo(body(length));
            ours.release();
            f.release();
            wire.release();
        }

        // a server-side exception reply keeps its status
        RpcResponseCommand failed = factory.createExceptionResponse(req.getId(), "boom");
        failed.serialize();
        ByteBuf wire = theirEncoding(peer, failed);
        BoltFrame f = BOLT.decode(wire);
        assertThat(f.status()).isEqualTo(BoltStatus.SERVER_EXCEPTION);
        f.release();
        wire.release();
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void heartbeatsAreAnsweredTheWaySofaBoltAnswersThem(Peer peer) throws Exception {
        HeartbeatCommand hb = new HeartbeatCommand();
        ByteBuf wire = theirEncoding(peer, hb);
        BoltFrame f = BOLT.decode(wire);
        assertThat(f.isHeartbeat()).isTrue();
        assertThat(f.isRequest()).isTrue();
        assertThat(f.requestId()).isEqualTo(Integer.toUnsignedLong(hb.getId()));

        BoltFrame ack = BOLT.heartbeatResponse(f);
        ByteBuf ours = BOLT.encode(ack, ALLOC);
        Object back = theirDecoding(peer, ours);
        assertThat(back).isInstanceOf(HeartbeatAckCommand.class);
        HeartbeatAckCommand a = (HeartbeatAckCommand) back;
        assertThat(a.getId()).isEqualTo(hb.getId());
        assertThat(a.getResponseStatus()).isEqualTo(ResponseStatus.SUCCESS);
        ours.release();

        // and byte for byte what SOFABolt's server writes for it
        HeartbeatAckCommand theirAck = new HeartbeatAckCommand();
        theirAck.setId(hb.getId());
        ByteBuf theirs = theirEncoding(peer, theirAck);
        assertThat(Bufs.encode(BOLT, ack)).isEqualTo(bytes(theirs));
        theirs.release();
        ack.release();
        f.release();
        wire.release();
    }

    /**
     * What SOFABolt's client makes of each error reply (no class, no content): a RemotingException
     * subclass naming the status, from {@link RpcResponseResolver}; never a NullPointerException.
     */
    @ParameterizedTest
    @EnumSource(ProxyError.class)
    void errorRepliesBecomeSofaBoltExceptions(ProxyError error) throws Exception {
        for (Peer peer : Peer.values()) {
            RpcRequestCommand req = theirRequest(peer, "hi", RpcCommandType.REQUEST);
            ByteBuf wire = theirEncoding(peer, req);
            BoltFrame f = BOLT.decode(wire);
            BoltFrame reply = BOLT.errorResponse(f, error, "no route");
            ByteBuf ours = BOLT.encode(reply, ALLOC);
            RpcResponseCommand back = (RpcResponseCommand) theirDecoding(peer, ours);
            assertThat(back.getId()).isEqualTo(req.getId());
            assertThat(back.getResponseStatus().getValue()).isEqualTo((short) BoltStatus.of(error));
            assertThatThrownBy(() -> RpcResponseResolver.resolveResponseObject(back, "127.0.0.1:12200"))
                    .isInstanceOf(expectedException(error))
                    .hasMessageContaining("127.0.0.1:12200");
            ours.release();
            reply.release();
            f.release();
            wire.release();
        }
    }

    static Class<? extends Exception> expectedException(ProxyError error) {
        return switch (error) {
            case NO_ROUTE, NO_HEALTHY_UPSTREAM, PAYLOAD_TOO_LARGE, UNKNOWN -> InvokeException.class; // "Rpc invocation exception: NO_PROCESSOR"
            case OVERFLOW -> InvokeServerBusyException.class;
            case CODEC -> CodecException.class;
            case DESERIALIZATION -> DeserializationException.class;
            case TIMEOUT -> InvokeTimeoutException.class;
            case PERMISSION_DENIED -> InvokeServerException.class;
        };
    }

    /** What SOFABolt's v2 decoder does with a CRC we got wrong: it refuses the frame. */
    @Test
    void sofaBoltChecksTheCrcWeWrite() throws Exception {
        WireFrame w = WireFrame.v2Request(true);
        w.crc = 0;
        ByteBuf in = Bufs.direct(w.bytes());
        assertThatThrownBy(() -> theirDecoding(Peer.V2_CRC, in)).hasMessageContaining("CRC check failed");
        in.release();

        ByteBuf good = Bufs.direct(WireFrame.v2Request(true).bytes());
        assertThat(theirDecoding(Peer.V2_CRC, good)).isInstanceOf(RpcRequestCommand.class);
        good.release();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void ourHeaderMapIsSofaRpcs(int proto) throws Exception {
        // SOFABolt leaves the header bytes to SOFARPC; they pass through both codecs untouched
        WireFrame w = proto == 1 ? WireFrame.v1Request() : WireFrame.v2Request(true);
        ByteBuf in = Bufs.direct(w.bytes());
        RpcRequestCommand cmd = (RpcRequestCommand) theirDecoding(proto == 1 ? Peer.V1 : Peer.V2_CRC, in);
        assertThat(cmd.getHeader()).isEqualTo(w.header);
        assertThat(cmd.getId()).isEqualTo(w.id);
        in.release();
    }
}
