package io.mosn4j.filter.dsl;

import dev.cel.runtime.CelEvaluationException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.cel.RequestAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One request-side dsl expression, run on the request's headers in the phase it was added for. */
final class DslRequestFilter implements StreamReceiverFilter {
    private static final Logger log = LoggerFactory.getLogger(DslRequestFilter.class);

    private final DslConfig.Expression expression;
    private final boolean rerouteOnRewrite;
    private final Variables variables;
    private ReceiverFilterCallbacks callbacks;

    /** {@code rerouteOnRewrite}: the route is chosen already, and a new URL must be routed again. */
    DslRequestFilter(DslConfig.Expression expression, boolean rerouteOnRewrite, Variables variables) {
        this.expression = expression;
        this.rerouteOnRewrite = rerouteOnRewrite;
        this.variables = variables;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        DslContext ctx = new DslContext(headers, callbacks.responseHeaders());
        evaluate(expression, ctx, headers, null, callbacks, variables);
        if (ctx.urlRewritten && rerouteOnRewrite) {
            callbacks.reroute();
        }
        return FilterStatus.CONTINUE;
    }

    /**
     * Runs {@code e} for what its calls do; its value is not used. One that fails (a missing map
     * key) stops where it failed and the stream goes on, as in MOSN.
     */
    static void evaluate(DslConfig.Expression e, DslContext ctx, Headers request, Headers response,
            StreamFilterCallbacks callbacks, Variables variables) {
        RequestAttributes attributes = new RequestAttributes(request, response, callbacks.requestInfo(), variables);
        try {
            e.program().eval(name -> name.equals("ctx") ? java.util.Optional.of(ctx) : attributes.find(name));
        } catch (CelEvaluationException ex) {
            log.debug("dsl expression {} did not evaluate: {}", e.source(), ex.getMessage());
        }
    }
}
