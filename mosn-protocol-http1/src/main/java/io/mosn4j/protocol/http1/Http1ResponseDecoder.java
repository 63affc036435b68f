package io.mosn4j.protocol.http1;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.AsciiString;

/**
 * Netty's response parser, told by the connection whether the request in flight was a HEAD (whose
 * response has headers but never a body). This is the one thing Netty's HttpClientCodec pairs
 * its encoder and decoder for; mosn4j writes requests itself.
 */
public final class Http1ResponseDecoder extends HttpResponseDecoder {
    private boolean head;

    public Http1ResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    void expectHeadResponse(boolean head) {
        this.head = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        return head || super.isContentAlwaysEmpty(msg);
    }

    /** A common name is shared, not decoded again ({@link KnownHeaderNames}). */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString known = KnownHeaderNames.find(sb, start, length);
        return known != null ? known : super.splitHeaderName(sb, start, length);
    }
}
