package io.mosn4j.api.stats;

/**
 * A distribution of values (durations in nanoseconds, as MOSN records them). Recording from an
 * event loop costs no allocation and no lock; the percentiles are computed when scraped.
 */
public interface Histogram {
    void record(long value);

    Histogram NONE = value -> {};
}
