package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.Buffers;
import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Framing of bolt and boltv2, shared by both protocol names: a frame says by its first byte which
 * layout it uses, so either decoder takes both (as a SOFABolt server does on one port).
 */
final class BoltCodec {
    /**
     * Frames up to this long are copied whole when their id changes; longer ones get a new copy of
     * the fixed header only, in front of a slice of the original body.
     */
    static final int COPY_THRESHOLD = 1024;

    private BoltCodec() {}

    // ---------------------------------------------------------------- detect

    /**
     * YES when the first bytes are {@code version}'s protocol code, then (v2) a known ver1, a known
     * command type and a command code valid for it; NO as soon as one of them is not.
     */
    static Detection detect(ByteBuf in, BoltVersion version) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        if (readable < 1) {
            return Detection.NEED_MORE;
        }
        if (in.getByte(start) != version.code) {
            return Detection.NO;
        }
        if (version == BoltVersion.V2) {
            if (readable < 2) {
                return Detection.NEED_MORE;
            }
            if (!knownVer1(in.getByte(start + 1))) {
                return Detection.NO;
            }
        }
        if (readable <= version.typeOffset) {
            return Detection.NEED_MORE;
        }
        byte type = in.getByte(start + version.typeOffset);
        if (!knownType(type)) {
            return Detection.NO;
        }
        if (readable < version.detectLength) {
            return Detection.NEED_MORE;
        }
        return commandCodeFits(type, in.getShort(start + version.cmdCodeOffset)) ? Detection.YES : Detection.NO;
    }

    // ---------------------------------------------------------------- decode

    /**
     * The frame at {@code in.readerIndex()}, or null (nothing consumed) while it is incomplete. Every
     * field is checked as soon as its bytes are there, so garbage fails early rather than being
     * buffered up to {@code maxFrameLength}.
     *
     * @param protocol the decoding protocol's name, for a first byte that is no bolt layout's
     */
    static BoltFrame decode(ByteBuf in, int maxFrameLength, String protocol) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        if (readable < 1) {
            return null;
        }
        // the fixed header (at most 24 bytes) as three words: three buffer reads, each checking bounds
        // and the reference count, instead of one per field (~4% of a proxied call's CPU); bytes not
        // received yet read as 0, and no field is used before readable says it is there
        long w0 = word(in, start, readable, 0);
        long w1 = word(in, start, readable, 8);
        long w2 = word(in, start, readable, 16);
        byte code = (byte) u8(w0, w1, w2, 0);
        BoltVersion v = BoltVersion.of(code);
        if (v == null) {
            throw error(protocol, "unknown protocol code 0x" + hex(code, 2), 0);
        }
        String name = v.protocolName;
        byte ver1 = 1;
        if (v == BoltVersion.V2) {
            if (readable < 2) {
                return null;
            }
            ver1 = (byte) u8(w0, w1, w2, 1);
            if (!knownVer1(ver1)) {
                throw error(name, "unknown protocol version (ver1) 0x" + hex(ver1, 2), 1);
            }
        }
        if (readable <= v.typeOffset) {
            return null;
        }
        byte type = (byte) u8(w0, w1, w2, v.typeOffset);
        if (!knownType(type)) {
            throw error(name, "unknown command type 0x" + hex(type, 2), v.typeOffset);
        }
        if (readable < v.cmdCodeOffset + 2) {
            return null;
        }
        short cmdCode = (short) u16(w0, w1, w2, v.cmdCodeOffset);
        if (cmdCode != BoltFrame.CMD_HEARTBEAT && cmdCode != BoltFrame.CMD_RPC_REQUEST
                && cmdCode != BoltFrame.CMD_RPC_RESPONSE) {
            throw error(name, "unknown command code 0x" + hex(cmdCode, 4), v.cmdCodeOffset);
        }
        if (!commandCodeFits(type, cmdCode)) {
            throw error(name, "command code 0x" + hex(cmdCode, 4) + " in a "
                    + (type == BoltFrame.TYPE_RESPONSE ? "response" : "request"), v.cmdCodeOffset);
        }
        boolean request = type != BoltFrame.TYPE_RESPONSE;
        int fixed = v.fixedLength(request);
        if (readable < fixed) {
            return null;
        }
        // SOFABolt reads the two short lengths as signed: past 32767 it cannot read its own frame
        int classLenOffset = v.classLenOffset(request);
        int classLength = (short) u16(w0, w1, w2, classLenOffset);
        if (classLength < 0) {
            throw error(name, "negative class length " + classLength, classLenOffset);
        }
        int headerLength = (short) u16(w0, w1, w2, classLenOffset + 2);
        if (headerLength < 0) {
            throw error(name, "negative header length " + headerLength, classLenOffset + 2);
        }
        int contentLength = s32(w0, w1, w2, classLenOffset + 4);
        if (contentLength < 0) {
            throw error(name, "negative content length " + contentLength, classLenOffset + 4);
        }
        byte protocolSwitch = v == BoltVersion.V2 ? (byte) u8(w0, w1, w2, v.switchOffset) : 0;
        boolean crc = ver1 == 2 && (protocolSwitch & BoltFrame.SWITCH_CRC) != 0;
        long total = (long) fixed + classLength + headerLength + contentLength + (crc ? 4 : 0);
        if (total > maxFrameLength) {
            throw error(name, "frame of " + total + " bytes exceeds the limit of " + maxFrameLength
                    + " (content length " + contentLength + ")", classLenOffset + 4);
        }
        if (readable < total) {
            return null;
        }
        int length = (int) total;
        if (crc) {
            int said = in.getInt(start + length - 4);
            int computed = crc32(in, start, length - 4);
            if (said != computed) {
                throw error(name, "CRC32 mismatch: the frame says 0x" + hex(said, 8) + ", its bytes give 0x"
                        + hex(computed, 8), length - 4);
            }
        }
        // the header map is only checked when something reads it (BoltFrame.headers)

        ByteBuf raw = in.retainedSlice(start, length);
        in.skipBytes(length);
        return new BoltFrame(v, raw, ver1, type, cmdCode,
                (byte) u8(w0, w1, w2, v.ver2Offset),
                s32(w0, w1, w2, v.idOffset),
                (byte) u8(w0, w1, w2, v.codecOffset),
                protocolSwitch,
                request ? s32(w0, w1, w2, v.timeoutOrStatusOffset) : u16(w0, w1, w2, v.timeoutOrStatusOffset),
                classLength, headerLength, contentLength, crc);
    }

    /** Big-endian bytes {@code at..at+7} of the frame at {@code start}; those past {@code readable} read as 0. */
    private static long word(ByteBuf in, int start, int readable, int at) {
        if (readable >= at + 8) {
            return in.getLong(start + at);
        }
        long w = 0;
        for (int i = at; i < at + 8; i++) {
            w = (w << 8) | (i < readable ? in.getByte(start + i) & 0xff : 0);
        }
        return w;
    }

    /** Byte {@code off} (below 24) of the words' 24 bytes, unsigned. */
    private static int u8(long w0, long w1, long w2, int off) {
        long w = off < 8 ? w0 : off < 16 ? w1 : w2;
        return (int) (w >>> (56 - ((off & 7) << 3))) & 0xff;
    }

    private static int u16(long w0, long w1, long w2, int off) {
        return u8(w0, w1, w2, off) << 8 | u8(w0, w1, w2, off + 1);
    }

    private static int s32(long w0, long w1, long w2, int off) {
        return u16(w0, w1, w2, off) << 16 | u16(w0, w1, w2, off + 2);
    }

    // ---------------------------------------------------------------- encode

    /** {@code frame}'s bytes with its current id; a new buffer (or view) the caller owns. */
    static ByteBuf encode(XFrame xframe, ByteBufAllocator alloc) {
        BoltFrame frame = encodable(xframe);
        ByteBuf raw = frame.raw;
        int id = (int) frame.requestId();
        Headers changed = frame.changedHeaders();
        if (changed != null) {
            return encodeWithHeaderMap(frame, changed, id, alloc);
        }
        if (id == frame.originalId) {
            return raw.retainedDuplicate();
        }
        int length = raw.readableBytes();
        int idOffset = frame.version.idOffset;
        int crcLength = frame.crc ? 4 : 0;
        if (length <= COPY_THRESHOLD) {
            ByteBuf out = alloc.buffer(length);
            Buffers.append(out, raw, 0, length - crcLength);
            out.setInt(idOffset, id);
            if (frame.crc) {
                out.writeInt(crc32(out, 0, length - 4));
            }
            return out;
        }
        int fixed = frame.version.fixedLength(frame.isRequest());
        ByteBuf head = Buffers.append(alloc.buffer(fixed), raw, 0, fixed);
        head.setInt(idOffset, id);
        CompositeByteBuf out = alloc.compositeBuffer(3);
        out.addComponent(true, head);
        out.addComponent(true, raw.retainedSlice(fixed, length - fixed - crcLength));
        if (frame.crc) {
            int crc = crc32(out, 0, length - 4);
            out.addComponent(true, alloc.buffer(4).writeInt(crc));
        }
        return out;
    }

    /**
     * Appends a short unchanged frame with its current id to {@code out} (the bytes {@link #encode}
     * copies into a buffer of their own); false, {@code out} untouched, for a long or changed one.
     */
    static boolean encodeInto(XFrame xframe, ByteBuf out) {
        BoltFrame frame = encodable(xframe);
        ByteBuf raw = frame.raw;
        int length = raw.readableBytes();
        if (length > COPY_THRESHOLD || frame.changedHeaders() != null) {
            return false;
        }
        int crcLength = frame.crc ? 4 : 0;
        int at = out.writerIndex();
        Buffers.append(out, raw, 0, length - crcLength);
        out.setInt(at + frame.version.idOffset, (int) frame.requestId());
        if (frame.crc) {
            out.writeInt(crc32(out, at, length - 4));
        }
        return true;
    }

    private static BoltFrame encodable(XFrame xframe) {
        if (!(xframe instanceof BoltFrame frame)) {
            throw new IllegalArgumentException("not a bolt frame: " + xframe);
        }
        if (frame.isReleased()) {
            throw new IllegalStateException("encoding a released frame: " + frame);
        }
        if (frame.isContentReleased()) {
            throw new IllegalStateException("encoding a request whose content was released once sent: " + frame);
        }
        return frame;
    }

    /**
     * {@code frame} with its current id and {@code headers} as its header map: a new fixed header
     * (id, header length) and class name, the new map, then the original content (copied when the
     * whole frame is short, else a view) and a CRC when the frame has one.
     */
    private static ByteBuf encodeWithHeaderMap(BoltFrame frame, Headers headers, int id, ByteBufAllocator alloc) {
        int headerLength = BoltHeaderMap.encodedLength(headers);
        if (headerLength > Short.MAX_VALUE) {
            // SOFABolt reads the length as a signed short
            throw new XProtocolException(frame.version.protocolName + ": the changed header map takes " + headerLength
                    + " bytes, more than the 32767 a bolt frame can say");
        }
        BoltVersion v = frame.version;
        int head = v.requestFixedLength + frame.classLength;
        int contentAt = head + frame.headerLength;
        int crcLength = frame.crc ? 4 : 0;
        int length = head + headerLength + frame.contentLength + crcLength;
        boolean copy = length <= COPY_THRESHOLD;
        ByteBuf out = alloc.buffer(copy ? length : head + headerLength);
        try {
            Buffers.append(out, frame.raw, 0, head);
            out.setInt(v.idOffset, id);
            out.setShort(v.requestClassLenOffset + 2, headerLength);
            BoltHeaderMap.write(out, headers);
            if (copy) {
                Buffers.append(out, frame.raw, contentAt, frame.contentLength);
                if (frame.crc) {
                    out.writeInt(crc32(out, 0, length - 4));
                }
                return out;
            }
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        CompositeByteBuf whole = alloc.compositeBuffer(3);
        whole.addComponent(true, out);
        whole.addComponent(true, frame.raw.retainedSlice(contentAt, frame.contentLength));
        if (frame.crc) {
            int crc = crc32(whole, 0, length - 4);
            whole.addComponent(true, alloc.buffer(4).writeInt(crc));
        }
        return whole;
    }

    // ---------------------------------------------------------------- replies

    /**
     * A response to {@code request} with its protocol code, ver1, ver2, codec and current id, no
     * class, header or content. With {@code keepSwitch} the request's switch byte is copied (and a
     * CRC added when it asks for one), as SOFABolt does for replies; else the switch is 0.
     */
    static BoltFrame response(BoltFrame request, short cmdCode, int status, boolean keepSwitch) {
        BoltVersion v = request.version;
        byte protocolSwitch = keepSwitch ? request.protocolSwitch() : 0;
        boolean crc = v == BoltVersion.V2 && request.protocolVersion() == 2
                && (protocolSwitch & BoltFrame.SWITCH_CRC) != 0;
        int length = v.responseFixedLength + (crc ? 4 : 0);
        ByteBuf buf = Unpooled.buffer(length);
        try {
            buf.writeByte(v.code);
            if (v == BoltVersion.V2) {
                buf.writeByte(request.protocolVersion());
            }
            buf.writeByte(BoltFrame.TYPE_RESPONSE);
            buf.writeShort(cmdCode);
            buf.writeByte(request.commandVersion());
            buf.writeInt((int) request.requestId());
            buf.writeByte(request.codec());
            if (v == BoltVersion.V2) {
                buf.writeByte(protocolSwitch);
            }
            buf.writeShort(status);
            buf.writeShort(0); // class
            buf.writeShort(0); // header
            buf.writeInt(0); // content
            if (crc) {
                buf.writeInt(crc32(buf, 0, buf.writerIndex()));
            }
            return decode(buf, length, v.protocolName);
        } finally {
            buf.release();
        }
    }

    /**
     * A heartbeat request in layout {@code v} (v2 as ver1 1, no CRC), hessian2 codec, no timeout,
     * class, header or content: what the proxy sends to probe a quiet upstream connection.
     */
    static BoltFrame heartbeatRequest(BoltVersion v, long id) {
        int length = v.requestFixedLength;
        ByteBuf buf = Unpooled.buffer(length);
        try {
            buf.writeByte(v.code);
            if (v == BoltVersion.V2) {
                buf.writeByte(1);
            }
            buf.writeByte(BoltFrame.TYPE_REQUEST);
            buf.writeShort(BoltFrame.CMD_HEARTBEAT);
            buf.writeByte(1); // ver2
            buf.writeInt((int) id);
            buf.writeByte(HESSIAN2);
            if (v == BoltVersion.V2) {
                buf.writeByte(0); // switch: no CRC
            }
            buf.writeInt(0); // timeout
            buf.writeShort(0); // class
            buf.writeShort(0); // header
            buf.writeInt(0); // content
            return decode(buf, length, v.protocolName);
        } finally {
            buf.release();
        }
    }

    /**
     * A new bolt (v1) RPC request: id 0 (the upstream connection gives it its own), hessian2 codec,
     * {@code className} (may be ""), {@code headerMap} written as the header map, {@code content}
     * as the content. Takes ownership of {@code content}.
     *
     * @throws XProtocolException when the header map is longer than a bolt frame can say
     */
    static BoltFrame request(String className, Headers headerMap, ByteBuf content, int timeoutMillis) {
        BoltVersion v = BoltVersion.V1;
        byte[] cls = className.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int headerLength = BoltHeaderMap.encodedLength(headerMap);
        if (headerLength > Short.MAX_VALUE || cls.length > Short.MAX_VALUE) {
            content.release();
            throw new XProtocolException("bolt: the header map takes " + headerLength + " bytes, more than the 32767 a bolt frame can say");
        }
        ByteBuf head = Unpooled.buffer(v.requestFixedLength + cls.length + headerLength);
        head.writeByte(v.code);
        head.writeByte(BoltFrame.TYPE_REQUEST);
        head.writeShort(BoltFrame.CMD_RPC_REQUEST);
        head.writeByte(1); // ver2
        head.writeInt(0); // id
        head.writeByte(HESSIAN2);
        head.writeInt(timeoutMillis);
        head.writeShort(cls.length);
        head.writeShort(headerLength);
        head.writeInt(content.readableBytes());
        head.writeBytes(cls);
        BoltHeaderMap.write(head, headerMap);
        CompositeByteBuf whole = Unpooled.compositeBuffer(2);
        whole.addComponents(true, head, content);
        try {
            return decode(whole, Integer.MAX_VALUE, v.protocolName);
        } finally {
            whole.release();
        }
    }

    /** SOFABolt's codec byte for hessian2. */
    private static final byte HESSIAN2 = 1;

    // ---------------------------------------------------------------- helpers

    static int crc32(ByteBuf buf, int index, int length) {
        CRC32 crc = new CRC32();
        update(crc, buf, index, length);
        return (int) crc.getValue();
    }

    private static void update(CRC32 crc, ByteBuf buf, int index, int length) {
        int count = buf.nioBufferCount();
        if (count == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else if (count > 1) {
            for (ByteBuffer b : buf.nioBuffers(index, length)) {
                crc.update(b);
            }
        } else {
            byte[] chunk = new byte[Math.min(length, 8192)];
            for (int done = 0; done < length; ) {
                int n = Math.min(chunk.length, length - done);
                buf.getBytes(index + done, chunk, 0, n);
                crc.update(chunk, 0, n);
                done += n;
            }
        }
    }

    private static boolean knownVer1(byte ver1) {
        return ver1 == 1 || ver1 == 2;
    }

    private static boolean knownType(byte type) {
        return type == BoltFrame.TYPE_RESPONSE || type == BoltFrame.TYPE_REQUEST || type == BoltFrame.TYPE_ONEWAY;
    }

    /** Heartbeats go both ways; rpc request codes only in requests, rpc response codes only in responses. */
    private static boolean commandCodeFits(byte type, short cmdCode) {
        return cmdCode == BoltFrame.CMD_HEARTBEAT
                || (type == BoltFrame.TYPE_RESPONSE ? cmdCode == BoltFrame.CMD_RPC_RESPONSE
                        : cmdCode == BoltFrame.CMD_RPC_REQUEST);
    }

    private static XProtocolException error(String protocol, String what, int offset) {
        return new XProtocolException(protocol + ": " + what + " at offset " + offset);
    }

    private static String hex(int value, int digits) {
        String s = Integer.toHexString(value & (digits == 8 ? -1 : (1 << (4 * digits)) - 1));
        return "0".repeat(digits - s.length()) + s;
    }
}
