package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;

/**
 * {@code request_mirror_policies}: a copy of {@code percent} % of the route's requests also goes
 * to {@code cluster}, and its answer is dropped. MOSN writes one object; a list of them is read too.
 */
public record MirrorPolicyConfig(String cluster, Integer percent, Boolean traceSampled) {
    public MirrorPolicyConfig {
        if (cluster == null || cluster.isBlank()) {
            throw new ConfigException("cluster", "required");
        }
        percent = percent == null ? 0 : percent;
        if (percent < 0 || percent > 100) {
            throw new ConfigException("percent", "must be 0..100, got " + percent);
        }
    }
}
