package io.mosn4j.stats;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The process's counters by name: striped adders, so event loops never contend on one. */
public final class StatsRegistry implements Stats {
    private final ConcurrentHashMap<String, Adder> counters = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> new Adder());
    }

    /** Every counter and its value, by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private static final class Adder implements Counter {
        private final LongAdder value = new LongAdder();

        @Override
        public void inc() {
            value.increment();
        }

        @Override
        public void add(long n) {
            value.add(n);
        }

        @Override
        public long get() {
            return value.sum();
        }
    }
}
