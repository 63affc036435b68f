package io.mosn4j.filter.dsl;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.variable.Variables;

/**
 * MOSN's {@code dsl} stream filter, {@code {"type": "dsl", "config": {"before_router_by_dsl": "...", ...}}}
 * (see {@link DslConfig}): CEL expressions in MOSN's dialect run at their moment of the stream,
 * for what their {@code ctx.*} calls do (rewrite the URL, add or remove headers). Only the
 * configured moments get a filter.
 */
public final class DslFilterFactory implements StreamFilterFactory {
    static final String NAME = "dsl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        return create(config, null);
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        DslConfig c = DslConfig.parse(config);
        Variables variables = context == null ? null : context.variables();
        return chain -> {
            if (c.beforeRoute() != null) {
                chain.addReceiverFilter(new DslRequestFilter(c.beforeRoute(), false, variables), ReceiverPhase.BEFORE_ROUTE);
            }
            if (c.afterRoute() != null) {
                chain.addReceiverFilter(new DslRequestFilter(c.afterRoute(), true, variables), ReceiverPhase.AFTER_ROUTE);
            }
            if (c.afterBalancer() != null) {
                chain.addReceiverFilter(new DslRequestFilter(c.afterBalancer(), false, variables), ReceiverPhase.AFTER_CHOOSE_HOST);
            }
            if (c.send() != null || c.log() != null) {
                chain.addSenderFilter(new DslResponseFilter(c.send(), c.log(), variables));
            }
        };
    }
}
