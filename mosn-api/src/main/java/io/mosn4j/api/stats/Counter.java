package io.mosn4j.api.stats;

/** A count that only grows (refusals, requests, bytes). Thread-safe and cheap to bump from any event loop. */
public interface Counter {
    void inc();

    void add(long n);

    long get();
}
