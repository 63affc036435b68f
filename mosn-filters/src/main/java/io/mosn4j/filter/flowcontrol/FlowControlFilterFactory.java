package io.mosn4j.filter.flowcontrol;

import com.alibaba.csp.sentinel.EntryType;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import java.util.Map;

/**
 * MOSN's {@code flowControlFilter}: Sentinel flow rules (QPS or requests in flight per resource)
 * over a request's path, URI or query (see {@link FlowControlConfig}); a blocked request gets
 * {@code action.status} with {@code action.body}. Counters {@code flow_control_request_blocked} and
 * {@code flow_control_request_monitored} (monitor mode: would have been blocked), labelled with the
 * listener. Takes no per-route config.
 */
public final class FlowControlFilterFactory implements StreamFilterFactory {
    static final String NAME = "flowControlFilter";

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
        FlowControlConfig parsed = FlowControlConfig.parse(config);
        if (!parsed.globalSwitch()) {
            config.warn("global_switch", "false (or absent, as in MOSN): the flowControlFilter lets every request through");
            return chain -> {};
        }
        String listener = context == null ? "" : context.listenerName();
        Sentinel.init(parsed, config);
        Sentinel.load(listener + "|" + config.path(), parsed.rules());
        Stats stats = context == null ? Stats.NONE : context.stats();
        StatsScope scope = stats.scope("flow_control", Map.of("listener", listener));
        FlowControlFilter.Shared shared = new FlowControlFilter.Shared(parsed, parsed.resources(),
                parsed.outbound() ? EntryType.OUT : EntryType.IN, scope.counter("request_blocked"), scope.counter("request_monitored"));
        return chain -> chain.addReceiverFilter(new FlowControlFilter(shared), ReceiverPhase.AFTER_ROUTE);
    }
}
