package io.mosn4j.protocol.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Netty's request decoder, telling its connection where each request head starts and ends: from
 * the first byte of a request (a pipelined one's first byte included, already buffered behind the
 * request before it) to its complete header block. That span is what the request header timeout
 * bounds; the bytes between requests are the idle timeout's.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
    /** Told, on the connection's loop, when a request head starts and when it is complete. */
    interface HeadListener {
        void headStarted();

        void headDone();
    }

    private final HeadListener listener;
    /** Bytes of a request head arrived; its request is not decoded yet. */
    private boolean inHead;
    /** A request was decoded; its end (LastHttpContent) not yet. */
    private boolean inBody;

    Http1RequestDecoder(HttpDecoderConfig config, HeadListener listener) {
        super(config);
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (!inHead && !inBody && buffer.isReadable()) {
            inHead = true;
            listener.headStarted();
        }
        int from = out.size();
        super.decode(ctx, buffer, out);
        for (int i = from, n = out.size(); i < n; i++) {
            Object m = out.get(i);
            if (m instanceof HttpRequest) {
                inHead = false;
                inBody = true;
                listener.headDone();
            }
            if (m instanceof LastHttpContent) {
                inBody = false; // what follows is the next request's head
            }
        }
    }

    /** A common name is shared, not decoded again ({@link KnownHeaderNames}); Netty's decoder knows five. */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString known = KnownHeaderNames.find(sb, start, length);
        return known != null ? known : super.splitHeaderName(sb, start, length);
    }
}
