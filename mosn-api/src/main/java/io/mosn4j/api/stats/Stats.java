package io.mosn4j.api.stats;

/**
 * Where extensions and the core register their counters, by name (MOSN's metric names where MOSN
 * has one, e.g. {@code downstream.request.overflow}). Asking twice for a name gives the same
 * counter: get it once, when a config is built, and keep it. The admin API shows every counter.
 */
public interface Stats {
    Counter counter(String name);

    /** Counters that go nowhere, for code run outside a proxy (unit tests, config checks). */
    Stats NONE = name -> new Counter() {
        @Override
        public void inc() {}

        @Override
        public void add(long n) {}

        @Override
        public long get() {
            return 0;
        }
    };
}
