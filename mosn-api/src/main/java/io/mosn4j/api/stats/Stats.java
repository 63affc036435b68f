package io.mosn4j.api.stats;

/**
 * Where extensions and the core register their counters, by name (MOSN's metric names where MOSN
 * has one, e.g. {@code downstream.request.overflow}). Asking twice for a name gives the same
 * counter: get it once, when a config is built, and keep it. The admin API shows every counter.
 */
public interface Stats {
    Counter counter(String name);

    /**
     * A MOSN-shaped metrics group of {@code type} with {@code labels} (see {@link StatsScope});
     * the same type and labels give the same group. Metrics from a group are kept per event loop
     * and summed when read, so bumping them on a loop costs no lock and no allocation.
     */
    default StatsScope scope(String type, java.util.Map<String, String> labels) {
        return StatsScope.NONE;
    }

    /**
     * Counters that go nowhere, for code run outside a proxy (unit tests, config checks). A class, not a
     * lambda: the JDK's AOT cache keeps no lambda made in an interface's initializer, and linking one
     * at start costs ~5 ms of method-handle class generation.
     */
    Stats NONE = new Stats() {
        @Override
        public Counter counter(String name) {
            return Counter.NONE;
        }
    };
}
