package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;

/** One of {@code weighted_clusters}: {@code {"cluster": {"name", "weight", "metadata_match"}}}. */
public record WeightedClusterConfig(ClusterWeightConfig cluster) {
    public WeightedClusterConfig {
        if (cluster == null) {
            throw new ConfigException("cluster", "required: {\"name\": ..., \"weight\": ...}");
        }
    }

    /** A cluster's share of a route's requests, and the host metadata those requests ask for. */
    public record ClusterWeightConfig(String name, Integer weight, JsonNode metadataMatch) {
        public ClusterWeightConfig {
            if (name == null || name.isBlank()) {
                throw new ConfigException("name", "required");
            }
            weight = weight == null ? 0 : weight;
            if (weight < 0) {
                throw new ConfigException("weight", "must not be negative, got " + weight);
            }
            Metadata.parse(metadataMatch, "metadata_match");
        }
    }
}
