package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * Where a route sends the request: a cluster, with a timeout, and how hashing balancers
 * ({@code LB_MAGLEV}, {@code LB_RINGHASH}) key the request ({@code hash_policy}).
 */
public record RouteActionConfig(String clusterName, Duration timeout, List<HashPolicyConfig> hashPolicy) {
    public RouteActionConfig {
        if (timeout != null && timeout.isNegative()) {
            throw new ConfigException("timeout", "must not be negative");
        }
        hashPolicy = hashPolicy == null ? null : ConfigLists.copy(hashPolicy, "hash_policy"); // null: a dump shows no key
    }

    public RouteActionConfig(String clusterName, Duration timeout) {
        this(clusterName, timeout, null);
    }
}
