package io.mosn4j.bench;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * One RPC request and its response per protocol, as a client and a server of that protocol put
 * them on the wire, built byte by byte from the protocols' published layouts (no codec of ours
 * writes them). Sizes are those of a small real call: a ~200-byte argument or result, the header
 * map or attachments a framework sends with every call.
 *
 * <p>The request carries {@link #DOWNSTREAM_ID} (the client's id), the response
 * {@link #UPSTREAM_ID} (the id the proxy gave the request upstream): the proxy swaps one for the
 * other in each direction, so encoding never takes a codec's "id unchanged" shortcut.
 *
 * <p>Only ASCII text is used, so a string's hessian2 length (UTF-16 units) is its byte count.
 */
public final class SampleFrames {
    /** The id the client gave the request. */
    public static final int DOWNSTREAM_ID = 1001;
    /** The id the proxy gives the request on its upstream connection; the response carries it. */
    public static final int UPSTREAM_ID = 42;

    /** The header every protocol exposes its service under. */
    public static final String SERVICE = "service";

    /**
     * @param protocol the protocol's name
     * @param request the request frame's bytes, id {@link #DOWNSTREAM_ID}
     * @param response the response frame's bytes, id {@link #UPSTREAM_ID}
     * @param service what {@code headers().get("service")} must give for the request
     * @param okStatus the response's {@link XFrame#status()}
     */
    public record Sample(String protocol, byte[] request, byte[] response, String service, int okStatus) {}

    /** A ~200-character argument: what a small real call carries. */
    private static final String ARGUMENT = ("{\"orderId\":\"20240501-000123456\",\"userId\":\"u-7788123\","
            + "\"items\":[{\"sku\":\"SKU-10023\",\"qty\":2},{\"sku\":\"SKU-20077\",\"qty\":1}],"
            + "\"channel\":\"mobile\",\"coupon\":\"SPRING-10\",\"note\":\"leave at the front desk\"}");
    /** A ~180-character result. */
    private static final String RESULT = ("{\"code\":0,\"orderId\":\"20240501-000123456\",\"status\":\"CREATED\","
            + "\"amount\":\"259.00\",\"currency\":\"CNY\",\"eta\":\"2024-05-03T18:00:00+08:00\","
            + "\"warehouse\":\"HZ-03\",\"trace\":\"ok\"}");

    private SampleFrames() {}

    public static Sample of(String protocol) {
        return switch (protocol) {
            case "bolt" -> bolt(false);
            case "boltv2" -> bolt(true);
            case "dubbo" -> dubbo();
            case "tars" -> tars();
            default -> throw new IllegalArgumentException("no sample frames for protocol " + protocol);
        };
    }

    // ------------------------------------------------------------------------------------ bolt

    private static final String SOFA_SERVICE = "com.example.order.OrderService:1.0";

    /**
     * A SOFARPC call over SOFABolt's RPC protocol. v1 (first byte 0x01):
     *
     * <pre>
     * proto type cmdcode(2) ver2 requestId(4) codec timeout(4)|respStatus(2) classLen(2) headerLen(2)
     * contentLen(4) class header content
     * </pre>
     *
     * v2 (first byte 0x02) adds ver1 after proto and a switch byte after codec; with ver1 2 and the
     * switch's CRC bit (SOFABolt's default) a CRC32 of everything before it ends the frame. The
     * class is SofaRequest / SofaResponse, the header map SOFARPC's (int32 length + UTF-8 for each
     * key and value), the content a hessian2 SofaRequest or SofaResponse.
     */
    private static Sample bolt(boolean v2) {
        byte[] requestClass = ascii("com.alipay.sofa.rpc.core.request.SofaRequest");
        byte[] header = boltHeaderMap(
                "sofa_head_target_service", SOFA_SERVICE,
                "sofa_head_method_name", "createOrder",
                "sofa_head_target_app", "order-provider",
                "service", SOFA_SERVICE,
                "rpc_trace_context.sofaTraceId", "0a0fe8f1171459843218310011234",
                "rpc_trace_context.sofaRpcId", "0.1.2",
                "rpc_trace_context.sofaCallerApp", "order-web",
                "rpc_trace_context.sofaCallerIp", "10.15.232.241",
                "rpc_trace_context.sofaCallerIdc", "gz00a",
                "rpc_trace_context.sofaPenAttrs", "",
                "rpc_trace_context.sysPenAttrs", "");
        byte[] requestContent = sofaRequest();
        byte[] responseClass = ascii("com.alipay.sofa.rpc.core.response.SofaResponse");
        byte[] responseContent = sofaResponse();

        ByteBuf b = Unpooled.buffer();
        b.writeByte(v2 ? 0x02 : 0x01);
        if (v2) {
            b.writeByte(2); // ver1 2: CRC honoured
        }
        b.writeByte(0x01); // request
        b.writeShort(0x0001); // rpc request
        b.writeByte(1); // ver2
        b.writeInt(DOWNSTREAM_ID);
        b.writeByte(1); // hessian2
        if (v2) {
            b.writeByte(0x01); // switch: CRC on
        }
        b.writeInt(3000); // timeout ms
        b.writeShort(requestClass.length);
        b.writeShort(header.length);
        b.writeInt(requestContent.length);
        b.writeBytes(requestClass).writeBytes(header).writeBytes(requestContent);
        byte[] request = v2 ? withCrc(b) : bytes(b);

        b = Unpooled.buffer();
        b.writeByte(v2 ? 0x02 : 0x01);
        if (v2) {
            b.writeByte(2);
        }
        b.writeByte(0x00); // response
        b.writeShort(0x0002); // rpc response
        b.writeByte(1);
        b.writeInt(UPSTREAM_ID);
        b.writeByte(1);
        if (v2) {
            b.writeByte(0x01);
        }
        b.writeShort(0); // success
        b.writeShort(responseClass.length);
        b.writeShort(0); // SOFARPC sends no response header map
        b.writeInt(responseContent.length);
        b.writeBytes(responseClass).writeBytes(responseContent);
        byte[] response = v2 ? withCrc(b) : bytes(b);
        return new Sample(v2 ? "boltv2" : "bolt", request, response, SOFA_SERVICE, 0);
    }

    private static byte[] boltHeaderMap(String... kv) {
        ByteBuf b = Unpooled.buffer();
        for (String s : kv) {
            byte[] bytes = ascii(s);
            b.writeInt(bytes.length).writeBytes(bytes);
        }
        return bytes(b);
    }

    /**
     * A hessian2 SofaRequest (its serialized fields targetAppName, methodName,
     * targetServiceUniqueName, requestProps, methodArgSigs) followed by the one argument.
     */
    private static byte[] sofaRequest() {
        ByteBuf b = Unpooled.buffer();
        Hessian2.classDef(b, "com.alipay.sofa.rpc.core.request.SofaRequest",
                "targetAppName", "methodName", "targetServiceUniqueName", "requestProps", "methodArgSigs");
        b.writeByte(0x60); // an object of class definition 0
        Hessian2.string(b, "order-provider");
        Hessian2.string(b, "createOrder");
        Hessian2.string(b, SOFA_SERVICE);
        b.writeByte('N'); // requestProps travel in the header map
        b.writeByte(0x71); // a typed list of one element
        Hessian2.string(b, "[string");
        Hessian2.string(b, "java.lang.String");
        Hessian2.string(b, ARGUMENT);
        return bytes(b);
    }

    /** A hessian2 SofaResponse (isError, errorMsg, appResponse, responseProps) with a string result. */
    private static byte[] sofaResponse() {
        ByteBuf b = Unpooled.buffer();
        Hessian2.classDef(b, "com.alipay.sofa.rpc.core.response.SofaResponse",
                "isError", "errorMsg", "appResponse", "responseProps");
        b.writeByte(0x60);
        b.writeByte('F');
        b.writeByte('N');
        Hessian2.string(b, RESULT);
        b.writeByte('N');
        return bytes(b);
    }

    private static byte[] withCrc(ByteBuf b) {
        CRC32 crc = new CRC32();
        byte[] body = bytes(b);
        crc.update(body);
        byte[] out = Arrays.copyOf(body, body.length + 4);
        int v = (int) crc.getValue();
        out[body.length] = (byte) (v >>> 24);
        out[body.length + 1] = (byte) (v >>> 16);
        out[body.length + 2] = (byte) (v >>> 8);
        out[body.length + 3] = (byte) v;
        return out;
    }

    // ----------------------------------------------------------------------------------- dubbo

    private static final String DUBBO_SERVICE = "com.example.order.OrderService";

    /**
     * A Dubbo 2 call with hessian2 serialization: a 16-byte header (magic 0xdabb, flag, status,
     * 64-bit id, body length), then the body. The request body is the dubbo version, the service
     * path, the service version, the method, the parameter types descriptor, the one string
     * argument and the attachments map; the response body the result kind (4: a value with
     * attachments), the value and the attachments.
     */
    private static Sample dubbo() {
        ByteBuf body = Unpooled.buffer();
        Hessian2.string(body, "2.0.2");
        Hessian2.string(body, DUBBO_SERVICE);
        Hessian2.string(body, "1.0.0");
        Hessian2.string(body, "createOrder");
        Hessian2.string(body, "Ljava/lang/String;");
        Hessian2.string(body, ARGUMENT);
        body.writeByte('H'); // an untyped map, as hessian-lite writes a HashMap
        Hessian2.string(body, "path");
        Hessian2.string(body, DUBBO_SERVICE);
        Hessian2.string(body, "remote.application");
        Hessian2.string(body, "order-web");
        Hessian2.string(body, "interface");
        Hessian2.string(body, DUBBO_SERVICE);
        Hessian2.string(body, "version");
        Hessian2.string(body, "1.0.0");
        Hessian2.string(body, "group");
        Hessian2.string(body, "gz");
        Hessian2.string(body, "timeout");
        Hessian2.string(body, "3000");
        body.writeByte('Z');
        byte[] request = dubboFrame(0x80 | 0x40 | 2, 0, DOWNSTREAM_ID, bytes(body)); // request, two-way, hessian2

        body = Unpooled.buffer();
        body.writeByte(0x90 + 4); // RESPONSE_VALUE_WITH_ATTACHMENTS
        Hessian2.string(body, RESULT);
        body.writeByte('H');
        Hessian2.string(body, "dubbo");
        Hessian2.string(body, "2.0.2");
        body.writeByte('Z');
        byte[] response = dubboFrame(2, 20, UPSTREAM_ID, bytes(body)); // hessian2, status OK
        return new Sample("dubbo", request, response, DUBBO_SERVICE, 20);
    }

    private static byte[] dubboFrame(int flag, int status, long id, byte[] body) {
        ByteBuf b = Unpooled.buffer(16 + body.length);
        b.writeShort(0xdabb);
        b.writeByte(flag);
        b.writeByte(status);
        b.writeLong(id);
        b.writeInt(body.length);
        b.writeBytes(body);
        return bytes(b);
    }

    // ------------------------------------------------------------------------------------ tars

    private static final String TARS_SERVANT = "OrderApp.OrderServer.OrderObj";

    /**
     * A Tars call: a 4-byte packet length (counting itself), then a tars-encoded RequestPacket
     * (1 iVersion, 2 cPacketType, 3 iMessageType, 4 iRequestId, 5 sServantName, 6 sFuncName,
     * 7 sBuffer, 8 iTimeout, 9 context, 10 status) or ResponsePacket (1 iVersion, 2 cPacketType,
     * 3 iRequestId, 4 iMessageType, 5 iRet, 6 sBuffer, 7 status, 8 sResultDesc). sBuffer holds the
     * argument (tag 1) or the return value (tag 0), as TarsJava's generated code writes them.
     */
    private static Sample tars() {
        ByteBuf args = Unpooled.buffer();
        Tars.string(args, 1, ARGUMENT);
        ByteBuf b = Unpooled.buffer();
        b.writeInt(0); // length, set below
        Tars.integer(b, 1, 1); // iVersion: tars
        Tars.integer(b, 2, 0); // cPacketType: normal
        Tars.integer(b, 3, 0); // iMessageType
        Tars.integer(b, 4, DOWNSTREAM_ID);
        Tars.string(b, 5, TARS_SERVANT);
        Tars.string(b, 6, "createOrder");
        Tars.bytes(b, 7, bytes(args));
        Tars.integer(b, 8, 3000); // iTimeout
        Tars.stringMap(b, 9, "traceid", "4bf92f3577b34da6a3ce929d0e0e4736", "caller", "OrderApp.OrderWeb");
        Tars.stringMap(b, 10);
        b.setInt(0, b.readableBytes());
        byte[] request = bytes(b);

        ByteBuf ret = Unpooled.buffer();
        Tars.string(ret, 0, RESULT);
        b = Unpooled.buffer();
        b.writeInt(0);
        Tars.integer(b, 1, 1);
        Tars.integer(b, 2, 0);
        Tars.integer(b, 3, UPSTREAM_ID);
        Tars.integer(b, 4, 0);
        Tars.integer(b, 5, 0); // iRet: success
        Tars.bytes(b, 6, bytes(ret));
        Tars.stringMap(b, 7);
        Tars.string(b, 8, "");
        b.setInt(0, b.readableBytes());
        byte[] response = bytes(b);
        return new Sample("tars", request, response, TARS_SERVANT, 0);
    }

    // ------------------------------------------------------------------------------ the check

    /**
     * Fails (IllegalStateException) unless {@code codec} decodes both frames of {@code s} whole,
     * with the expected direction, id, service and status; re-encodes them byte for byte with
     * their own id; and encodes them with the swapped id into frames that decode again with that
     * id. Leaves nothing retained.
     */
    public static void check(XProtocol codec, Sample s, ByteBufAllocator alloc) {
        checkFrame(codec, s, alloc, s.request(), true, DOWNSTREAM_ID, UPSTREAM_ID);
        checkFrame(codec, s, alloc, s.response(), false, UPSTREAM_ID, DOWNSTREAM_ID);
    }

    private static void checkFrame(XProtocol codec, Sample s, ByteBufAllocator alloc, byte[] wire,
            boolean request, long id, long newId) {
        String what = s.protocol() + (request ? " request" : " response");
        ByteBuf in = alloc.directBuffer(wire.length).writeBytes(wire);
        try {
            XFrame frame = codec.decode(in);
            require(frame != null, what + ": decode returned null for a whole frame");
            try {
                require(!in.isReadable(), what + ": decode left " + in.readableBytes() + " of " + wire.length + " bytes");
                require(frame.isRequest() == request, what + ": decoded as " + (request ? "a response" : "a request"));
                require(!frame.isHeartbeat() && !frame.isOneWay(), what + ": decoded as a heartbeat or one-way");
                require(frame.requestId() == id, what + ": id " + frame.requestId() + ", expected " + id);
                if (request) {
                    String service = frame.headers().get(SERVICE);
                    require(s.service().equals(service), what + ": service " + service + ", expected " + s.service());
                } else {
                    require(frame.status() == s.okStatus(), what + ": status " + frame.status() + ", expected " + s.okStatus());
                }
                ByteBuf same = codec.encode(frame, alloc);
                try {
                    require(Arrays.equals(ByteBufUtil.getBytes(same), wire), what + ": re-encoded with its own id, it differs");
                } finally {
                    same.release();
                }
                frame.setRequestId(newId);
                ByteBuf out = codec.encode(frame, alloc);
                try {
                    XFrame again = codec.decode(out);
                    require(again != null && !out.isReadable(), what + ": encoded with id " + newId + ", it does not decode whole");
                    try {
                        require(again.requestId() == newId, what + ": encoded with id " + newId + ", decodes with " + again.requestId());
                        if (request) {
                            require(s.service().equals(again.headers().get(SERVICE)), what + ": service lost on re-encoding");
                        }
                    } finally {
                        again.release();
                    }
                } finally {
                    out.release();
                }
            } finally {
                frame.release();
            }
            require(in.refCnt() == 1, what + ": the input buffer is still retained after the frames were released");
        } finally {
            in.release();
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("sample check failed: " + message);
        }
    }

    // --------------------------------------------------------------------------------- helpers

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuf b) {
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** The few hessian2 encodings the samples use (ASCII strings only). */
    private static final class Hessian2 {
        static void string(ByteBuf b, String s) {
            int n = s.length();
            if (n <= 0x1f) {
                b.writeByte(n);
            } else if (n <= 0x3ff) {
                b.writeByte(0x30 + (n >>> 8));
                b.writeByte(n & 0xff);
            } else {
                b.writeByte('S');
                b.writeShort(n);
            }
            b.writeBytes(ascii(s));
        }

        static void integer(ByteBuf b, int v) {
            if (v >= -16 && v <= 47) {
                b.writeByte(0x90 + v);
            } else if (v >= -2048 && v <= 2047) {
                b.writeByte(0xc8 + (v >> 8));
                b.writeByte(v & 0xff);
            } else {
                b.writeByte('I');
                b.writeInt(v);
            }
        }

        /** 'C', the class name, the field count, the field names. */
        static void classDef(ByteBuf b, String name, String... fields) {
            b.writeByte('C');
            string(b, name);
            integer(b, fields.length);
            for (String f : fields) {
                string(b, f);
            }
        }
    }

    /** The few tars encodings the samples use: head byte {@code tag << 4 | type} (tags below 15). */
    private static final class Tars {
        static void head(ByteBuf b, int tag, int type) {
            b.writeByte(tag << 4 | type);
        }

        /** The narrowest integer type: 12 zero, 0 one byte, 1 two, 2 four. */
        static void integer(ByteBuf b, int tag, int v) {
            if (v == 0) {
                head(b, tag, 12);
            } else if (v == (byte) v) {
                head(b, tag, 0);
                b.writeByte(v);
            } else if (v == (short) v) {
                head(b, tag, 1);
                b.writeShort(v);
            } else {
                head(b, tag, 2);
                b.writeInt(v);
            }
        }

        /** Type 6 (one length byte) up to 255 bytes, else 7 (four). */
        static void string(ByteBuf b, int tag, String s) {
            byte[] bytes = ascii(s);
            if (bytes.length <= 255) {
                head(b, tag, 6);
                b.writeByte(bytes.length);
            } else {
                head(b, tag, 7);
                b.writeInt(bytes.length);
            }
            b.writeBytes(bytes);
        }

        /** A vector of bytes: type 13, an element head (type 0, tag 0), the size as an int at tag 0, the bytes. */
        static void bytes(ByteBuf b, int tag, byte[] bytes) {
            head(b, tag, 13);
            head(b, 0, 0);
            integer(b, 0, bytes.length);
            b.writeBytes(bytes);
        }

        /** A map of strings: type 8, the size at tag 0, then keys at tag 0 and values at tag 1. */
        static void stringMap(ByteBuf b, int tag, String... kv) {
            head(b, tag, 8);
            integer(b, 0, kv.length / 2);
            for (int i = 0; i < kv.length; i += 2) {
                string(b, 0, kv[i]);
                string(b, 1, kv[i + 1]);
            }
        }
    }
}
