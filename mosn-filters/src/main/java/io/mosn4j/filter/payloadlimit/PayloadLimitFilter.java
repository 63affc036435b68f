package io.mosn4j.filter.payloadlimit;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.stream.StreamMessage;
import io.netty.buffer.ByteBuf;

/**
 * One request's size check, after routing. What it counts: an RPC call's payload inside its frame
 * ({@link StreamMessage#payloadLength()}); else a {@code content-length} up front; and, as the body
 * streams, the bytes themselves (a chunked HTTP/1 body, an HTTP/2 body without content-length),
 * answering as soon as they pass the limit.
 */
final class PayloadLimitFilter implements StreamReceiverFilter {
    private final PayloadLimitConfig listenerConfig;
    private ReceiverFilterCallbacks callbacks;
    /** The limit counting the body, or null when there is nothing to count. */
    private PayloadLimitConfig counting;
    private long received;

    PayloadLimitFilter(PayloadLimitConfig listenerConfig) {
        this.listenerConfig = listenerConfig;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        RouteInfo route = callbacks.route();
        PayloadLimitConfig config = listenerConfig;
        if (route != null && route.perFilterConfig(PayloadLimitFilterFactory.NAME) instanceof PayloadLimitConfig perRoute) {
            config = perRoute; // replaces the listener's config for this route, as in MOSN
        }
        long max = config.maxEntitySize();
        if (max == 0) {
            return FilterStatus.CONTINUE;
        }
        StreamMessage message = headers.message();
        long declared = message != null ? message.payloadLength() : -1;
        if (declared < 0) {
            declared = contentLength(headers.get("content-length"));
        }
        if (declared > max) {
            return refuse(config);
        }
        if (!endStream) {
            counting = config; // the declared size may be missing (chunked), or a body may not keep to it
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onRequestData(ByteBuf data, boolean endStream) {
        if (counting == null) {
            return FilterStatus.CONTINUE;
        }
        received += data.readableBytes();
        if (received > counting.maxEntitySize()) {
            return refuse(counting);
        }
        return FilterStatus.CONTINUE;
    }

    private FilterStatus refuse(PayloadLimitConfig config) {
        counting = null;
        callbacks.requestInfo().setResponseFlag(ResponseFlag.REQUEST_ENTITY_TOO_LARGE);
        callbacks.sendLocalReply(LocalReply.error(config.httpStatus(), "request entity too large"));
        return FilterStatus.STOP;
    }

    /** A content-length's value, or -1 when there is none or it is no number (the codec judges those). */
    private static long contentLength(String value) {
        if (value == null || value.isEmpty() || value.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }
}
