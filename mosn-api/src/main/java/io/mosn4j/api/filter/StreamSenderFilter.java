package io.mosn4j.api.filter;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.netty.buffer.ByteBuf;

/**
 * Sees a response on its way to the client (the upstream's, or the proxy's own), with the same
 * contract as {@link StreamReceiverFilter}. Response filters run in the reverse order of their
 * configuration, as in Envoy.
 */
public interface StreamSenderFilter extends StreamFilter {

    default void setSenderCallbacks(SenderFilterCallbacks callbacks) {}

    FilterStatus onResponseHeaders(Headers headers, boolean endStream);

    default FilterStatus onResponseData(ByteBuf data, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    default FilterStatus onResponseTrailers(Headers trailers) {
        return FilterStatus.CONTINUE;
    }

    /**
     * The proxy answers the request itself (no route, upstream failure, a filter's refusal): the
     * filter may change the reply (add a header with {@link LocalReply#withHeader}) before the
     * codec renders it. Called instead of the response calls above, in the same order.
     */
    default LocalReply onLocalReply(LocalReply reply) {
        return reply;
    }
}
