package io.mosn4j.filter.fault;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;

/**
 * MOSN's stream fault injection, {@code {"type": "fault", "config": {...}}} (see {@link FaultConfig}):
 * delays and aborts requests after routing, for every request or only those routed to
 * {@code upstream_cluster} whose headers match. A route's {@code per_filter_config: {"fault": {...}}}
 * replaces the listener's config for that route.
 */
public final class FaultFilterFactory implements StreamFilterFactory {
    static final String NAME = "fault";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        FaultConfig parsed = FaultConfig.parse(config);
        // added even when the listener's config injects nothing: a route's own config may
        return chain -> chain.addReceiverFilter(new FaultFilter(parsed), ReceiverPhase.AFTER_ROUTE);
    }

    @Override
    public Object parseRouteConfig(ConfigValue config) {
        return FaultConfig.parse(config);
    }
}
