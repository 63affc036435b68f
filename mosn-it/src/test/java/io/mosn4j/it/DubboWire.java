package io.mosn4j.it;

import com.alibaba.com.caucho.hessian.io.Hessian2Input;
import com.alibaba.com.caucho.hessian.io.Hessian2Output;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The dubbo wire format, written from its description for byte-level tests: a 16-byte header
 * (magic {@code 0xdabb}; flag byte = request 0x80 | two-way 0x40 | event 0x20 | serialization id,
 * 2 for hessian2; status byte; 64-bit request id; 32-bit body length) and a hessian2 body. Requests
 * carry the dubbo version, service path, service version, method, parameter descriptor, the
 * arguments and the attachments; responses a flag (1 value, 2 null, 0 exception; +3 when
 * attachments follow) and the value, or for a status other than 20 an error message string.
 */
final class DubboWire {
    static final int MAGIC = 0xdabb;
    static final int FLAG_REQUEST = 0x80;
    static final int FLAG_TWO_WAY = 0x40;
    static final int FLAG_EVENT = 0x20;
    static final int HESSIAN2 = 2;
    static final int HEADER = 16;
    static final int OK = 20;

    private DubboWire() {}

    /** One frame: its header fields and body. */
    record Frame(int flag, int status, long id, byte[] body) {
        boolean isRequest() {
            return (flag & FLAG_REQUEST) != 0;
        }

        boolean isEvent() {
            return (flag & FLAG_EVENT) != 0;
        }

        /** A response's value (hessian2): the object after the response flag; fails for an exception. */
        Object value() throws IOException {
            Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(body));
            int kind = in.readInt();
            return switch (kind) {
                case 1, 4 -> in.readObject();
                case 2, 5 -> null;
                default -> throw new IOException("response flag " + kind + " (exception?) in frame " + this);
            };
        }

        /** The error message of a response whose status is not OK (a hessian2 string). */
        String errorMessage() throws IOException {
            return new Hessian2Input(new ByteArrayInputStream(body)).readString();
        }

        @Override
        public String toString() {
            return "Frame[flag=0x" + Integer.toHexString(flag) + ", status=" + status + ", id=" + id + ", body=" + body.length + " bytes]";
        }
    }

    static byte[] header(int flag, int status, long id, int bodyLength) {
        return ByteBuffer.allocate(HEADER).putShort((short) MAGIC).put((byte) flag).put((byte) status)
                .putLong(id).putInt(bodyLength).array();
    }

    static byte[] frame(int flag, int status, long id, byte[] body) {
        byte[] out = new byte[HEADER + body.length];
        System.arraycopy(header(flag, status, id, body.length), 0, out, 0, HEADER);
        System.arraycopy(body, 0, out, HEADER, body.length);
        return out;
    }

    /** A two-way hessian2 request for {@code service} (version "0.0.0" when null) {@code method(args)}. */
    static byte[] request(long id, String service, String version, String method, String desc,
                          Map<String, Object> attachments, Object... args) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Hessian2Output out = new Hessian2Output(body);
        out.writeString("2.0.2");
        out.writeString(service);
        out.writeString(version == null ? "0.0.0" : version);
        out.writeString(method);
        out.writeString(desc);
        for (Object a : args) {
            out.writeObject(a);
        }
        out.writeObject(new HashMap<>(attachments)); // a plain map: hessian writes other maps' class names
        out.flushBuffer();
        return frame(FLAG_REQUEST | FLAG_TWO_WAY | HESSIAN2, 0, id, body.toByteArray());
    }

    /** A heartbeat request: a two-way event whose data is hessian2 null. */
    static byte[] heartbeat(long id) {
        return frame(FLAG_REQUEST | FLAG_TWO_WAY | FLAG_EVENT | HESSIAN2, 0, id, new byte[] {'N'});
    }

    static Frame read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] h = new byte[HEADER];
        d.readFully(h);
        ByteBuffer b = ByteBuffer.wrap(h);
        int magic = b.getShort() & 0xffff;
        if (magic != MAGIC) {
            throw new IOException("not a dubbo frame: magic 0x" + Integer.toHexString(magic));
        }
        int flag = b.get() & 0xff;
        int status = b.get() & 0xff;
        long id = b.getLong();
        int len = b.getInt();
        if (len < 0 || len > (16 << 20)) {
            throw new IOException("absurd body length " + len);
        }
        byte[] body = new byte[len];
        d.readFully(body);
        return new Frame(flag, status, id, body);
    }

    /** A raw client connection; every read times out after {@code readTimeoutMillis}. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(int port, int readTimeoutMillis) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            socket.setSoTimeout(readTimeoutMillis);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        Frame read() throws IOException {
            return DubboWire.read(in);
        }

        /** True when the peer closed the connection (EOF or reset) before the read timeout. */
        boolean closedByPeer() {
            try {
                byte[] buf = new byte[4096];
                while (true) {
                    if (in.read(buf) < 0) {
                        return true;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (EOFException e) {
                return true;
            } catch (IOException e) {
                return true; // reset
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
