package io.mosn4j.api.filter;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;

/**
 * Sees a request on its way upstream: its headers, each body chunk, its trailers, in order, each
 * call returning whether the stream goes on. Made per stream by a {@link StreamFilterFactory}'s
 * creator; called on the stream's event loop only.
 *
 * <p>Body chunks belong to the proxy: a filter may read them and change their bytes in place, but
 * must not release them or keep them past the call (it may {@code retain()} a copy it keeps). A
 * filter that rewrites the body hands on its own chunk with {@link StreamFilterCallbacks#replaceData}.
 */
public interface StreamReceiverFilter extends StreamFilter {

    /** Called once, before any other call, with what the filter may use for the stream's life. */
    default void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {}

    /** The request's headers; {@code endStream} when the request has no body. */
    FilterStatus onRequestHeaders(Headers headers, boolean endStream);

    default FilterStatus onRequestData(ByteBuf data, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    default FilterStatus onRequestTrailers(Headers trailers) {
        return FilterStatus.CONTINUE;
    }
}
