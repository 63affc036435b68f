package io.mosn4j.stats;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Gauge;
import io.mosn4j.api.stats.Histogram;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The process's metrics. Flat counters by name ({@link #counter}: rare events such as refusals,
 * striped adders) and MOSN's metrics groups ({@link #scope}: {@code downstream} per listener,
 * {@code upstream} per cluster and per host), whose counters are {@link LoopTally} rows and histograms
 * {@link LoopHistogram}s: per event loop, summed on read. {@link #groups()} and {@link #snapshot()}
 * are what the admin API and the Prometheus sink show.
 */
public final class StatsRegistry implements Stats {
    private final int loops;
    private final StatsMatcher matcher;
    private final ConcurrentHashMap<String, Adder> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<GroupKey, Group> groups = new ConcurrentHashMap<>();

    /** For code without event loops (tests): histograms count in their shared cells. */
    public StatsRegistry() {
        this(0, StatsMatcher.ALL);
    }

    public StatsRegistry(int loops, StatsMatcher matcher) {
        this.loops = loops;
        this.matcher = matcher;
    }

    @Override
    public Counter counter(String name) {
        if (matcher.rejectsKey(name)) {
            return Stats.NONE.counter(name);
        }
        return counters.computeIfAbsent(name, n -> new Adder());
    }

    @Override
    public StatsScope scope(String type, Map<String, String> labels) {
        if (matcher.rejectsLabels(labels)) {
            return StatsScope.NONE;
        }
        GroupKey key = new GroupKey(type, new TreeMap<>(labels));
        return groups.computeIfAbsent(key, k -> new Group(k, loops, matcher));
    }

    /** Forgets a group (a removed cluster or host), so it is no longer shown. */
    public void remove(String type, Map<String, String> labels) {
        groups.remove(new GroupKey(type, new TreeMap<>(labels)));
    }

    /** The flat counters and their values, by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every group, by type then labels. */
    public List<Group> groups() {
        List<Group> all = new ArrayList<>(groups.values());
        all.sort((a, b) -> a.key.compareTo(b.key));
        return all;
    }

    record GroupKey(String type, TreeMap<String, String> labels) implements Comparable<GroupKey> {
        // written out: a record's generated equals and hashCode link through method handles the JDK spins at
        // their first call (~5 ms of a start, before the first request), and these are the first a start calls
        @Override
        public boolean equals(Object o) {
            return o instanceof GroupKey k && type.equals(k.type) && labels.equals(k.labels);
        }

        @Override
        public int hashCode() {
            return 31 * type.hashCode() + labels.hashCode();
        }

        @Override
        public int compareTo(GroupKey o) {
            int c = type.compareTo(o.type);
            return c != 0 ? c : labels.toString().compareTo(o.labels.toString());
        }
    }

    /** The kind of one metric of a group. */
    public enum Kind { COUNTER, GAUGE, HISTOGRAM }

    /** One metric's value as read: a number, or a histogram's snapshot. */
    public record Value(String key, Kind kind, long number, LoopHistogram.Snapshot histogram) {}

    /** One metrics group. */
    public static final class Group implements StatsScope {
        /** Counter slots per group: MOSN's upstream group has ~40 metrics. */
        static final int SLOTS = 48;
        private final GroupKey key;
        private final int loops;
        private final StatsMatcher matcher;
        /** The group's counters and gauges, a slot each (at most {@link #SLOTS}; more are striped adders). */
        private final LoopTally cells = new LoopTally(SLOTS);
        private final Map<String, Object> metrics = Collections.synchronizedMap(new LinkedHashMap<>());
        private int slots;

        Group(GroupKey key, int loops, StatsMatcher matcher) {
            this.key = key;
            this.loops = loops;
            this.matcher = matcher;
        }

        public String type() {
            return key.type;
        }

        /** Labels sorted by name. */
        public Map<String, String> labels() {
            return key.labels;
        }

        @Override
        public Counter counter(String name) {
            if (matcher.rejectsKey(name)) {
                return Stats.NONE.counter(name);
            }
            return (Counter) metrics.computeIfAbsent(name, n -> {
                int slot = nextSlot();
                return slot < 0 ? new Adder() : new CellCounter(cells, slot);
            });
        }

        @Override
        public Gauge gauge(String name) {
            if (matcher.rejectsKey(name)) {
                return Gauge.NONE;
            }
            return (Gauge) metrics.computeIfAbsent(name, n -> {
                int slot = nextSlot();
                return slot < 0 ? new AdderGauge() : new CellGauge(cells, slot);
            });
        }

        @Override
        public Histogram histogram(String name) {
            if (matcher.rejectsKey(name)) {
                return Histogram.NONE;
            }
            return (Histogram) metrics.computeIfAbsent(name, n -> new LoopHistogram(loops));
        }

        private int nextSlot() {
            return slots < SLOTS ? slots++ : -1;
        }

        /** Every metric's value now, in the order they were made. */
        public List<Value> values() {
            List<Value> out = new ArrayList<>();
            synchronized (metrics) {
                metrics.forEach((k, m) -> {
                    switch (m) {
                        case Counter c -> out.add(new Value(k, Kind.COUNTER, c.get(), null));
                        case Gauge g -> out.add(new Value(k, Kind.GAUGE, g.get(), null));
                        case LoopHistogram h -> out.add(new Value(k, Kind.HISTOGRAM, 0, h.snapshot()));
                        default -> {}
                    }
                });
            }
            return out;
        }
    }

    private record CellCounter(LoopTally cells, int slot) implements Counter {
        @Override
        public void inc() {
            cells.add(slot, 1);
        }

        @Override
        public void add(long n) {
            cells.add(slot, n);
        }

        @Override
        public long get() {
            return cells.sum(slot);
        }
    }

    private record CellGauge(LoopTally cells, int slot) implements Gauge {
        @Override
        public void inc() {
            cells.add(slot, 1);
        }

        @Override
        public void dec() {
            cells.add(slot, -1);
        }

        @Override
        public void add(long n) {
            cells.add(slot, n);
        }

        @Override
        public long get() {
            return cells.sum(slot);
        }
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

    private static final class AdderGauge implements Gauge {
        private final LongAdder value = new LongAdder();

        @Override
        public void inc() {
            value.increment();
        }

        @Override
        public void dec() {
            value.decrement();
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
