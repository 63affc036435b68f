package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.PoolMode;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * SOFABolt's RPC protocol v1 ({@code bolt}, first byte 0x01), as SOFARPC speaks it. Frames are
 * {@link BoltFrame}s that keep a retained slice of the input; routing sees their header map,
 * decoded when first read, and a filter's change to a request's map is written back on encode.
 *
 * <p>Decoding also takes boltv2 frames (first byte 0x02), as a SOFABolt server does on one port:
 * each frame is answered and forwarded in the layout it came in. Only {@link #detect} and
 * {@link #name} tell the two protocol names apart. Stateless and thread-safe.
 */
public class BoltProtocol implements XProtocol {
    /**
     * The longest frame accepted unless a constructor says otherwise: 64 MiB. Bolt itself allows
     * up to 2 GiB of content; anything near that is a corrupt length, not an RPC, and would be
     * buffered whole before it could be forwarded.
     */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 64 << 20;

    private final BoltVersion version;
    private final int maxFrameLength;

    public BoltProtocol() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    public BoltProtocol(int maxFrameLength) {
        this(BoltVersion.V1, maxFrameLength);
    }

    BoltProtocol(BoltVersion version, int maxFrameLength) {
        if (maxFrameLength < version.requestFixedLength) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " is shorter than a bolt header");
        }
        this.version = version;
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    public String name() {
        return version.protocolName;
    }

    /** YES for this layout's first byte followed by a valid type and command code; never for HTTP. */
    @Override
    public Detection detect(ByteBuf in) {
        return BoltCodec.detect(in, version);
    }

    @Override
    public BoltFrame decode(ByteBuf in) {
        return BoltCodec.decode(in, maxFrameLength, version.protocolName);
    }

    /**
     * The frame's own bytes when its id is unchanged (a retained view, no copy); else a copy with
     * the new id, or for a long frame a new fixed header in front of a view of the body; the CRC,
     * if any, recomputed. A request whose headers were read and changed gets its header map
     * re-written from them (see {@link BoltFrame#headers()}), the header length fixed up, class name
     * and content unchanged. The caller owns the returned buffer.
     *
     * @throws io.mosn4j.api.protocol.XProtocolException when the changed header map is longer than
     *     the 32767 bytes a bolt frame can carry
     */
    @Override
    public ByteBuf encode(XFrame frame, ByteBufAllocator alloc) {
        return BoltCodec.encode(frame, alloc);
    }

    @Override
    public boolean encodeInto(XFrame frame, ByteBuf out) {
        return BoltCodec.encodeInto(frame, out);
    }

    @Override
    public boolean encodesInto() {
        return true;
    }

    @Override
    public PoolMode poolMode() {
        return PoolMode.MULTIPLEX;
    }

    /**
     * An rpc response with {@link BoltStatus#of MOSN's status} for {@code error}, and no class,
     * header or content: bolt carries no message outside a serialized exception, so {@code message}
     * is not sent. SOFABolt's client turns such a response into an exception naming the status.
     */
    @Override
    public BoltFrame errorResponse(XFrame request, ProxyError error, String message) {
        return BoltCodec.response(boltFrame(request), BoltFrame.CMD_RPC_RESPONSE, BoltStatus.of(error), true);
    }

    /**
     * What SOFABolt's server answers (its HeartbeatAckCommand): a response with command code
     * heartbeat, status success, the heartbeat's id, and nothing else; switch byte 0, so no CRC.
     */
    @Override
    public BoltFrame heartbeatResponse(XFrame heartbeat) {
        BoltFrame hb = boltFrame(heartbeat);
        if (!hb.isRequest() || !hb.isHeartbeat()) {
            throw new IllegalArgumentException("not a heartbeat request: " + hb);
        }
        return BoltCodec.response(hb, BoltFrame.CMD_HEARTBEAT, BoltStatus.SUCCESS, false);
    }

    /** A bolt heartbeat request in this protocol's layout, to probe a quiet upstream connection. */
    @Override
    public BoltFrame heartbeatRequest(long requestId) {
        return BoltCodec.heartbeatRequest(version, requestId);
    }

    private static BoltFrame boltFrame(XFrame frame) {
        if (frame instanceof BoltFrame f) {
            return f;
        }
        throw new IllegalArgumentException("not a bolt frame: " + frame);
    }
}
