package io.mosn4j.protocol.tars;

import com.qq.tars.protocol.tars.TarsOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Packets written by TarsJava's own {@link TarsOutputStream}, field by field in the order its
 * {@code TarsCodec.encodeRequest} and {@code encodeResponse} write them: the reference the codec is
 * tested against.
 */
final class TarsJavaPackets {
    private TarsJavaPackets() {}

    record Request(short version, byte packetType, int messageType, int requestId, String servant, String function,
            byte[] body, int timeout, Map<String, String> context, Map<String, String> status) {
        Request {
            context = context == null ? new LinkedHashMap<>() : context;
            status = status == null ? new LinkedHashMap<>() : status;
        }

        static Request of(int id, String servant, String function) {
            return new Request((short) 1, (byte) 0, 0, id, servant, function, new byte[] {1, 2, 3}, 3000, null, null);
        }

        Request withId(int id) {
            return new Request(version, packetType, messageType, id, servant, function, body, timeout, context, status);
        }

        Request withPacketType(int type) {
            return new Request(version, (byte) type, messageType, requestId, servant, function, body, timeout, context, status);
        }

        Request withVersion(int v) {
            return new Request((short) v, packetType, messageType, requestId, servant, function, body, timeout, context, status);
        }

        Request withBody(byte[] b) {
            return new Request(version, packetType, messageType, requestId, servant, function, b, timeout, context, status);
        }

        Request withTimeout(int t) {
            return new Request(version, packetType, messageType, requestId, servant, function, body, t, context, status);
        }

        Request withContext(Map<String, String> c) {
            return new Request(version, packetType, messageType, requestId, servant, function, body, timeout, c, status);
        }

        Request withStatus(Map<String, String> s) {
            return new Request(version, packetType, messageType, requestId, servant, function, body, timeout, context, s);
        }

        byte[] bytes() {
            TarsOutputStream os = new TarsOutputStream();
            os.getByteBuffer().putInt(0);
            os.write(version, 1);
            os.write(packetType, 2);
            os.write(messageType, 3);
            os.write(requestId, 4);
            os.write(servant, 5);
            os.write(function, 6);
            os.write(body, 7);
            os.write(timeout, 8);
            os.write(context, 9);
            os.write(status, 10);
            return withLength(os);
        }

        ByteBuf buf() {
            return Unpooled.wrappedBuffer(bytes());
        }
    }

    record Response(short version, byte packetType, int requestId, int messageType, int ret, byte[] body,
            Map<String, String> status, String resultDesc, Map<String, String> context) {
        static Response of(int id, int ret) {
            return new Response((short) 1, (byte) 0, id, 0, ret, new byte[] {9, 8, 7}, new LinkedHashMap<>(),
                    ret == 0 ? null : "failed", null);
        }

        Response withId(int id) {
            return new Response(version, packetType, id, messageType, ret, body, status, resultDesc, context);
        }

        Response withBody(byte[] b) {
            return new Response(version, packetType, requestId, messageType, ret, b, status, resultDesc, context);
        }

        Response withStatus(Map<String, String> s) {
            return new Response(version, packetType, requestId, messageType, ret, body, s, resultDesc, context);
        }

        Response withContext(Map<String, String> c) {
            return new Response(version, packetType, requestId, messageType, ret, body, status, resultDesc, c);
        }

        /** As TarsCodec.encodeResponse writes a version-1 response, plus context (tag 9) when given. */
        byte[] bytes() {
            TarsOutputStream os = new TarsOutputStream();
            os.getByteBuffer().putInt(0);
            os.write(version, 1);
            os.write(packetType, 2);
            os.write(requestId, 3);
            os.write(messageType, 4);
            os.write(ret, 5);
            os.write(body, 6);
            if (status != null) {
                os.write(status, 7);
            }
            if (resultDesc != null) {
                os.write(resultDesc, 8);
            }
            if (context != null) {
                os.write(context, 9);
            }
            return withLength(os);
        }

        ByteBuf buf() {
            return Unpooled.wrappedBuffer(bytes());
        }
    }

    private static byte[] withLength(TarsOutputStream os) {
        ByteBuffer b = os.getByteBuffer();
        int length = b.position();
        b.putInt(0, length);
        return os.toByteArray();
    }

    static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
