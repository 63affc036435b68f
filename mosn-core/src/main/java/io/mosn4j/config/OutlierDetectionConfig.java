package io.mosn4j.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;

/**
 * A cluster's {@code outlier_detection}: mosn4j's addition to MOSN's cluster, with Envoy's field
 * names, meanings and defaults (durations as Go durations, {@code "10s"}), so an xDS cluster's
 * converts field by field. A host is ejected — out of rotation, like a failed health check — when
 * it answers {@code consecutive_5xx} 5xx in a row (5; {@code enforcing_consecutive_5xx}% of the
 * time, 100), {@code consecutive_gateway_failure} 502/503/504 in a row (5; enforced 0% by
 * default, as in Envoy), or, checked every {@code interval} (10s), when its success rate falls
 * below the cluster's mean by {@code success_rate_stdev_factor}/1000 standard deviations (1900;
 * among at least {@code success_rate_minimum_hosts} hosts with {@code success_rate_request_volume}
 * requests in the interval: 5, 100; enforced 100%) or its failure share reaches
 * {@code failure_percentage_threshold}% (85; with {@code failure_percentage_request_volume}
 * requests, 50, in a cluster of at least {@code failure_percentage_minimum_hosts}, 5; enforced 0%).
 * A connect failure counts as a 503, a timeout as a 504. It returns after
 * {@code base_ejection_time} (30s) times the number of times it was ejected, at most
 * {@code max_ejection_time} (300s or the base time, whichever is larger), plus up to
 * {@code max_ejection_time_jitter}; at most {@code max_ejection_percent}% (10) of the hosts are out
 * at once, but one always may be with {@code always_eject_one_host}.
 */
public record OutlierDetectionConfig(
        @JsonProperty("consecutive_5xx") Integer consecutive5xx,
        Duration interval,
        Duration baseEjectionTime,
        Integer maxEjectionPercent,
        @JsonProperty("enforcing_consecutive_5xx") Integer enforcingConsecutive5xx,
        Integer enforcingSuccessRate,
        Integer successRateMinimumHosts,
        Integer successRateRequestVolume,
        Integer successRateStdevFactor,
        Integer consecutiveGatewayFailure,
        Integer enforcingConsecutiveGatewayFailure,
        Integer failurePercentageThreshold,
        Integer enforcingFailurePercentage,
        Integer failurePercentageMinimumHosts,
        Integer failurePercentageRequestVolume,
        Duration maxEjectionTime,
        Duration maxEjectionTimeJitter,
        Boolean alwaysEjectOneHost) {

    public OutlierDetectionConfig {
        consecutive5xx = count(consecutive5xx, 5, "consecutive_5xx");
        interval = positive(interval, Duration.ofSeconds(10), "interval");
        baseEjectionTime = positive(baseEjectionTime, Duration.ofSeconds(30), "base_ejection_time");
        maxEjectionPercent = percent(maxEjectionPercent, 10, "max_ejection_percent");
        enforcingConsecutive5xx = percent(enforcingConsecutive5xx, 100, "enforcing_consecutive_5xx");
        enforcingSuccessRate = percent(enforcingSuccessRate, 100, "enforcing_success_rate");
        successRateMinimumHosts = count(successRateMinimumHosts, 5, "success_rate_minimum_hosts");
        successRateRequestVolume = count(successRateRequestVolume, 100, "success_rate_request_volume");
        successRateStdevFactor = count(successRateStdevFactor, 1900, "success_rate_stdev_factor");
        consecutiveGatewayFailure = count(consecutiveGatewayFailure, 5, "consecutive_gateway_failure");
        enforcingConsecutiveGatewayFailure = percent(enforcingConsecutiveGatewayFailure, 0, "enforcing_consecutive_gateway_failure");
        failurePercentageThreshold = percent(failurePercentageThreshold, 85, "failure_percentage_threshold");
        enforcingFailurePercentage = percent(enforcingFailurePercentage, 0, "enforcing_failure_percentage");
        failurePercentageMinimumHosts = count(failurePercentageMinimumHosts, 5, "failure_percentage_minimum_hosts");
        failurePercentageRequestVolume = count(failurePercentageRequestVolume, 50, "failure_percentage_request_volume");
        Duration longest = baseEjectionTime.compareTo(Duration.ofSeconds(300)) > 0 ? baseEjectionTime : Duration.ofSeconds(300);
        maxEjectionTime = positive(maxEjectionTime, longest, "max_ejection_time");
        if (maxEjectionTimeJitter != null && maxEjectionTimeJitter.isNegative()) {
            throw new ConfigException("max_ejection_time_jitter", "must not be negative");
        }
        maxEjectionTimeJitter = maxEjectionTimeJitter == null ? Duration.ZERO : maxEjectionTimeJitter;
        alwaysEjectOneHost = alwaysEjectOneHost != null && alwaysEjectOneHost;
    }

    private static Integer count(Integer v, int fallback, String field) {
        if (v != null && v < 0) {
            throw new ConfigException(field, "must not be negative, got " + v);
        }
        return v == null ? fallback : v;
    }

    private static Integer percent(Integer v, int fallback, String field) {
        if (v != null && (v < 0 || v > 100)) {
            throw new ConfigException(field, "must be 0..100, got " + v);
        }
        return v == null ? fallback : v;
    }

    private static Duration positive(Duration d, Duration fallback, String field) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new ConfigException(field, "must be above 0");
        }
        return d == null ? fallback : d;
    }
}
