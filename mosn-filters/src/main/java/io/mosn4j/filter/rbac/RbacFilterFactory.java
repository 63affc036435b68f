package io.mosn4j.filter.rbac;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.stats.Stats;

/**
 * MOSN's {@code rbac} (Envoy's {@code envoy.filters.http.rbac}): allows or refuses requests by
 * policies of permissions (what is asked: headers, path, method, destination, TLS server name) and
 * principals (who asks: peer address, headers, the verified client certificate), before routing;
 * see {@link RbacRules}. Counts, as Envoy with the
 * listener's name for the stat prefix, {@code http.LISTENER.rbac.allowed}, {@code .denied},
 * {@code .shadow_allowed}, {@code .shadow_denied} (and {@code .logged}/{@code .not_logged} for LOG).
 */
public final class RbacFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "rbac";
    }

    @Override
    public Creator create(ConfigValue config) {
        return create(config, Stats.NONE, "");
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        return create(config, context.stats(), "http." + context.listenerName() + ".");
    }

    private static Creator create(ConfigValue config, Stats stats, String prefix) {
        RbacConfig parsed = RbacConfig.parse(config);
        String r = prefix + "rbac." + parsed.rulesPrefix();
        String s = prefix + "rbac." + parsed.shadowPrefix();
        RbacFilter.Counters counters = new RbacFilter.Counters(stats.counter(r + "allowed"), stats.counter(r + "denied"),
                stats.counter(s + "shadow_allowed"), stats.counter(s + "shadow_denied"), stats.counter(r + "logged"),
                stats.counter(r + "not_logged"));
        return chain -> chain.addReceiverFilter(new RbacFilter(parsed, counters), ReceiverPhase.BEFORE_ROUTE);
    }
}
