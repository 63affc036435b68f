package io.mosn4j.it.plugin;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stream.Headers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stream filter for the integration tests, loaded into {@code bin/mosn} as a plugin jar
 * ({@link PluginJar}): before routing it sets the headers of {@code "set"} and removes those of
 * {@code "remove"} on every request, as a filter written against mosn-api would.
 *
 * <pre>{"type": "it_header_edit", "config": {"set": {"x-added": "yes"}, "remove": ["x-drop"]}}</pre>
 */
public final class HeaderEditFilter implements StreamFilterFactory {
    public static final String NAME = "it_header_edit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        Map<String, String> set = new LinkedHashMap<>();
        ConfigValue s = config.get("set");
        for (String key : s.keys()) {
            set.put(key, s.get(key).asText(""));
        }
        List<String> remove = new ArrayList<>();
        for (ConfigValue v : config.get("remove").elements()) {
            remove.add(v.asText(""));
        }
        return chain -> chain.addReceiverFilter(new Filter(set, remove), ReceiverPhase.BEFORE_ROUTE);
    }

    private record Filter(Map<String, String> set, List<String> remove) implements StreamReceiverFilter {
        @Override
        public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
            set.forEach(headers::set);
            remove.forEach(headers::remove);
            return FilterStatus.CONTINUE;
        }
    }
}
