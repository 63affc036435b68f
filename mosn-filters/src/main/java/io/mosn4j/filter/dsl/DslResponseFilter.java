package io.mosn4j.filter.dsl;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.variable.Variables;

/**
 * The response-side dsl expressions: {@code send_filter_by_dsl} on the response's headers (the
 * upstream's or the proxy's own reply's), {@code log_filter_by_dsl} when the stream ends (after the
 * access log line was written; it reads, its calls change nothing that is still sent).
 */
final class DslResponseFilter implements StreamSenderFilter {
    private final DslConfig.Expression send;
    private final DslConfig.Expression onEnd;
    private final Variables variables;
    private SenderFilterCallbacks callbacks;

    DslResponseFilter(DslConfig.Expression send, DslConfig.Expression onEnd, Variables variables) {
        this.send = send;
        this.onEnd = onEnd;
        this.variables = variables;
    }

    @Override
    public void setSenderCallbacks(SenderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endStream) {
        if (send != null) {
            DslRequestFilter.evaluate(send, new DslContext(null, headers), callbacks.requestHeaders(), headers, callbacks, variables);
        }
        return FilterStatus.CONTINUE;
    }

    /** The proxy's own answer (a direct response, an error): the expression sees and changes its headers. */
    @Override
    public LocalReply onLocalReply(LocalReply reply) {
        if (send == null) {
            return reply;
        }
        Headers h = reply.headers() == null ? new Headers(4) : reply.headers().copy();
        h.set(Headers.STATUS, Integer.toString(reply.status()));
        DslRequestFilter.evaluate(send, new DslContext(null, h), callbacks.requestHeaders(), h, callbacks, variables);
        h.remove(Headers.STATUS);
        return new LocalReply(reply.status(), reply.error(), reply.body(), reply.direct(), h.isEmpty() ? null : h);
    }

    @Override
    public void onDestroy() {
        if (onEnd != null && callbacks != null) {
            DslRequestFilter.evaluate(onEnd, new DslContext(null, null), callbacks.requestHeaders(),
                    callbacks.responseHeaders(), callbacks, variables);
        }
    }
}
