package io.mosn4j.it;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bolt v1 frames byte by byte, for what a SOFABolt client hides: exact response statuses, the
 * request's own timeout field, heartbeats with a chosen id, garbage. Written from the protocol's
 * layout:
 *
 * <pre>
 * request:  proto(1)=1 type(1) cmdcode(2) ver2(1) id(4) codec(1) timeout(4) classLen(2) headerLen(2) contentLen(4) class header content
 * response: proto(1)=1 type(1)=0 cmdcode(2) ver2(1) id(4) codec(1) status(2) classLen(2) headerLen(2) contentLen(4) class header content
 * </pre>
 *
 * type: 0 response, 1 request, 2 oneway; cmdcode: 0 heartbeat, 1 request, 2 response. The header
 * map (SOFARPC's) is a run of {@code int32 length, UTF-8 bytes} pairs, key then value.
 */
final class BoltWire {
    static final int PROTO_V1 = 1;
    static final int TYPE_RESPONSE = 0;
    static final int TYPE_REQUEST = 1;
    static final int TYPE_ONEWAY = 2;
    static final int CMD_HEARTBEAT = 0;
    static final int CMD_REQUEST = 1;
    static final int CMD_RESPONSE = 2;
    static final int HESSIAN2 = 1;

    // bolt response statuses
    static final int SUCCESS = 0;
    static final int SERVER_EXCEPTION = 2;
    static final int UNKNOWN = 3;
    static final int SERVER_THREADPOOL_BUSY = 4;
    static final int NO_PROCESSOR = 6;
    static final int TIMEOUT = 7;
    static final int CODEC_EXCEPTION = 9;
    static final int SERVER_DESERIAL_EXCEPTION = 18;

    private BoltWire() {}

    static byte[] encodeHeaders(Map<String, String> headers) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        try {
            for (var e : headers.entrySet()) {
                byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
                byte[] v = e.getValue() == null ? new byte[0] : e.getValue().getBytes(StandardCharsets.UTF_8);
                out.writeInt(k.length);
                out.write(k);
                out.writeInt(v.length);
                out.write(v);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    static Map<String, String> decodeHeaders(byte[] bytes) {
        Map<String, String> m = new LinkedHashMap<>();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        while (in.remaining() >= 4) {
            String k = string(in);
            String v = string(in);
            m.put(k, v);
        }
        return m;
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("header map entry of " + n + " bytes with " + in.remaining() + " left");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A bolt v1 request frame. */
    static byte[] request(int type, int cmd, int id, int timeoutMillis, String clazz, Map<String, String> headers, byte[] content) {
        byte[] c = clazz == null ? new byte[0] : clazz.getBytes(StandardCharsets.UTF_8);
        byte[] h = headers == null || headers.isEmpty() ? new byte[0] : encodeHeaders(headers);
        byte[] body = content == null ? new byte[0] : content;
        ByteBuffer b = ByteBuffer.allocate(22 + c.length + h.length + body.length);
        b.put((byte) PROTO_V1).put((byte) type).putShort((short) cmd).put((byte) 1).putInt(id).put((byte) HESSIAN2)
                .putInt(timeoutMillis).putShort((short) c.length).putShort((short) h.length).putInt(body.length)
                .put(c).put(h).put(body);
        return b.array();
    }

    /** A request carrying {@code echo} (Hessian2, as SOFABolt writes it) with the given header map. */
    static byte[] echoRequest(int id, int timeoutMillis, Map<String, String> headers, BoltEcho echo) {
        byte[] content;
        try {
            content = com.alipay.remoting.serialization.SerializerManager.getSerializer(HESSIAN2).serialize(echo);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return request(TYPE_REQUEST, CMD_REQUEST, id, timeoutMillis, BoltEcho.class.getName(), headers, content);
    }

    static byte[] heartbeat(int id) {
        return request(TYPE_REQUEST, CMD_HEARTBEAT, id, 1000, null, null, null);
    }

    /** One decoded bolt v1 response. */
    record Response(int proto, int type, int cmd, int id, int status, String clazz, byte[] header, byte[] content) {
        Object contentObject() {
            try {
                return com.alipay.remoting.serialization.SerializerManager.getSerializer(HESSIAN2).deserialize(content, clazz);
            } catch (Exception e) {
                throw new IllegalStateException("cannot deserialize " + clazz + " content of " + this, e);
            }
        }

        @Override
        public String toString() {
            return "Response[proto=" + proto + ", type=" + type + ", cmd=" + cmd + ", id=" + id + ", status=" + status
                    + ", class=" + clazz + ", header=" + header.length + "B, content=" + content.length + "B]";
        }
    }

    static Response read(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        int proto = in.readUnsignedByte();
        if (proto != PROTO_V1) {
            throw new IOException("not a bolt v1 frame: first byte " + proto);
        }
        int type = in.readUnsignedByte();
        int cmd = in.readUnsignedShort();
        in.readUnsignedByte(); // ver2
        int id = in.readInt();
        in.readUnsignedByte(); // codec
        int status;
        if (type == TYPE_RESPONSE) {
            status = in.readUnsignedShort();
        } else {
            in.readInt(); // a request's timeout
            status = -1;
        }
        int classLen = in.readUnsignedShort();
        int headerLen = in.readUnsignedShort();
        int contentLen = in.readInt();
        if (contentLen < 0 || contentLen > 16 << 20) {
            throw new IOException("absurd content length " + contentLen);
        }
        byte[] c = new byte[classLen];
        in.readFully(c);
        byte[] h = new byte[headerLen];
        in.readFully(h);
        byte[] body = new byte[contentLen];
        in.readFully(body);
        return new Response(proto, type, cmd, id, status, new String(c, StandardCharsets.UTF_8), h, body);
    }

    /** A blocking socket to a bolt listener; every read has a timeout. */
    static final class Client implements Closeable {
        final Socket socket;

        Client(int port, int readTimeoutMillis) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            socket.setSoTimeout(readTimeoutMillis);
            socket.setTcpNoDelay(true);
        }

        Client send(byte[] frame) throws IOException {
            socket.getOutputStream().write(frame);
            socket.getOutputStream().flush();
            return this;
        }

        Response read() throws IOException {
            return BoltWire.read(socket.getInputStream());
        }

        /**
         * Waits up to {@code millis} for the peer to close: true on EOF or reset, false if it is
         * still open then. Bytes that arrive meanwhile are skipped.
         */
        boolean closedWithin(long millis) throws IOException {
            long deadline = System.nanoTime() + millis * 1_000_000L;
            byte[] buf = new byte[4096];
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000L)));
                try {
                    if (socket.getInputStream().read(buf) < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // still open
                } catch (EOFException e) {
                    return true;
                } catch (IOException e) {
                    return true; // reset
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
