package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * Where a route sends the request and what it changes on the way: the cluster ({@code
 * cluster_name}, else {@code weighted_clusters}, {@code cluster_header} or {@code cluster_variable}),
 * the host metadata to pick among ({@code metadata_match}), timeout and retries, path and host
 * rewrites, headers added to or removed from the request and the response, and how hashing
 * balancers ({@code LB_MAGLEV}, {@code LB_RINGHASH}) key the request ({@code hash_policy}).
 */
public record RouteActionConfig(String clusterName, String clusterHeader, String clusterVariable,
                                List<WeightedClusterConfig> weightedClusters, JsonNode metadataMatch, Duration timeout,
                                RetryPolicyConfig retryPolicy, String prefixRewrite, RegexRewriteConfig regexRewrite,
                                String hostRewrite, Boolean autoHostRewrite, String autoHostRewriteHeader,
                                List<HeaderValueOptionConfig> requestHeadersToAdd, List<String> requestHeadersToRemove,
                                List<HeaderValueOptionConfig> responseHeadersToAdd, List<String> responseHeadersToRemove,
                                List<HashPolicyConfig> hashPolicy) {
    /** What {@code weighted_clusters} weights must add up to (Envoy's default total_weight). */
    public static final int TOTAL_WEIGHT = 100;

    public RouteActionConfig {
        if (timeout != null && timeout.isNegative()) {
            throw new ConfigException("timeout", "must not be negative");
        }
        clusterName = blankToNull(clusterName);
        clusterHeader = blankToNull(clusterHeader);
        clusterVariable = blankToNull(clusterVariable);
        weightedClusters = ConfigLists.copy(weightedClusters, "weighted_clusters");
        if (!weightedClusters.isEmpty()) {
            int total = 0;
            for (WeightedClusterConfig w : weightedClusters) {
                total += w.cluster().weight();
            }
            if (total != TOTAL_WEIGHT) {
                throw new ConfigException("weighted_clusters", "the weights add up to " + total + "; they must add up to " + TOTAL_WEIGHT);
            }
        }
        Metadata.parse(metadataMatch, "metadata_match");
        prefixRewrite = blankToNull(prefixRewrite);
        hostRewrite = blankToNull(hostRewrite);
        autoHostRewrite = autoHostRewrite != null && autoHostRewrite;
        autoHostRewriteHeader = blankToNull(autoHostRewriteHeader);
        requestHeadersToAdd = ConfigLists.copy(requestHeadersToAdd, "request_headers_to_add");
        requestHeadersToRemove = HeaderValueOptionConfig.checkRemovals(requestHeadersToRemove, "request_headers_to_remove");
        responseHeadersToAdd = ConfigLists.copy(responseHeadersToAdd, "response_headers_to_add");
        responseHeadersToRemove = HeaderValueOptionConfig.checkRemovals(responseHeadersToRemove, "response_headers_to_remove");
        hashPolicy = hashPolicy == null ? null : ConfigLists.copy(hashPolicy, "hash_policy"); // null: a dump shows no key
    }

    /** A cluster and a timeout only. */
    public RouteActionConfig(String clusterName, Duration timeout) {
        this(clusterName, null, null, null, null, timeout, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether the action names where requests go, in one of its four ways. */
    public boolean hasCluster() {
        return clusterName != null || clusterHeader != null || clusterVariable != null || !weightedClusters.isEmpty();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
