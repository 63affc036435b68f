package io.mosn4j.filter.ipaccess;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;

/**
 * MOSN's {@code ip_access}: lets a request through or answers 403 by its client's address, before
 * routing (see {@link IpAccessConfig}). The {@code ips} entries are walked in order: the first
 * that holds the address decides ({@code allow} passes, {@code deny} refuses); when none does,
 * {@code default_action} decides. Refusals are logged at info, at most once a second per filter.
 * Takes no per-route config (it runs before a route is known).
 */
public final class IpAccessFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "ip_access";
    }

    @Override
    public Creator create(ConfigValue config) {
        IpAccessConfig parsed = IpAccessConfig.parse(config);
        String where = config.path().endsWith(".config") ? config.path().substring(0, config.path().length() - 7) : config.path();
        RefusalLog refusals = new RefusalLog("ip_access at " + where);
        return chain -> chain.addReceiverFilter(new IpAccessFilter(parsed, refusals), ReceiverPhase.BEFORE_ROUTE);
    }
}
