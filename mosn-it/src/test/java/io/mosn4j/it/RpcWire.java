package io.mosn4j.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The three RPC protocols' frames as bytes, behind one face, for tests that run the same scenario
 * on each: a request for a service with a payload of a chosen size (its service is what mosn routes
 * on), the start of a frame that never finishes, the answer an echo upstream gives, and what a
 * client reads back (request id and the protocol's status). Built on {@link BoltWire},
 * {@link DubboWire} and {@link TarsPackets}.
 */
interface RpcWire {
    /** The protocol's name in mosn's config ({@code downstream_protocol}). */
    String name();

    /** A two-way request for {@code service} carrying {@code payload} bytes of payload. */
    byte[] request(int id, String service, int payload);

    /** A one-way request (no answer expected). */
    byte[] oneway(int id, String service, int payload);

    /**
     * The first {@code sent} bytes of a request whose length field says {@code declared} payload
     * bytes: a frame that stays partial as long as the client sends nothing more.
     */
    byte[] partialRequest(int id, String service, int declared, int sent);

    /** The next frame a client reads: its id and status (0 for success in every protocol here). */
    Answer read(InputStream in) throws IOException;

    /**
     * Reads one request from a client (for an echo upstream) and writes its answer, a small one
     * or, with {@code mirror}, one carrying the request's payload back; false at the end of the stream.
     */
    boolean echoOne(InputStream in, OutputStream out, boolean mirror) throws IOException;

    /** The status of an overflow answer (MOSN's mapping: bolt 4, dubbo 40, tars -9). */
    int overflowStatus();

    /** The status of a timeout answer (bolt 7, dubbo 30, tars -7). */
    int timeoutStatus();

    /** An answer as a client sees it; {@code message} is dubbo's error text or tars's sResultDesc, else "". */
    record Answer(long id, int status, String message) {
        boolean ok() {
            return status == 0;
        }
    }

    RpcWire BOLT = new RpcWire() {
        @Override
        public String name() {
            return "bolt";
        }

        @Override
        public byte[] request(int id, String service, int payload) {
            return BoltWire.request(BoltWire.TYPE_REQUEST, BoltWire.CMD_REQUEST, id, 0, "x", Map.of("service", service), new byte[payload]);
        }

        @Override
        public byte[] oneway(int id, String service, int payload) {
            return BoltWire.request(BoltWire.TYPE_ONEWAY, BoltWire.CMD_REQUEST, id, 0, "x", Map.of("service", service), new byte[payload]);
        }

        @Override
        public byte[] partialRequest(int id, String service, int declared, int sent) {
            byte[] whole = BoltWire.request(BoltWire.TYPE_REQUEST, BoltWire.CMD_REQUEST, id, 0, "x", Map.of("service", service), new byte[0]);
            ByteBuffer.wrap(whole).putInt(18, declared); // content length
            return prefix(whole, sent);
        }

        @Override
        public Answer read(InputStream in) throws IOException {
            BoltWire.Response r = BoltWire.read(in);
            return new Answer(Integer.toUnsignedLong(r.id()), r.status(), "");
        }

        @Override
        public boolean echoOne(InputStream in, OutputStream out, boolean mirror) throws IOException {
            BoltWire.Response r;
            try {
                r = BoltWire.read(in);
            } catch (java.io.EOFException e) {
                return false;
            }
            if (r.type() == BoltWire.TYPE_ONEWAY) {
                return true;
            }
            byte[] clazz = "ok".getBytes(StandardCharsets.UTF_8);
            byte[] content = mirror ? r.content() : new byte[0];
            ByteBuffer b = ByteBuffer.allocate(20 + clazz.length + content.length);
            b.put((byte) BoltWire.PROTO_V1).put((byte) BoltWire.TYPE_RESPONSE)
                    .putShort((short) (r.cmd() == BoltWire.CMD_HEARTBEAT ? BoltWire.CMD_HEARTBEAT : BoltWire.CMD_RESPONSE))
                    .put((byte) 1).putInt(r.id()).put((byte) BoltWire.HESSIAN2).putShort((short) 0)
                    .putShort((short) clazz.length).putShort((short) 0).putInt(content.length).put(clazz).put(content);
            out.write(b.array());
            out.flush();
            return true;
        }

        @Override
        public int overflowStatus() {
            return BoltWire.SERVER_THREADPOOL_BUSY;
        }

        @Override
        public int timeoutStatus() {
            return BoltWire.TIMEOUT;
        }

        @Override
        public String toString() {
            return name();
        }
    };

    RpcWire DUBBO = new RpcWire() {
        @Override
        public String name() {
            return "dubbo";
        }

        @Override
        public byte[] request(int id, String service, int payload) {
            try {
                return DubboWire.request(id, service, null, "echo", "[B", Map.of(), (Object) new byte[payload]);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public byte[] oneway(int id, String service, int payload) {
            byte[] r = request(id, service, payload);
            r[2] = (byte) (DubboWire.FLAG_REQUEST | DubboWire.HESSIAN2); // not two-way
            return r;
        }

        @Override
        public byte[] partialRequest(int id, String service, int declared, int sent) {
            byte[] whole = request(id, service, 0);
            ByteBuffer.wrap(whole).putInt(12, declared); // body length
            return prefix(whole, sent);
        }

        @Override
        public Answer read(InputStream in) throws IOException {
            DubboWire.Frame f = DubboWire.read(in);
            int status = f.status() == DubboWire.OK ? 0 : f.status();
            return new Answer(f.id(), status, status == 0 ? "" : f.errorMessage());
        }

        @Override
        public boolean echoOne(InputStream in, OutputStream out, boolean mirror) throws IOException {
            DubboWire.Frame f;
            try {
                f = DubboWire.read(in);
            } catch (java.io.EOFException e) {
                return false;
            }
            if ((f.flag() & DubboWire.FLAG_TWO_WAY) == 0) {
                return true;
            }
            int flag = DubboWire.HESSIAN2 | (f.flag() & DubboWire.FLAG_EVENT);
            // hessian2: the response flag 1 (a value) as a compact int, then null (or the request's
            // body: the proxy does not read an answer's body, nor does the test's client)
            out.write(DubboWire.frame(flag, DubboWire.OK, f.id(), mirror ? f.body() : new byte[] {(byte) 0x91, 'N'}));
            out.flush();
            return true;
        }

        @Override
        public int overflowStatus() {
            return 40;
        }

        @Override
        public int timeoutStatus() {
            return 30;
        }

        @Override
        public String toString() {
            return name();
        }
    };

    RpcWire TARS = new RpcWire() {
        @Override
        public String name() {
            return "tars";
        }

        @Override
        public byte[] request(int id, String service, int payload) {
            return TarsPackets.RequestPacket.of(id, service, "echo", new byte[payload]).bytes();
        }

        @Override
        public byte[] oneway(int id, String service, int payload) {
            return TarsPackets.RequestPacket.of(id, service, "echo", new byte[payload]).oneway().bytes();
        }

        @Override
        public byte[] partialRequest(int id, String service, int declared, int sent) {
            byte[] whole = request(id, service, 0);
            ByteBuffer.wrap(whole).putInt(0, whole.length + declared); // the packet length, counting itself
            return prefix(whole, sent);
        }

        @Override
        public Answer read(InputStream in) throws IOException {
            byte[] fields = TarsPackets.readPacket(in);
            if (fields == null) {
                throw new java.io.EOFException("closed");
            }
            TarsPackets.ResponsePacket r = TarsPackets.response(fields);
            return new Answer(r.iRequestId, r.iRet, r.sResultDesc == null ? "" : r.sResultDesc);
        }

        @Override
        public boolean echoOne(InputStream in, OutputStream out, boolean mirror) throws IOException {
            byte[] fields = TarsPackets.readPacket(in);
            if (fields == null) {
                return false;
            }
            TarsPackets.RequestPacket req = TarsPackets.request(fields);
            if (req.cPacketType == TarsPackets.ONEWAY) {
                return true;
            }
            TarsPackets.ResponsePacket answer = TarsPackets.ResponsePacket.to(req);
            if (mirror) {
                answer.sBuffer = req.sBuffer;
            }
            out.write(answer.bytes());
            out.flush();
            return true;
        }

        @Override
        public int overflowStatus() {
            return -9;
        }

        @Override
        public int timeoutStatus() {
            return -7;
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /**
     * The first {@code sent} bytes of {@code whole} (a frame with no payload), padded with zeros
     * when {@code sent} is longer: the start of a frame whose length field says more.
     */
    private static byte[] prefix(byte[] whole, int sent) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(sent);
        b.write(whole, 0, Math.min(sent, whole.length));
        if (sent > whole.length) {
            b.writeBytes(new byte[sent - whole.length]);
        }
        return b.toByteArray();
    }
}
