package io.mosn4j.api.stats;

/** A value that goes up and down (connections or requests active). As cheap to move as a {@link Counter}. */
public interface Gauge {
    void inc();

    void dec();

    void add(long n);

    long get();

    Gauge NONE = new Gauge() {
        @Override
        public void inc() {}

        @Override
        public void dec() {}

        @Override
        public void add(long n) {}

        @Override
        public long get() {
            return 0;
        }
    };
}
