package io.mosn4j.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bits of bolt v1 (SOFABolt's RPC protocol, protocol code 0x01) that the load tools need,
 * framed by hand at the fixed offsets (all integers big-endian):
 *
 * <pre>
 * request   proto(1) type(1) cmdcode(2) ver2(1) requestId(4) codec(1) timeout(4)    classLen(2) headerLen(2) contentLen(4) class header content   (22 fixed bytes)
 * response  proto(1) type(1) cmdcode(2) ver2(1) requestId(4) codec(1) respStatus(2) classLen(2) headerLen(2) contentLen(4) class header content   (20 fixed bytes)
 * </pre>
 *
 * The header block is SOFARPC's map: key/value strings, each an int32 byte length and UTF-8 bytes.
 * Only v1 is spoken: a frame with another first byte is an error.
 */
final class BoltWire {
    static final byte PROTOCOL_V1 = 0x01;
    static final byte TYPE_RESPONSE = 0x00;
    static final byte TYPE_REQUEST = 0x01;
    static final byte TYPE_ONEWAY = 0x02;
    static final short CMD_HEARTBEAT = 0x0000;
    static final short CMD_RPC_REQUEST = 0x0001;
    static final short CMD_RPC_RESPONSE = 0x0002;
    /** SOFABolt's codec byte for hessian2 (the content is opaque here: no one deserializes it). */
    static final byte CODEC_HESSIAN2 = 1;
    static final byte VER2 = 1;

    static final int TYPE_OFFSET = 1;
    static final int CMD_OFFSET = 2;
    static final int VER2_OFFSET = 4;
    static final int ID_OFFSET = 5;
    static final int CODEC_OFFSET = 9;
    /** The request's timeout (int32) or the response's status (uint16). */
    static final int TIMEOUT_OR_STATUS_OFFSET = 10;
    static final int REQUEST_CLASS_LEN_OFFSET = 14;
    static final int RESPONSE_CLASS_LEN_OFFSET = 12;
    static final int REQUEST_FIXED = 22;
    static final int RESPONSE_FIXED = 20;

    private BoltWire() {}

    static boolean isResponse(ByteBuf frame) {
        return frame.getByte(frame.readerIndex() + TYPE_OFFSET) == TYPE_RESPONSE;
    }

    static int classLenOffset(ByteBuf frame) {
        return isResponse(frame) ? RESPONSE_CLASS_LEN_OFFSET : REQUEST_CLASS_LEN_OFFSET;
    }

    static int contentLength(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + classLenOffset(frame) + 4);
    }

    /** Where the content starts, relative to the frame's reader index. */
    static int contentOffset(ByteBuf frame) {
        int i = frame.readerIndex();
        int c = classLenOffset(frame);
        return c + 8 + frame.getUnsignedShort(i + c) + frame.getUnsignedShort(i + c + 2);
    }

    /**
     * A response to {@code request} (same ver2, id and codec) with {@code cmdCode}, {@code status},
     * {@code className} and {@code contentLength} bytes of the request's content at
     * {@code contentIndex} (0 for none).
     */
    static ByteBuf response(ByteBufAllocator alloc, ByteBuf request, short cmdCode, int status,
            byte[] className, int contentIndex, int contentLength) {
        int r = request.readerIndex();
        ByteBuf out = alloc.ioBuffer(RESPONSE_FIXED + className.length + contentLength);
        out.writeByte(PROTOCOL_V1)
                .writeByte(TYPE_RESPONSE)
                .writeShort(cmdCode)
                .writeByte(request.getByte(r + VER2_OFFSET))
                .writeInt(request.getInt(r + ID_OFFSET))
                .writeByte(request.getByte(r + CODEC_OFFSET))
                .writeShort(status)
                .writeShort(className.length)
                .writeShort(0) // no header map
                .writeInt(contentLength)
                .writeBytes(className);
        if (contentLength > 0) {
            out.writeBytes(request, contentIndex, contentLength);
        }
        return out;
    }

    /** A whole rpc request (id 0) as bytes: the template the load generator copies and stamps. */
    static byte[] request(int timeoutMs, String className, String[] headerPairs, byte[] content) {
        byte[] cls = className.getBytes(StandardCharsets.UTF_8);
        byte[] header = headerMap(headerPairs);
        if (cls.length > Short.MAX_VALUE || header.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("class name or header map longer than 32767 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(REQUEST_FIXED + cls.length + header.length + content.length);
        b.put(PROTOCOL_V1).put(TYPE_REQUEST).putShort(CMD_RPC_REQUEST).put(VER2).putInt(0).put(CODEC_HESSIAN2)
                .putInt(timeoutMs).putShort((short) cls.length).putShort((short) header.length).putInt(content.length)
                .put(cls).put(header).put(content);
        return b.array();
    }

    /** A heartbeat request (no class, header or content), id 0. */
    static byte[] heartbeat() {
        ByteBuffer b = ByteBuffer.allocate(REQUEST_FIXED);
        b.put(PROTOCOL_V1).put(TYPE_REQUEST).putShort(CMD_HEARTBEAT).put(VER2).putInt(0).put(CODEC_HESSIAN2)
                .putInt(0).putShort((short) 0).putShort((short) 0).putInt(0);
        return b.array();
    }

    /** SOFARPC's header map encoding of {@code pairs} (key, value, key, value, ...). */
    static byte[] headerMap(String[] pairs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : pairs) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /**
     * Splits the byte stream into whole bolt v1 frames, each passed on as a retained slice (the next
     * handler releases it). Anything that is not bolt v1 fails the channel.
     */
    static final class FrameDecoder extends ByteToMessageDecoder {
        private final int maxFrameLength;

        FrameDecoder(int maxFrameLength) {
            this.maxFrameLength = maxFrameLength;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int readable = in.readableBytes();
            if (readable < 2) {
                return;
            }
            int s = in.readerIndex();
            byte proto = in.getByte(s);
            if (proto != PROTOCOL_V1) {
                throw new DecoderException("not a bolt v1 frame: protocol code 0x" + Integer.toHexString(proto & 0xff));
            }
            byte type = in.getByte(s + TYPE_OFFSET);
            int fixed;
            int classLenOffset;
            if (type == TYPE_RESPONSE) {
                fixed = RESPONSE_FIXED;
                classLenOffset = RESPONSE_CLASS_LEN_OFFSET;
            } else if (type == TYPE_REQUEST || type == TYPE_ONEWAY) {
                fixed = REQUEST_FIXED;
                classLenOffset = REQUEST_CLASS_LEN_OFFSET;
            } else {
                throw new DecoderException("unknown bolt command type 0x" + Integer.toHexString(type & 0xff));
            }
            if (readable < fixed) {
                return;
            }
            int contentLength = in.getInt(s + classLenOffset + 4);
            if (contentLength < 0) {
                throw new DecoderException("negative bolt content length " + contentLength);
            }
            long total = (long) fixed + in.getUnsignedShort(s + classLenOffset)
                    + in.getUnsignedShort(s + classLenOffset + 2) + contentLength;
            if (total > maxFrameLength) {
                throw new DecoderException("bolt frame of " + total + " bytes exceeds " + maxFrameLength);
            }
            if (readable < total) {
                return;
            }
            out.add(in.readRetainedSlice((int) total));
        }
    }

    /** Epoll when Netty's native transport loads (and -Dmosn4j.nio is not set), else NIO. */
    record Transport(String name, IoHandlerFactory ioHandlerFactory,
            Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> channel) {

        static Transport pick() {
            if (!Boolean.getBoolean("mosn4j.nio") && Epoll.isAvailable()) {
                return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                        EpollSocketChannel.class);
            }
            return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                    NioSocketChannel.class);
        }

        MultiThreadIoEventLoopGroup group(int threads) {
            return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory);
        }
    }
}
