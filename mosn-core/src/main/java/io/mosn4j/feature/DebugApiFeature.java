package io.mosn4j.feature;

import io.mosn4j.api.feature.Feature;

/**
 * {@code debug_api}: the admin API's {@code POST /debug/update_config}, which replaces listeners,
 * route tables and clusters of the running proxy (MOSN's debug build API). Off by default: anyone
 * who reaches the admin port could reroute traffic with it.
 */
public final class DebugApiFeature implements Feature {
    public static final String NAME = "debug_api";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean enabledByDefault() {
        return false;
    }

    @Override
    public String description() {
        return "admin POST /debug/update_config: add or replace listeners, routers and clusters at runtime";
    }
}
