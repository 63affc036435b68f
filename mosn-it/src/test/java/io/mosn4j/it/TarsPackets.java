package io.mosn4j.it;

import com.qq.tars.protocol.tars.TarsInputStream;
import com.qq.tars.protocol.tars.TarsOutputStream;
import com.qq.tars.protocol.tars.TarsStructBase;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tars's two packets, {@code RequestPacket} and {@code ResponsePacket} (as Tars's RequestF.tars
 * defines them), written and read with TarsJava's own {@link TarsOutputStream} and
 * {@link TarsInputStream}; on the wire each is a 4-byte big-endian length (counting itself) and the
 * fields. TarsJava 1.7.3 has no class for these packets (its codec writes the fields one by one), so
 * they are {@link TarsStructBase}s here, read and written field by field the way Tars's generated
 * code does.
 */
final class TarsPackets {
    /** Tars's packet size limit (TarsJava's {@code PACKAGE_MAX_LENGTH}). */
    static final int MAX_PACKET = 10 * 1024 * 1024;
    static final byte NORMAL = 0;
    static final byte ONEWAY = 1;

    private TarsPackets() {}

    /** RequestPacket: tags 1 to 10. */
    static final class RequestPacket extends TarsStructBase {
        short iVersion = 1;
        byte cPacketType = NORMAL;
        int iMessageType;
        int iRequestId;
        String sServantName = "";
        String sFuncName = "";
        byte[] sBuffer = new byte[0];
        int iTimeout;
        Map<String, String> context = new LinkedHashMap<>();
        Map<String, String> status = new LinkedHashMap<>();

        static RequestPacket of(int id, String servant, String function, byte[] body) {
            RequestPacket p = new RequestPacket();
            p.iRequestId = id;
            p.sServantName = servant;
            p.sFuncName = function;
            p.sBuffer = body;
            return p;
        }

        static RequestPacket of(int id, String servant, String function, String body) {
            return of(id, servant, function, body.getBytes(StandardCharsets.UTF_8));
        }

        RequestPacket oneway() {
            cPacketType = ONEWAY;
            return this;
        }

        RequestPacket timeout(int millis) {
            iTimeout = millis;
            return this;
        }

        RequestPacket context(String key, String value) {
            context.put(key, value);
            return this;
        }

        String body() {
            return new String(sBuffer, StandardCharsets.UTF_8);
        }

        @Override
        public void writeTo(TarsOutputStream os) {
            os.write(iVersion, 1);
            os.write(cPacketType, 2);
            os.write(iMessageType, 3);
            os.write(iRequestId, 4);
            os.write(sServantName, 5);
            os.write(sFuncName, 6);
            os.write(sBuffer, 7);
            os.write(iTimeout, 8);
            os.write(context, 9);
            os.write(status, 10);
        }

        @Override
        public void readFrom(TarsInputStream is) {
            iVersion = is.read(iVersion, 1, true);
            cPacketType = is.read(cPacketType, 2, true);
            iMessageType = is.read(iMessageType, 3, true);
            iRequestId = is.read(iRequestId, 4, true);
            sServantName = is.readString(5, true);
            sFuncName = is.readString(6, true);
            sBuffer = is.read(new byte[0], 7, true);
            iTimeout = is.read(iTimeout, 8, true);
            context = is.readStringMap(9, true);
            status = is.readStringMap(10, true);
        }

        byte[] bytes() {
            return framed(this);
        }

        @Override
        public String toString() {
            return "RequestPacket{id=" + iRequestId + " type=" + cPacketType + " " + sServantName + "." + sFuncName
                    + " timeout=" + iTimeout + " context=" + context + " body=" + sBuffer.length + "B}";
        }
    }

    /** ResponsePacket: tags 1 to 8, and the context (9) newer Tars versions add. */
    static final class ResponsePacket extends TarsStructBase {
        short iVersion = 1;
        byte cPacketType = NORMAL;
        int iRequestId;
        int iMessageType;
        int iRet;
        byte[] sBuffer = new byte[0];
        Map<String, String> status = new LinkedHashMap<>();
        /** Written only when not null (TarsJava writes it only when iRet is not 0). */
        String sResultDesc;
        /** Written only when not null. */
        Map<String, String> context;

