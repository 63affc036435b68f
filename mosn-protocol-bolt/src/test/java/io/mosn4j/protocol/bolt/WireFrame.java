package io.mosn4j.protocol.bolt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Writes bolt frames field by field from the layout tables, independently of the codec under test,
 * so a layout mistake in one is not repeated in the other. Every field can be set to a bad value.
 */
final class WireFrame {
    static final String SERVICE = "com.example.HelloService:1.0";

    int proto = 1;
    int ver1 = 1;
    int type = 1;
    int cmdCode = 1;
    int ver2 = 1;
    int id = 7;
    int codec = 1;
    int protocolSwitch = 0;
    /** Timeout for a request, status for a response. */
    int timeoutOrStatus = 3000;
    byte[] className = "com.alipay.sofa.rpc.core.request.SofaRequest".getBytes(StandardCharsets.UTF_8);
    byte[] header = headerMap("service", SERVICE, "sofa_head_method_name", "sayHello");
    byte[] content = "hessian-bytes-of-the-request".getBytes(StandardCharsets.UTF_8);
    /** Overrides of the length fields, to write lies. */
    Integer classLen;
    Integer headerLen;
    Integer contentLen;
    /** Overrides the computed CRC. */
    Integer crc;

    static WireFrame v1Request() {
        return new WireFrame();
    }

    static WireFrame v1Response() {
        WireFrame f = new WireFrame();
        f.type = 0;
        f.cmdCode = 2;
        f.timeoutOrStatus = 0;
        f.className = "com.alipay.sofa.rpc.core.response.SofaResponse".getBytes(StandardCharsets.UTF_8);
        f.header = new byte[0];
        f.content = "hessian-bytes-of-the-response".getBytes(StandardCharsets.UTF_8);
        return f;
    }

    static WireFrame v2Request(boolean crc) {
        WireFrame f = v1Request();
        f.proto = 2;
        f.ver1 = 2;
        f.protocolSwitch = crc ? 1 : 0;
        return f;
    }

    static WireFrame v2Response(boolean crc) {
        WireFrame f = v1Response();
        f.proto = 2;
        f.ver1 = 2;
        f.protocolSwitch = crc ? 1 : 0;
        return f;
    }

    static WireFrame heartbeat(int proto) {
        WireFrame f = proto == 1 ? v1Request() : v2Request(false);
        f.cmdCode = 0;
        f.timeoutOrStatus = -1;
        f.className = new byte[0];
        f.header = new byte[0];
        f.content = new byte[0];
        return f;
    }

    WireFrame id(int id) {
        this.id = id;
        return this;
    }

    WireFrame content(int length) {
        content = new byte[length];
        for (int i = 0; i < length; i++) {
            content[i] = (byte) (i * 31 + 7);
        }
        return this;
    }

    boolean hasCrc() {
        return proto == 2 && ver1 == 2 && (protocolSwitch & 1) != 0;
    }

    boolean isRequest() {
        return type != 0;
    }

    /** Offset of the class length field. */
    int classLenOffset() {
        return (isRequest() ? 14 : 12) + (proto == 2 ? 2 : 0);
    }

    int fixedLength() {
        return classLenOffset() + 8;
    }

    byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(fixedLength() + className.length + header.length + content.length + 4);
        b.put((byte) proto);
        if (proto == 2) {
            b.put((byte) ver1);
        }
        b.put((byte) type);
        b.putShort((short) cmdCode);
        b.put((byte) ver2);
        b.putInt(id);
        b.put((byte) codec);
        if (proto == 2) {
            b.put((byte) protocolSwitch);
        }
        if (isRequest()) {
            b.putInt(timeoutOrStatus);
        } else {
            b.putShort((short) timeoutOrStatus);
        }
        b.putShort((short) (classLen != null ? classLen : className.length));
        b.putShort((short) (headerLen != null ? headerLen : header.length));
        b.putInt(contentLen != null ? contentLen : content.length);
        b.put(className).put(header).put(content);
        if (hasCrc()) {
            CRC32 c = new CRC32();
            c.update(b.array(), 0, b.position());
            b.putInt(crc != null ? crc : (int) c.getValue());
        }
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    /** SOFARPC's simple map: int32 length + UTF-8 bytes per string; null is written as -1. */
    static byte[] headerMap(String... pairs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : pairs) {
            byte[] bytes = s == null ? null : s.getBytes(StandardCharsets.UTF_8);
            int n = bytes == null ? -1 : bytes.length;
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            if (bytes != null) {
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
