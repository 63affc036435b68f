package io.mosn4j.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.util.List;
import java.util.Map;

/**
 * A route: what it matches and what it does (forward to a cluster, redirect, or answer directly;
 * MOSN's precedence when several are written: direct_response, then redirect, then route), copies
 * to mirror, and per-filter settings that replace a stream filter's listener-level config for its
 * requests.
 */
public record RouteConfig(String name, RouteMatchConfig match, RouteActionConfig route, RedirectConfig redirect,
                          DirectResponseConfig directResponse,
                          @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<MirrorPolicyConfig> requestMirrorPolicies,
                          Map<String, JsonNode> perFilterConfig) {
    public RouteConfig {
        match = match == null ? RouteMatchConfig.any() : match;
        requestMirrorPolicies = ConfigLists.copy(requestMirrorPolicies, "request_mirror_policies");
        perFilterConfig = perFilterConfig == null ? Map.of() : Map.copyOf(perFilterConfig);
        if (route == null && directResponse == null && redirect == null) {
            throw new ConfigException("route", "required (or give redirect or direct_response)");
        }
        if (route != null && directResponse == null && redirect == null && !route.hasCluster()) {
            throw new ConfigException("route.cluster_name", "required (or weighted_clusters, cluster_header or cluster_variable)");
        }
    }

    /** Without redirect or mirrors. */
    public RouteConfig(String name, RouteMatchConfig match, RouteActionConfig route, DirectResponseConfig directResponse,
                       Map<String, JsonNode> perFilterConfig) {
        this(name, match, route, null, directResponse, null, perFilterConfig);
    }
}
