package io.mosn4j.stats;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MOSN's {@code metrics.stats_matcher}: {@code reject_all} makes every metric a no-op; a group with
 * any label named in {@code exclusion_labels} is not kept at all, nor is a key named in {@code
 * exclusion_keys}. Applied when a metric is made, so an excluded one costs nothing per request.
 */
public record StatsMatcher(boolean rejectAll, Set<String> exclusionLabels, Set<String> exclusionKeys) {
    public static final StatsMatcher ALL = new StatsMatcher(false, Set.of(), Set.of());

    public StatsMatcher(boolean rejectAll, List<String> exclusionLabels, List<String> exclusionKeys) {
        this(rejectAll, Set.copyOf(exclusionLabels), Set.copyOf(exclusionKeys));
    }

    boolean rejectsLabels(Map<String, String> labels) {
        return rejectAll || labels.keySet().stream().anyMatch(exclusionLabels::contains);
    }

    boolean rejectsKey(String key) {
        return rejectAll || exclusionKeys.contains(key);
    }
}
