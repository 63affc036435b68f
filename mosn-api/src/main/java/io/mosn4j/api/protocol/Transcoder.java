package io.mosn4j.api.protocol;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;

/**
 * Turns a request of the client's protocol into one of another protocol for the upstream, and the
 * upstream's answer back (MOSN's transcoder: an HTTP client calling a bolt service). Made once per
 * config by a {@link TranscoderFactory}; stateless and thread-safe. The proxy calls it on the
 * stream's event loop once the whole request is there (the body is gathered first, within the
 * listener's buffer limit), and again with the upstream's response.
 */
public interface Transcoder {
    /** The codec the converted request is sent with ({@code "bolt"}): the upstream pool's protocol. */
    String upstreamProtocol();

    /** Whether a request of {@code protocol} (the client's, as its codec names it: {@code Http1}) is one it converts. */
    boolean accepts(String protocol);

    /**
     * The request in the upstream protocol: a block whose {@link Headers#message()} is the frame to
     * send. Takes ownership of {@code body} (never null; empty when there is none).
     *
     * @throws XProtocolException when the request cannot be written in the upstream protocol (the
     *     client gets a 400)
     */
    Headers request(Headers headers, ByteBuf body);

    /**
     * The upstream's response in the client's protocol. Does not release {@code response}'s message;
     * the body returned is the caller's.
     */
    Response response(Headers response);

    /** A converted response: headers with {@code :status}, and a body the caller owns. */
    record Response(Headers headers, ByteBuf body) {}
}
