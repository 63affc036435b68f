package io.mosn4j.protocol.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Feeds a decoder on an embedded channel as a socket would, and collects what it decodes. */
final class Wire {
    private Wire() {}

    /** Everything decoded so far. */
    static List<Object> drain(EmbeddedChannel ch) {
        List<Object> msgs = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            msgs.add(m);
        }
        return msgs;
    }

    /** {@code wire} (one byte a char) in reads of {@code step} bytes, into off-heap buffers as the transport reads; what came of them. */
    static List<Object> feed(EmbeddedChannel ch, String wire, int step) {
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        List<Object> msgs = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += step) {
            ByteBuf piece = ch.alloc().directBuffer();
            piece.writeBytes(bytes, i, Math.min(step, bytes.length - i));
            ch.writeInbound(piece);
            msgs.addAll(drain(ch));
        }
        return msgs;
    }
}
