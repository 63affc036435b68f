package io.mosn4j.filter.payloadlimit;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;

/**
 * MOSN's {@code payload_limit}: refuses a request whose body is larger than {@code max_entity_size}
 * bytes with {@code http_status} (413 by default; RPC protocols answer their own error for it), see
 * {@link PayloadLimitConfig}. A route's {@code per_filter_config: {"payload_limit": {...}}} replaces
 * the listener's config for that route.
 */
public final class PayloadLimitFilterFactory implements StreamFilterFactory {
    static final String NAME = "payload_limit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        PayloadLimitConfig parsed = PayloadLimitConfig.parse(config);
        // added even without a listener limit: a route's own config may set one
        return chain -> chain.addReceiverFilter(new PayloadLimitFilter(parsed), ReceiverPhase.AFTER_ROUTE);
    }

    @Override
    public Object parseRouteConfig(ConfigValue config) {
        return PayloadLimitConfig.parse(config);
    }
}
