package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;

/**
 * A response head {@link Http1ResponseDecoder} read itself, without Netty's message and header map:
 * its status and version, its fields as neutral headers (decoded when first read whole:
 * {@link HeadFields}), and what they say about
 * framing. Its body follows as {@code HttpContent}, ended by a {@code LastHttpContent}, as after
 * Netty's responses.
 */
final class ParsedResponse extends Http1Headers.Framing {
    final int status;
    /** HTTP/1.0; otherwise HTTP/1.1 (other versions are left to Netty's decoder). */
    final boolean http10;
    Headers headers;

    ParsedResponse(int status, boolean http10) {
        this.status = status;
        this.http10 = http10;
    }
}
