package io.mosn4j.protocol.http1;

import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.PoolContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

/** HTTP/1.1 (and 1.0 clients): {@code Http1} in configs, {@code http/1.1} in ALPN. */
public final class Http1Codec implements ProtocolCodec {
    /** The longest request line and header block a client may send: 414 and 431 beyond. */
    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_REQUEST_HEADERS = 60 * 1024;
    /** Every downstream connection's Netty decoder settings (read, never changed: one for all, not one per connection). */
    private static final HttpDecoderConfig SERVER_DECODER = SmallHeadersFactory.decoderConfig()
            .setMaxInitialLineLength(MAX_REQUEST_LINE).setMaxHeaderSize(MAX_REQUEST_HEADERS).setMaxChunkSize(65536);

    @Override
    public String name() {
        return "Http1";
    }

    @Override
    public String family() {
        return "http";
    }

    @Override
    public List<String> alpn() {
        return List.of("http/1.1");
    }

    /** Request-line starts: the methods Go's and MOSN's sniffers know, each with its space. */
    private static final byte[][] METHODS = Stream.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE")
            .map(m -> (m + " ").getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);

    /** An HTTP/1 request line: a known method and a space. */
    @Override
    public Detection detect(ByteBuf in) {
        boolean more = false;
        for (byte[] m : METHODS) {
            switch (Detection.prefix(in, m)) {
                case YES -> {
                    return Detection.YES;
                }
                case NEED_MORE -> more = true;
                case NO -> { }
            }
        }
        return more ? Detection.NEED_MORE : Detection.NO;
    }

    /** After HTTP/2's preface: {@code PRI * HTTP/2.0} must not be taken for a request line. */
    @Override
    public int detectionOrder() {
        return 20;
    }

    @Override
    public void installServer(Channel channel, ServerStreamHandler handler, ServerContext context) {
        Http1ServerConnection connection = new Http1ServerConnection(handler, context);
        channel.pipeline().addLast(new Http1RequestDecoder(SERVER_DECODER, connection));
        channel.pipeline().addLast(connection);
    }

    @Override
    public ConnectionPool newPool(PoolContext context) {
        return new Http1Pool(context);
    }
}
