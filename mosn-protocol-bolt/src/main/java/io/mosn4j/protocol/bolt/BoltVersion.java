package io.mosn4j.protocol.bolt;

/**
 * The two frame layouts of SOFABolt's RPC protocol, told apart by their first byte.
 *
 * <pre>
 * v1 request   proto type cmdcode(2) ver2 requestId(4) codec        timeout(4)   classLen(2) headerLen(2) contentLen(4) class header content
 * v1 response  proto type cmdcode(2) ver2 requestId(4) codec        respStatus(2) classLen(2) headerLen(2) contentLen(4) class header content
 * v2 request   proto ver1 type cmdcode(2) ver2 requestId(4) codec switch timeout(4)    ...same...                         [crc32(4)]
 * v2 response  proto ver1 type cmdcode(2) ver2 requestId(4) codec switch respStatus(2) ...same...                         [crc32(4)]
 * </pre>
 *
 * All integers are big-endian. v2 carries the CRC32 of everything before it only when ver1 is 2 and
 * bit 0 of the switch byte is set (ver1 1 means "laid out as v2, behaves as v1").
 */
enum BoltVersion {
    V1((byte) 0x01, "bolt", 0),
    V2((byte) 0x02, "boltv2", 1);

    final byte code;
    final String protocolName;
    final int typeOffset;
    final int cmdCodeOffset;
    final int ver2Offset;
    final int idOffset;
    final int codecOffset;
    /** v2 only. */
    final int switchOffset;
    /** The request's timeout or the response's status. */
    final int timeoutOrStatusOffset;
    final int requestClassLenOffset;
    final int responseClassLenOffset;
    /** The bytes before the class name: 22 and 20 for v1, 24 and 22 for v2. */
    final int requestFixedLength;
    final int responseFixedLength;
    /** The fewest bytes {@link BoltCodec#detect} needs: through the command code. */
    final int detectLength;

    BoltVersion(byte code, String protocolName, int shift) {
        this.code = code;
        this.protocolName = protocolName;
        this.typeOffset = 1 + shift;
        this.cmdCodeOffset = 2 + shift;
        this.ver2Offset = 4 + shift;
        this.idOffset = 5 + shift;
        this.codecOffset = 9 + shift;
        this.switchOffset = codecOffset + 1;
        this.timeoutOrStatusOffset = 10 + 2 * shift;
        this.requestClassLenOffset = 14 + 2 * shift;
        this.responseClassLenOffset = 12 + 2 * shift;
        this.requestFixedLength = requestClassLenOffset + 8;
        this.responseFixedLength = responseClassLenOffset + 8;
        this.detectLength = cmdCodeOffset + 2;
    }

    static BoltVersion of(byte code) {
        return code == 0x01 ? V1 : code == 0x02 ? V2 : null;
    }

    int classLenOffset(boolean request) {
        return request ? requestClassLenOffset : responseClassLenOffset;
    }

    int fixedLength(boolean request) {
        return request ? requestFixedLength : responseFixedLength;
    }
}
