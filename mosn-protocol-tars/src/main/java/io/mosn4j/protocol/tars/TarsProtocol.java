package io.mosn4j.protocol.tars;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.protocol.XProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Tars (TARS RPC): a 4-byte big-endian packet length, counting itself, then a Tars-encoded
 * {@code RequestPacket} or {@code ResponsePacket}:
 *
 * <pre>
 * RequestPacket  1 iVersion short   2 cPacketType byte   3 iMessageType int   4 iRequestId int
 *                5 sServantName string   6 sFuncName string   7 sBuffer vector&lt;byte&gt;
 *                8 iTimeout int   9 context map&lt;string,string&gt;   10 status map&lt;string,string&gt;
 * ResponsePacket 1 iVersion short   2 cPacketType byte   3 iRequestId int   4 iMessageType int
 *                5 iRet int   6 sBuffer vector&lt;byte&gt;   7 status map   8 sResultDesc string (optional)
 *                9 context map (optional)
 * </pre>
 *
 * <p>Decisions where Tars leaves room:
 * <ul>
 *   <li>Packets longer than 10 MiB (10,485,760 bytes, prefix included: TarsGo's and TarsJava's
 *       default maximum) or shorter than {@value #MIN_PACKET} bytes (the smallest packet with the
 *       fields required below) close the connection, as does any malformed field, except the
 *       context and status maps: only the headers need them to be {@code map<string,string>}, so
 *       they are checked when the headers are first read, and a request whose maps are not gets
 *       {@code TARSSERVERDECODEERR} (-1) while the connection lives on.</li>
 *   <li>Required: iVersion, cPacketType, the id, tag 5 and, in a request, sFuncName. The other
 *       fields may be missing (Tars's defaults apply); the upstream server judges them. Fields must
 *       come in ascending tag order, as every Tars reader needs them.</li>
 *   <li>Unknown tags (0, and above 10 or 9) are checked for well-formedness and kept byte for byte:
 *       a newer peer's extension fields pass through. The only fields ever re-encoded are the id
 *       and, when a filter changed a request's headers, its context map (see
 *       {@link TarsFrame#headers()}: the servant and function names and the status map are never
 *       re-written).</li>
 *   <li>Request or response is told by the layout (tag 5: string or integer), as MOSN does: the
 *       SPI's {@link #decode} does not say which way a packet travels. TUP responses (iVersion 2, 3)
 *       use the request layout, so they decode as requests, and the core drops them: a TUP call through
 *       the proxy ends in the proxy's timeout reply (built in TUP's layout, see {@link #errorResponse}).
 *       Version 1 (tars) and 5 (JSON) calls are not affected.</li>
 *   <li>Request ids the proxy gives stay in 1..2^31-1 ({@link #nextRequestId}): iRequestId is a
 *       Java int everywhere, so positive ids mean nothing to a peer that reads them signed, and 0
 *       (which some treat as "none") is never used. Rewriting an id can widen its field by up to 4
 *       bytes, so a packet at the 10 MiB limit may leave 4 bytes over it (TarsJava's reader allows
 *       exactly that much).</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class TarsProtocol implements XProtocol {
    public static final String NAME = "tars";

    /** The largest packet: TarsGo's {@code maxPackageLength}, TarsJava's {@code PACKAGE_MAX_LENGTH}. */
    public static final int MAX_PACKET = 10 * 1024 * 1024;

    /**
     * The smallest packet: the prefix and a response of four zero-valued fields (iVersion,
     * cPacketType, iRequestId, iRet: one head byte each).
     */
    public static final int MIN_PACKET = 8;

    /** An empty TUP attribute map (a {@code map} at tag 0 with size 0): a TUP reply's sBuffer. */
    private static final byte[] EMPTY_TUP_BODY = {0x08, 0x0C};
    private static final byte[] EMPTY = {};

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Tars has no magic, so this checks what every Tars packet starts with: a length prefix within
     * bounds (its first byte is therefore 0, which rules out HTTP, the HTTP/2 preface, bolt, dubbo
     * and TLS at the first byte), then iVersion (tag 1: a zero, 1- or 2-byte integer), then
     * cPacketType (tag 2: zero, or the byte 0 or 1).
     */
    @Override
    public Detection detect(ByteBuf in) {
        int r = in.readerIndex();
        int n = in.readableBytes();
        if (n == 0) {
            return Detection.NEED_MORE;
        }
        if (n < 4) {
            // the smallest and largest lengths the bytes so far allow
            long known = 0;
            for (int i = 0; i < n; i++) {
                known = known << 8 | in.getUnsignedByte(r + i);
            }
            int shift = 8 * (4 - n);
            long low = known << shift;
            long high = low | ((1L << shift) - 1);
            return low > MAX_PACKET || high < MIN_PACKET ? Detection.NO : Detection.NEED_MORE;
        }
        int length = in.getInt(r);
        if (length < MIN_PACKET || length > MAX_PACKET) {
            return Detection.NO;
        }
        int limit = Math.min(n, length);
        int at = 4;
        if (at >= limit) {
            return n >= length ? Detection.NO : Detection.NEED_MORE;
        }
        int versionWidth;
        switch (in.getUnsignedByte(r + at)) {
            case 0x1C -> versionWidth = 0;  // tag 1, ZERO
            case 0x10 -> versionWidth = 1;  // tag 1, INT1
            case 0x11 -> versionWidth = 2;  // tag 1, INT2
            default -> {
                return Detection.NO;
            }
        }
        at += 1 + versionWidth;
        if (at >= limit) {
            return n >= length || at >= length ? Detection.NO : Detection.NEED_MORE;
        }
        int typeHead = in.getUnsignedByte(r + at);
        if (typeHead == 0x2C) { // tag 2, ZERO
            return Detection.YES;
        }
        if (typeHead != 0x20) { // tag 2, INT1
            return Detection.NO;
        }
        at++;
        if (at >= limit) {
            return n >= length || at >= length ? Detection.NO : Detection.NEED_MORE;
        }
        int packetType = in.getByte(r + at);
        return packetType == TarsFrame.PACKET_NORMAL || packetType == TarsFrame.PACKET_ONEWAY
                ? Detection.YES : Detection.NO;
    }

    @Override
    public TarsFrame decode(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int base = in.readerIndex();
        int length = in.getInt(base);
        if (length < MIN_PACKET || length > MAX_PACKET) {
            throw new XProtocolException("tars: packet length " + Integer.toUnsignedString(length)
                    + " not within " + MIN_PACKET + ".." + MAX_PACKET + " at offset 0");
        }
        if (in.readableBytes() < length) {
            return null;
        }
        TarsFrame frame = TarsFrame.parse(in, base, length); // throws before anything is retained
        frame.attach(in.retainedSlice(base, length));
        in.skipBytes(length);
        return frame;
    }

    @Override
    public ByteBuf encode(XFrame frame, ByteBufAllocator alloc) {
        return tars(frame).encode(alloc);
    }

    @Override
    public PoolMode poolMode() {
        return PoolMode.MULTIPLEX;
    }

    /**
     * A ResponsePacket with the request's iVersion, cPacketType, iMessageType and current id, iRet
     * for {@code error} (see {@link #returnCode}), an empty sBuffer and status map, and sResultDesc =
     * {@code message} (TarsJava reads sResultDesc as required whenever iRet is not 0).
     *
     * <p>A TUP request (iVersion 2 or 3) is answered in TUP's way instead: a RequestPacket layout
     * echoing sServantName and sFuncName, with an empty attribute map as sBuffer and the result in
     * status ({@code STATUS_RESULT_CODE}, {@code STATUS_RESULT_DESC}).
     */
    @Override
    public XFrame errorResponse(XFrame request, ProxyError error, String message) {
        TarsFrame req = tars(request);
        int ret = returnCode(error);
        String desc = message == null ? "" : message;
        ByteBuf out = Unpooled.buffer(64 + desc.length());
        try {
            out.writeInt(0);
            Tlv.writeInt(out, 1, (short) req.version());
            Tlv.writeInt(out, 2, (byte) req.packetType());
            int id = (int) req.requestId();
            boolean tup = req.version() == TarsFrame.VERSION_TUP2 || req.version() == TarsFrame.VERSION_TUP3;
            if (tup && req.hasRequestLayout()) {
                Tlv.writeInt(out, 3, req.messageType());
                Tlv.writeInt(out, 4, id);
                Tlv.writeString(out, 5, req.servantName());
                Tlv.writeString(out, 6, req.functionName());
                Tlv.writeBytes(out, 7, EMPTY_TUP_BODY);
                Tlv.writeInt(out, 8, 0);
                Tlv.writeStringMap(out, 9);
                Tlv.writeStringMap(out, 10, TarsFrame.STATUS_RESULT_CODE, Integer.toString(ret),
                        TarsFrame.STATUS_RESULT_DESC, desc);
            } else {
                Tlv.writeInt(out, 3, id);
                Tlv.writeInt(out, 4, req.messageType());
                Tlv.writeInt(out, 5, ret);
                Tlv.writeBytes(out, 6, EMPTY);
                Tlv.writeStringMap(out, 7);
                Tlv.writeString(out, 8, desc);
            }
            out.setInt(0, out.readableBytes());
            return TarsFrame.parse(out, 0, out.readableBytes()).attach(out).asResponse(ret);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * The iRet the proxy answers with: no route → {@code TARSSERVERNOSERVANTERR} (-4: nothing serves
     * that servant here); no healthy upstream → {@code TARSPROXYCONNECTERR} (-8: literally "the proxy
     * could not connect"; -4 would send callers looking for a missing servant, -99 says nothing);
     * timeout → {@code TARSASYNCCALLTIMEOUT} (-7, alias TARSINVOKETIMEOUT: the call timed out;
     * -6 means a server's own queue wait); overflow → {@code TARSSERVEROVERLOAD} (-9); codec or
     * deserialization → {@code TARSSERVERDECODEERR} (-1); anything else → {@code TARSSERVERUNKNOWNERR}.
     */
    public static int returnCode(ProxyError error) {
        return switch (error) {
            case NO_ROUTE -> TarsReturnCode.TARSSERVERNOSERVANTERR;
            case NO_HEALTHY_UPSTREAM -> TarsReturnCode.TARSPROXYCONNECTERR;
            case TIMEOUT -> TarsReturnCode.TARSASYNCCALLTIMEOUT;
            case OVERFLOW, PAYLOAD_TOO_LARGE -> TarsReturnCode.TARSSERVEROVERLOAD;
            case CODEC, DESERIALIZATION -> TarsReturnCode.TARSSERVERDECODEERR;
            case PERMISSION_DENIED, UNKNOWN -> TarsReturnCode.TARSSERVERUNKNOWNERR;
        };
    }

    /**
     * Tars has no heartbeat frame: {@link TarsFrame#isHeartbeat()} is always false, so the proxy
     * never asks for this ({@code tars_ping} calls are routed like any other).
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public XFrame heartbeatResponse(XFrame heartbeat) {
        throw new UnsupportedOperationException("tars has no heartbeat frame");
    }

    /** 1, 2, ... 2^31-1, then 1 again. */
    @Override
    public long nextRequestId(long previous) {
        return previous <= 0 || previous >= Integer.MAX_VALUE ? 1 : previous + 1;
    }

    private static TarsFrame tars(XFrame frame) {
        if (frame instanceof TarsFrame f) {
            return f;
        }
        throw new IllegalArgumentException("not a tars frame: " + frame);
    }
}