        /** The answer to {@code req}: its version, type, id and message type. */
        static ResponsePacket to(RequestPacket req) {
            ResponsePacket p = new ResponsePacket();
            p.iVersion = req.iVersion;
            p.cPacketType = req.cPacketType;
            p.iRequestId = req.iRequestId;
            p.iMessageType = req.iMessageType;
            return p;
        }

        String body() {
            return new String(sBuffer, StandardCharsets.UTF_8);
        }

        @Override
        public void writeTo(TarsOutputStream os) {
            os.write(iVersion, 1);
            os.write(cPacketType, 2);
            os.write(iRequestId, 3);
            os.write(iMessageType, 4);
            os.write(iRet, 5);
            os.write(sBuffer, 6);
            os.write(status, 7);
            if (sResultDesc != null) {
                os.write(sResultDesc, 8);
            }
            if (context != null) {
                os.write(context, 9);
            }
        }

        @Override
        public void readFrom(TarsInputStream is) {
            iVersion = is.read(iVersion, 1, true);
            cPacketType = is.read(cPacketType, 2, true);
            iRequestId = is.read(iRequestId, 3, true);
            iMessageType = is.read(iMessageType, 4, true);
            iRet = is.read(iRet, 5, true);
            sBuffer = is.read(new byte[0], 6, true);
            status = is.readStringMap(7, true);
            sResultDesc = is.readString(8, false);
            Map<String, String> c = is.readStringMap(9, false);
            context = c.isEmpty() ? null : c;
        }

        byte[] bytes() {
            return framed(this);
        }

        @Override
        public String toString() {
            return "ResponsePacket{id=" + iRequestId + " type=" + cPacketType + " ret=" + iRet + " desc=" + sResultDesc
                    + " status=" + status + " context=" + context + " body=" + body() + "}";
        }
    }

    /** The packet's fields behind a 4-byte length prefix that counts itself. */
    static byte[] framed(TarsStructBase packet) {
        TarsOutputStream os = new TarsOutputStream();
        os.setServerEncoding("UTF-8");
        os.getByteBuffer().putInt(0);
        packet.writeTo(os);
        ByteBuffer b = os.getByteBuffer();
        b.putInt(0, b.position());
        return os.toByteArray();
    }

    /**
     * Reads one length-prefixed packet from {@code in} and returns its fields (without the prefix),
     * or null at a clean end of stream before the first byte.
     */
    static byte[] readPacket(InputStream in) throws IOException {
        byte[] prefix = new byte[4];
        int first = in.read();
        if (first < 0) {
            return null;
        }
        prefix[0] = (byte) first;
        if (in.readNBytes(prefix, 1, 3) != 3) {
            throw new EOFException("end of stream inside a length prefix");
        }
        int length = ByteBuffer.wrap(prefix).getInt();
        if (length < 4 || length > MAX_PACKET + 4) {
            throw new IOException("bad tars packet length " + Integer.toUnsignedString(length));
        }
        byte[] fields = in.readNBytes(length - 4);
        if (fields.length != length - 4) {
            throw new EOFException("end of stream inside a packet of " + length + " bytes");
        }
        return fields;
    }

    static RequestPacket request(byte[] fields) {
        RequestPacket p = new RequestPacket();
        p.readFrom(stream(fields));
        return p;
    }

    static ResponsePacket response(byte[] fields) {
        ResponsePacket p = new ResponsePacket();
        p.readFrom(stream(fields));
        return p;
    }

    /** A TarsInputStream reading UTF-8 strings (its default is GBK; TarsOutputStream writes UTF-8). */
    static TarsInputStream stream(byte[] bytes) {
        TarsInputStream is = new TarsInputStream(bytes);
        is.setServerEncoding("UTF-8");
        return is;
    }
}
