package io.mosn4j.protocol.bolt;

/**
 * SOFABolt's RPC protocol v2 ({@code boltv2}, first byte 0x02): v1's fields plus a protocol
 * version byte (ver1) after the code, a switch byte after the codec, and a CRC32 trailer when ver1
 * is 2 and the switch's CRC bit is set. The CRC is checked on decode and recomputed when the id
 * changes. Like {@link BoltProtocol} it decodes both layouts; it only detects this one.
 */
public final class BoltV2Protocol extends BoltProtocol {
    public BoltV2Protocol() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    public BoltV2Protocol(int maxFrameLength) {
        super(BoltVersion.V2, maxFrameLength);
    }
}
