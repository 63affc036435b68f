package io.mosn4j.api.stats;

/** A count that only grows (refusals, requests, bytes). Thread-safe and cheap to bump from any event loop. */
public interface Counter {
    void inc();

    void add(long n);

    long get();

    /** A counter that keeps nothing: what a metric the config's {@code stats_matcher} rejects is. */
    Counter NONE = new Counter() {
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
