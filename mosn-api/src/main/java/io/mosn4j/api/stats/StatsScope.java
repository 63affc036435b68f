package io.mosn4j.api.stats;

/**
 * One MOSN metrics group: a type ({@code downstream}, {@code upstream}, or an extension's own) and
 * its labels ({@code listener="x"}, {@code cluster="c",host="h"}), holding metrics by key
 * ({@code request_total}). Exposed to Prometheus as {@code <type>_<key>{labels}}. Asking twice for
 * a key gives the same metric: get them when a config is built and keep them. The config's
 * {@code stats_matcher} may make any of them a no-op.
 */
public interface StatsScope {
    Counter counter(String key);

    Gauge gauge(String key);

    Histogram histogram(String key);

    StatsScope NONE = new StatsScope() {
        @Override
        public Counter counter(String key) {
            return Stats.NONE.counter(key);
        }

        @Override
        public Gauge gauge(String key) {
            return Gauge.NONE;
        }

        @Override
        public Histogram histogram(String key) {
            return Histogram.NONE;
        }
    };
}
