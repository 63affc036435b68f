package io.mosn4j.filter.headertometadata;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import java.util.HashMap;
import java.util.Map;

/**
 * MOSN's {@code header_to_metadata}: after routing, request headers become host metadata that
 * subset load balancing picks hosts by ({@code lb_subset_config}), over the route's own
 * {@code metadata_match} for the same keys (see {@link HeaderToMetadataConfig}). Works on every
 * protocol with headers (HTTP/1, HTTP/2, bolt, dubbo...). Takes no per-route config.
 */
public final class HeaderToMetadataFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "header_to_metadata";
    }

    @Override
    public Creator create(ConfigValue config) {
        HeaderToMetadataConfig parsed = HeaderToMetadataConfig.parse(config);
        if (parsed.rules().isEmpty()) {
            return chain -> {};
        }
        return chain -> chain.addReceiverFilter(new Filter(parsed), ReceiverPhase.AFTER_ROUTE);
    }

    /** One request's rules. */
    static final class Filter implements StreamReceiverFilter {
        private final HeaderToMetadataConfig config;
        private ReceiverFilterCallbacks callbacks;

        Filter(HeaderToMetadataConfig config) {
            this.config = config;
        }

        @Override
        public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
            Map<String, String> meta = null;
            for (HeaderToMetadataConfig.Rule rule : config.rules()) {
                String value = headers.get(rule.header());
                HeaderToMetadataConfig.Pair set = null;
                String v = null;
                if (value != null && rule.onPresent() != null) {
                    set = rule.onPresent();
                    v = set.value().isEmpty() ? value : set.value();
                } else if (value == null && rule.onMissing() != null) {
                    set = rule.onMissing();
                    v = set.value();
                }
                if (set != null) {
                    if (meta == null) {
                        meta = existing(callbacks.requestInfo());
                    }
                    meta.put(set.key(), v);
                }
                if (rule.remove() && value != null) {
                    headers.remove(rule.header());
                }
            }
            if (meta != null) {
                callbacks.requestInfo().setAttribute(RouteInfo.METADATA_MATCH, meta);
            }
            return FilterStatus.CONTINUE;
        }

        /** What an earlier filter put there, to add to, as MOSN does. */
        private static Map<String, String> existing(RequestInfo info) {
            Map<String, String> meta = new HashMap<>(4);
            if (info.attribute(RouteInfo.METADATA_MATCH) instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (e.getKey() instanceof String k && e.getValue() instanceof String v) {
                        meta.put(k, v);
                    }
                }
            }
            return meta;
        }
    }
}
