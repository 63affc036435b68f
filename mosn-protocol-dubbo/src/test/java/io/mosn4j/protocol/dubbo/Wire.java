package io.mosn4j.protocol.dubbo;

import com.alibaba.com.caucho.hessian.io.Hessian2Output;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Frames and hessian2 bodies built by hand, for the shapes no well-behaved peer writes. */
final class Wire {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    interface Writes {
        void to(Hessian2Output out) throws IOException;
    }

    /** Values written by hessian-lite's own encoder. */
    Wire hessian(Writes w) {
        try {
            Hessian2Output h = new Hessian2Output(out);
            w.to(h);
            h.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Wire str(String s) {
        return hessian(h -> h.writeString(s));
    }

    Wire raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    Wire raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    Wire hex(String hex) {
        return raw(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    int size() {
        return out.size();
    }

    /** The five head strings of a request body. */
    static Wire head(String service, String version, String method, String desc) {
        return new Wire().str("2.0.2").str(service).str(version).str(method).str(desc);
    }

    static byte[] frame(int flag, int status, long id, byte[] body) {
        return ByteBuffer.allocate(16 + body.length)
                .putShort((short) 0xdabb)
                .put((byte) flag)
                .put((byte) status)
                .putLong(id)
                .putInt(body.length)
                .put(body)
                .array();
    }

    /** A two-way hessian2 request. */
    static byte[] request(long id, byte[] body) {
        return frame(0xc2, 0, id, body);
    }
}
