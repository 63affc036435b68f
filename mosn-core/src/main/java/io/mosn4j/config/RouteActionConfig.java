package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;

/** Where a route sends the request: a cluster, with a timeout. */
public record RouteActionConfig(String clusterName, Duration timeout) {
    public RouteActionConfig {
        if (timeout != null && timeout.isNegative()) {
            throw new ConfigException("timeout", "must not be negative");
        }
    }
}
