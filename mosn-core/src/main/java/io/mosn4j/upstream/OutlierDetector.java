package io.mosn4j.upstream;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.config.OutlierDetectionConfig;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's {@code outlier_detection} (Envoy's passive outlier detection, see
 * {@link OutlierDetectionConfig}): every answer of a host is told to its {@link HostState} by the
 * event loop that got it; a run of failures ejects the host at once, and every {@code interval}
 * the hosts due back return and the success-rate and failure-percentage checks run. An ejected
 * host has {@link Host#FAILED_OUTLIER_CHECK} set (the flag MOSN's {@code fault_tolerance} filter
 * sets too), so every loop's balancer skips it.
 *
 * <p>Counters under {@code cluster.NAME.outlier_detection.}: {@code ejections} and
 * {@code recoveries} (the {@code fault_tolerance} filter's names), and Envoy's
 * {@code ejections_enforced_total}, {@code ejections_overflow} (ejections refused by
 * {@code max_ejection_percent}) and {@code ejections_enforced_…}/{@code ejections_detected_…}
 * per check ({@code consecutive_5xx}, {@code consecutive_gateway_failure}, {@code success_rate},
 * {@code failure_percentage}).
 *
 * <p>Threading: results come from any event loop (atomic counters; the rare ejection takes this
 * object's lock); the interval runs on one event loop and takes no longer than a pass over the
 * hosts; host changes come from the cluster manager.
 */
final class OutlierDetector {
    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    /** What found a host failing. */
    enum Check {
        CONSECUTIVE_5XX("consecutive_5xx"),
        CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
        SUCCESS_RATE("success_rate"),
        FAILURE_PERCENTAGE("failure_percentage");

        final String statName;

        Check(String statName) {
            this.statName = statName;
        }
    }

    private final String cluster;
    final OutlierDetectionConfig config;
    private final EventLoop loop;
    private final Map<Host, HostState> hosts = new IdentityHashMap<>(); // guarded by this
    private final Counter ejections;
    private final Counter recoveries;
    private final Counter enforcedTotal;
    private final Counter overflow;
    private final Counter[] enforced = new Counter[Check.values().length];
    private final Counter[] detected = new Counter[Check.values().length];
    private ScheduledFuture<?> timer; // guarded by this
    private volatile double successRateAverage = -1;
    private volatile double successRateThreshold = -1;

    OutlierDetector(String cluster, OutlierDetectionConfig config, EventLoop loop, Stats stats) {
        this.cluster = cluster;
        this.config = config;
        this.loop = loop;
        String p = "cluster." + cluster + ".outlier_detection.";
        ejections = stats.counter(p + "ejections");
        recoveries = stats.counter(p + "recoveries");
        enforcedTotal = stats.counter(p + "ejections_enforced_total");
        overflow = stats.counter(p + "ejections_overflow");
        for (Check c : Check.values()) {
            enforced[c.ordinal()] = stats.counter(p + "ejections_enforced_" + c.statName);
            detected[c.ordinal()] = stats.counter(p + "ejections_detected_" + c.statName);
        }
    }

    /** Starts the interval. */
    synchronized void start() {
        long ms = config.interval().toMillis();
        timer = loop.scheduleAtFixedRate(this::interval, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops for good (the cluster went, or its {@code outlier_detection} changed): the hosts it
     * ejected return, as when a {@code health_check} is removed.
     */
    synchronized void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
        for (HostState s : hosts.values()) {
            if (s.host.outlier == s) {
                s.host.outlier = null;
            }
            if (s.ejected) {
                s.host.clearHealthFlag(Host.FAILED_OUTLIER_CHECK);
            }
        }
        hosts.clear();
    }

    /** The cluster's hosts now: hosts that stay keep their record, new ones start clean. */
    synchronized void setHosts(List<Host> now) {
        Map<Host, HostState> kept = new IdentityHashMap<>();
        for (Host h : now) {
            HostState s = hosts.get(h);
            kept.put(h, s != null ? s : new HostState(h, this));
            h.outlier = kept.get(h);
        }
        hosts.clear();
        hosts.putAll(kept);
    }

    /** The mean success rate of the last interval's success-rate check (percent), or -1 when it did not run. */
    double successRateAverage() {
        return successRateAverage;
    }

    /** The success rate below which the last interval ejected (percent), or -1. */
    double successRateEjectionThreshold() {
        return successRateThreshold;
    }

    /** One host's record. Results arrive from any event loop. */
    static final class HostState {
        final Host host;
        private final OutlierDetector detector;
        private final AtomicInteger consecutive5xx = new AtomicInteger();
        private final AtomicInteger consecutiveGateway = new AtomicInteger();
        private final LongAdder calls = new LongAdder();
        private final LongAdder failures = new LongAdder();
        // guarded by the detector
        private boolean ejected;
        private long returnsAt;
        /** How many times over the base ejection time the next ejection lasts, less one. */
        private int ejectionCount;
        /** The success rate of the last interval (percent), -1 when the host had too few calls. */
        volatile double successRate = -1;

        HostState(Host host, OutlierDetector detector) {
            this.host = host;
            this.detector = detector;
        }

        /** An answer's status; a connect failure is 503, a timeout 504 (Envoy's mapping of local failures). */
        void result(int status) {
            if (status < 100) {
                return;
            }
            calls.increment();
            if (status < 500) {
                if (consecutive5xx.get() != 0) {
                    consecutive5xx.set(0);
                }
                if (consecutiveGateway.get() != 0) {
                    consecutiveGateway.set(0);
                }
                return;
            }
            failures.increment();
            OutlierDetectionConfig c = detector.config;
            if (reached(consecutive5xx.incrementAndGet(), c.consecutive5xx())) {
                detector.found(this, Check.CONSECUTIVE_5XX, c.enforcingConsecutive5xx());
            }
            if (status < 502 || status > 504) {
                consecutiveGateway.set(0);
            } else if (reached(consecutiveGateway.incrementAndGet(), c.consecutiveGatewayFailure())) {
                detector.found(this, Check.CONSECUTIVE_GATEWAY_FAILURE, c.enforcingConsecutiveGatewayFailure());
            }
        }

        /** The run reached the threshold, or another threshold's worth after an ejection the cap or the dice refused. */
        private static boolean reached(int run, int threshold) {
            return threshold > 0 && run % threshold == 0;
        }
    }

    /** {@code check} found {@code s} failing: ejected {@code enforcing}% of the time, if the cap allows. */
    private synchronized void found(HostState s, Check check, int enforcing) {
        if (s.detector != this || hosts.get(s.host) != s || s.ejected) {
            return; // a host no longer this detector's, or out already
        }
        detected[check.ordinal()].inc();
        if (enforcing <= 0 || ThreadLocalRandom.current().nextInt(100) >= enforcing) {
            return;
        }
        int out = 0;
        for (HostState h : hosts.values()) {
            out += h.ejected ? 1 : 0;
        }
        boolean oneAllowed = config.alwaysEjectOneHost() && out == 0;
        if (!oneAllowed && (out + 1) * 100L > (long) config.maxEjectionPercent() * hosts.size()) {
            overflow.inc();
            return;
        }
        long base = config.baseEjectionTime().toNanos();
        long forNanos = Math.min(base * (s.ejectionCount + 1), Math.max(base, config.maxEjectionTime().toNanos()));
        long jitter = config.maxEjectionTimeJitter().toNanos();
        if (jitter > 0) {
            forNanos += ThreadLocalRandom.current().nextLong(jitter + 1);
        }
        s.ejected = true;
        s.ejectionCount++;
        s.returnsAt = System.nanoTime() + forNanos;
        s.consecutive5xx.set(0);
        s.consecutiveGateway.set(0);
        enforced[check.ordinal()].inc();
        enforcedTotal.inc();
        ejections.inc();
        s.host.setHealthFlag(Host.FAILED_OUTLIER_CHECK);
        log.info("cluster {}: host {} ejected as an outlier ({}) for {} ms", cluster, s.host.address(), check.statName,
                TimeUnit.NANOSECONDS.toMillis(forNanos));
    }

    /** Every {@code interval}: hosts due back return; the success-rate and failure-percentage checks run on the interval's calls. */
    private void interval() {
        try {
            List<HostState> checked = new ArrayList<>();
            List<long[]> counts = new ArrayList<>();
            synchronized (this) {
                long now = System.nanoTime();
                for (HostState s : hosts.values()) {
                    long calls = s.calls.sumThenReset();
                    long failures = s.failures.sumThenReset();
                    s.successRate = -1;
                    if (s.ejected) {
                        if (now - s.returnsAt >= 0) {
                            s.ejected = false;
                            if (s.host.clearHealthFlag(Host.FAILED_OUTLIER_CHECK)) {
                                recoveries.inc();
                            }
                            log.info("cluster {}: host {} returns after its outlier ejection", cluster, s.host.address());
                        }
                        continue;
                    }
                    if (s.ejectionCount > 0) {
                        s.ejectionCount--; // a quiet interval shortens the next ejection again
                    }
                    checked.add(s);
                    counts.add(new long[] {calls, failures});
                }
            }
            successRate(checked, counts);
            failurePercentage(checked, counts);
        } catch (RuntimeException e) {
            log.warn("cluster {}: outlier detection interval failed: {}", cluster, e.toString(), e);
        }
    }

    /** Hosts whose success rate is below mean − stdev × factor/1000, among enough hosts with enough calls. */
    private void successRate(List<HostState> checked, List<long[]> counts) {
        List<HostState> hs = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < checked.size(); i++) {
            long calls = counts.get(i)[0];
            if (calls > 0 && calls >= config.successRateRequestVolume()) {
                double rate = 100.0 * (calls - counts.get(i)[1]) / calls;
                checked.get(i).successRate = rate;
                hs.add(checked.get(i));
                rates.add(rate);
            }
        }
        if (hs.isEmpty() || hs.size() < config.successRateMinimumHosts()) {
            successRateAverage = -1;
            successRateThreshold = -1;
            return;
        }
        double mean = 0;
        for (double r : rates) {
            mean += r;
        }
        mean /= rates.size();
        double variance = 0;
        for (double r : rates) {
            variance += (r - mean) * (r - mean);
        }
        double threshold = mean - Math.sqrt(variance / rates.size()) * config.successRateStdevFactor() / 1000.0;
        successRateAverage = mean;
        successRateThreshold = Math.max(threshold, -1);
        for (int i = 0; i < hs.size(); i++) {
            if (rates.get(i) < threshold) {
                found(hs.get(i), Check.SUCCESS_RATE, config.enforcingSuccessRate());
            }
        }
    }

    /** Hosts with enough calls whose failures reach {@code failure_percentage_threshold}%, in a cluster of enough hosts. */
    private void failurePercentage(List<HostState> checked, List<long[]> counts) {
        int size;
        synchronized (this) {
            size = hosts.size();
        }
        if (size < config.failurePercentageMinimumHosts()) {
            return;
        }
        for (int i = 0; i < checked.size(); i++) {
            long calls = counts.get(i)[0];
            if (calls > 0 && calls >= config.failurePercentageRequestVolume()
                    && 100.0 * counts.get(i)[1] / calls >= config.failurePercentageThreshold()) {
                found(checked.get(i), Check.FAILURE_PERCENTAGE, config.enforcingFailurePercentage());
            }
        }
    }
}
