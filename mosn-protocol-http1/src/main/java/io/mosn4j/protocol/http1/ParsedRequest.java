package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;

/**
 * A request head {@link Http1RequestDecoder} read itself, without Netty's message and header map:
 * its method and version, its fields as neutral headers (decoded when first read whole:
 * {@link HeadFields}), and what they say about
 * framing. Its body, if any, follows as {@code HttpContent}, as after Netty's requests.
 */
final class ParsedRequest extends Http1Headers.Framing {
    final String method;
    /** HTTP/1.0; otherwise HTTP/1.1 (other versions are left to Netty's decoder). */
    final boolean http10;
    /** The mapped headers; null when the request has more than one {@code Host} field (refused). */
    Headers headers;

    ParsedRequest(String method, boolean http10) {
        this.method = method;
        this.http10 = http10;
    }
}
