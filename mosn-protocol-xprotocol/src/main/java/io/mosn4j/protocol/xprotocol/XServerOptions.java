package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;

/**
 * The downstream settings of an RPC protocol, from a {@code proxy} filter's {@code extend_config}:
 * flat, or under the protocol's name ({@code "bolt": {...}}, MOSN's per-protocol form, which an
 * {@code Auto} listener uses to set each protocol apart; the named block wins).
 *
 * @param maxConcurrentRequests requests a connection may have in flight (routed and not answered);
 *     one more is answered at once with the protocol's overflow error (bolt 4, dubbo 40, tars -9),
 *     or dropped when it is one-way, as HTTP/2 refuses streams past {@code max_concurrent_streams}
 */
record XServerOptions(Long maxConcurrentRequests) {
    /**
     * Far above what one client connection carries (a SOFABolt or Dubbo server answers "busy" past
     * its thread pool, 200 by default), yet enough for a sidecar that carries a whole application's
     * calls to one host over one connection, as MOSN-to-MOSN meshes do.
     */
    static final long DEFAULT_MAX_CONCURRENT_REQUESTS = 10_000;

    static final XServerOptions DEFAULTS = new XServerOptions(null);

    XServerOptions {
        if (maxConcurrentRequests == null || maxConcurrentRequests == 0) {
            maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        } else if (maxConcurrentRequests < 0 || maxConcurrentRequests > Integer.MAX_VALUE) {
            throw new ConfigException("max_concurrent_requests", "must be 1.." + Integer.MAX_VALUE + ", got " + maxConcurrentRequests);
        }
    }

    static XServerOptions parse(ConfigValue extendConfig, String protocol) {
        if (extendConfig.isMissing() || !extendConfig.isObject()) {
            return DEFAULTS;
        }
        ConfigValue nested = extendConfig.get(protocol);
        ConfigValue source = nested.isObject() && !nested.get("max_concurrent_requests").isMissing() ? nested : extendConfig;
        XServerOptions o = source.as(XServerOptions.class);
        return o == null ? DEFAULTS : o;
    }

    int maxConcurrentRequestsInt() {
        return maxConcurrentRequests.intValue();
    }
}
