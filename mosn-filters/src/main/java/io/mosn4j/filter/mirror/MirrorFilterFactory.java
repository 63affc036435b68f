package io.mosn4j.filter.mirror;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;

/**
 * MOSN's {@code mirror} stream filter: {@code {"amplification": N}} sends N copies of each request a
 * route mirrors ({@code request_mirror_policies}) instead of one. In mosn4j the route's policy
 * alone mirrors (as in Envoy); this filter only multiplies the copies, so MOSN's mirror configs
 * load and behave as written. MOSN's {@code broadcast} (copy to every host of the mirror cluster,
 * then answer the client from the proxy instead of the route's cluster) is refused: it would change
 * where requests go.
 */
public final class MirrorFilterFactory implements StreamFilterFactory {
    static final String NAME = "mirror";
    /** The most copies of one request. */
    static final int MAX_AMPLIFICATION = 100;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        int amplification = 1;
        if (!config.isMissing()) {
            if (!config.isObject()) {
                throw config.error("", "must be an object {\"amplification\": N}");
            }
            for (String key : config.keys()) {
                if (key.equalsIgnoreCase("broadcast")) {
                    ConfigValue b = config.get(key);
                    if (Boolean.TRUE.equals(b.as(Boolean.class))) {
                        throw b.error("", "broadcast is not supported yet (it answers clients from the proxy instead of the route's cluster)");
                    }
                } else if (!key.equalsIgnoreCase("amplification")) {
                    config.warn(key, "not a key of the mirror stream filter; ignored");
                }
            }
            ConfigValue a = config.get("amplification");
            Integer n = a.as(Integer.class);
            if (n != null) {
                if (n < 1 || n > MAX_AMPLIFICATION) {
                    throw a.error("", "must be 1.." + MAX_AMPLIFICATION + ", got " + n);
                }
                amplification = n;
            }
        }
        Integer copies = amplification;
        return chain -> chain.addReceiverFilter(new StreamReceiverFilter() {
            private ReceiverFilterCallbacks callbacks;

            @Override
            public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
                this.callbacks = callbacks;
            }

            @Override
            public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
                callbacks.requestInfo().setAttribute(RouteInfo.MIRROR_COPIES, copies);
                return FilterStatus.CONTINUE;
            }
        }, ReceiverPhase.AFTER_ROUTE);
    }
}
