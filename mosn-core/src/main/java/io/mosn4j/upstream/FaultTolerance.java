package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MOSN's {@code fault_tolerance} stream filter: outlier ejection of hosts that keep failing. Every
 * answer from an upstream host is counted per cluster and host; a response status in
 * {@code exceptionTypes} (default 502, 503, 504, which includes the proxy's own answers for a host
 * it could not reach or that timed out) is an exception. Every {@code timeWindow} (10 s) each
 * cluster's hosts with at least {@code leastWindowCount} (10) calls in the window are compared:
 * a host whose exception rate is at least {@code exceptionRateMultiple} (5) times the cluster's
 * average is taken out of rotation, at most {@code maxIpCount} (1) hosts of a cluster at a time
 * (and, mosn4j's addition, at most {@code maxIpRatio} of its hosts when that is set). An ejected
 * host returns after {@code recoverTime} (15 min); mosn4j backs off: a host ejected again in the
 * window after it returned stays out twice as long, then three times, up to eight.
 *
 * <p>Counted as {@code cluster.NAME.outlier_detection.ejections} and {@code .recoveries}. The
 * bookkeeping runs on one shared timer thread; the filter itself only bumps striped counters.
 */
public final class FaultTolerance implements StreamFilterFactory {
    private static final Logger log = LoggerFactory.getLogger(FaultTolerance.class);
    /** Windows without calls after which a host's statistics are dropped (MOSN's MAX_NO_INVOKE_CYCLE). */
    private static final int IDLE_WINDOWS = 6;
    private static final int MAX_BACKOFF = 8;

    @Override
    public String name() {
        return "fault_tolerance";
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        Settings s = Settings.parse(config);
        if (!s.enabled()) {
            return chain -> {};
        }
        Regulator r = new Regulator(s, context.stats());
        return chain -> chain.addSenderFilter(new Filter(r));
    }

    /** The filter's config, MOSN's keys (camelCase; snake_case is read too). */
    record Settings(boolean enabled, Set<Integer> exceptionTypes, long timeWindowMillis, long leastWindowCount,
                    double exceptionRateMultiple, long maxIpCount, double maxIpRatio, long recoverTimeMillis) {

        private static final Set<String> KEYS = Set.of("enabled", "exceptiontypes", "timewindow", "leastwindowcount",
                "exceptionratemultiple", "maxipcount", "maxipratio", "recovertime", "tasksize");

        static Settings parse(ConfigValue c) {
            for (String k : c.keys()) {
                if (!KEYS.contains(k.replace("_", "").toLowerCase(java.util.Locale.ROOT))) {
                    c.warn(k, "not a key of the fault_tolerance stream filter; ignored");
                }
            }
            boolean enabled = Boolean.parseBoolean(text(c, "enabled", "false"));
            Set<Integer> types = new HashSet<>();
            ConfigValue t = get(c, "exceptionTypes");
            if (t.isMissing()) {
                types.addAll(List.of(502, 503, 504));
            } else {
                for (ConfigValue e : t.elements()) {
                    types.add(integer(e, e.asText("")));
                }
            }
            long window = longValue(c, "timeWindow", 10_000);
            long least = longValue(c, "leastWindowCount", 10);
            double multiple = doubleValue(c, "exceptionRateMultiple", 5);
            long maxIp = longValue(c, "maxIpCount", 1);
            double ratio = doubleValue(c, "maxIpRatio", 0);
            long recover = longValue(c, "recoverTime", 15 * 60_000);
            // MOSN's own checks: a filter it would refuse is refused here too
            if (window < 10) {
                throw get(c, "timeWindow").error("", "must be at least 10 (milliseconds), got " + window);
            }
            if (least <= 0) {
                throw get(c, "leastWindowCount").error("", "must be at least 1, got " + least);
            }
            if (multiple <= 1) {
                throw get(c, "exceptionRateMultiple").error("", "must be above 1, got " + multiple);
            }
            if (maxIp < 0) {
                throw get(c, "maxIpCount").error("", "must not be negative, got " + maxIp);
            }
            if (ratio < 0 || ratio > 1) {
                throw get(c, "maxIpRatio").error("", "must be 0..1, got " + ratio);
            }
            if (recover <= 0) {
                throw get(c, "recoverTime").error("", "must be above 0 (milliseconds), got " + recover);
            }
            return new Settings(enabled, Set.copyOf(types), window, least, multiple, maxIp, ratio, recover);
        }

        /** {@code camelKey} as MOSN spells it, or its snake_case form. */
        private static ConfigValue get(ConfigValue c, String camelKey) {
            ConfigValue v = c.get(camelKey);
            if (!v.isMissing()) {
                return v;
            }
            return c.get(camelKey.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
        }

        private static String text(ConfigValue c, String key, String fallback) {
            return get(c, key).asText(fallback);
        }

        private static long longValue(ConfigValue c, String key, long fallback) {
            ConfigValue v = get(c, key);
            if (v.isMissing()) {
                return fallback;
            }
            try {
                long n = Long.parseLong(v.asText("").trim());
                return n == 0 ? fallback : n; // MOSN fills zero values with the default
            } catch (NumberFormatException e) {
                throw v.error("", "expected an integer, got \"" + v.asText("") + "\"");
            }
        }

        private static double doubleValue(ConfigValue c, String key, double fallback) {
            ConfigValue v = get(c, key);
            if (v.isMissing()) {
                return fallback;
            }
            try {
                double d = Double.parseDouble(v.asText("").trim());
                return d == 0 ? fallback : d;
            } catch (NumberFormatException e) {
                throw v.error("", "expected a number, got \"" + v.asText("") + "\"");
            }
        }

        private static int integer(ConfigValue v, String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw v.error("", "expected a status code, got \"" + s + "\"");
            }
        }
    }

    /** Counts each answered request when its stream ends: status and host are known then, local replies included. */
    private static final class Filter implements StreamSenderFilter {
        private final Regulator regulator;
        private SenderFilterCallbacks callbacks;

        Filter(Regulator regulator) {
            this.regulator = regulator;
        }

        @Override
        public void setSenderCallbacks(SenderFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onResponseHeaders(Headers headers, boolean endStream) {
            return FilterStatus.CONTINUE;
        }

        @Override
        public void onDestroy() {
            RequestInfo info = callbacks == null ? null : callbacks.requestInfo();
            if (info == null || info.responseCode() == 0 || !(info.upstreamHost() instanceof Host host) || info.clusterName() == null) {
                return;
            }
            regulator.record(info.clusterName(), host, regulator.settings.exceptionTypes().contains(info.responseCode()));
        }
    }

    /** One filter config's bookkeeping: per cluster, per host, measured every window on the shared timer. */
    static final class Regulator {
        final Settings settings;
        private final Stats stats;
        private final Map<String, Model> models = new ConcurrentHashMap<>();

        Regulator(Settings settings, Stats stats) {
            this.settings = settings;
            this.stats = stats;
        }

        void record(String cluster, Host host, boolean exception) {
            Model m = models.get(cluster);
            if (m == null) {
                m = models.computeIfAbsent(cluster, c -> new Model(c, this));
            }
            m.record(host, exception);
        }

        /** A model stopped measuring (nothing to measure): it is dropped, and made again on the next call. */
        void idle(Model m) {
            models.remove(m.cluster, m);
        }
    }

    /** A cluster's hosts' calls and exceptions in the current window. */
    private static final class Model {
        final String cluster;
        private final Regulator regulator;
        private final Map<Host, HostStat> hosts = new ConcurrentHashMap<>();
        private final Counter ejections;
        private final Counter recoveries;
        private ScheduledFuture<?> timer; // guarded by this
        private boolean stopped; // guarded by this

        Model(String cluster, Regulator regulator) {
            this.cluster = cluster;
            this.regulator = regulator;
            this.ejections = regulator.stats.counter("cluster." + cluster + ".outlier_detection.ejections");
            this.recoveries = regulator.stats.counter("cluster." + cluster + ".outlier_detection.recoveries");
        }

        void record(Host host, boolean exception) {
            HostStat s = hosts.get(host);
            if (s == null) {
                s = hosts.computeIfAbsent(host, HostStat::new);
            }
            s.calls.increment();
            if (exception) {
                s.exceptions.increment();
            }
            if (timer == null) {
                start();
            }
        }

        private synchronized void start() {
            if (timer == null && !stopped) {
                long w = regulator.settings.timeWindowMillis();
                timer = SCHEDULER.scheduleAtFixedRate(this::measure, w, w, TimeUnit.MILLISECONDS);
            }
        }

        /** MOSN's measure: recover hosts whose time is up, then eject hosts far worse than the average. */
        private void measure() {
            try {
                Settings s = regulator.settings;
                long now = System.nanoTime();
                int ejected = 0;
                List<HostStat> window = new ArrayList<>();
                for (HostStat h : hosts.values()) {
                    long calls = h.calls.sumThenReset();
                    long exceptions = h.exceptions.sumThenReset();
                    if (h.ejectedAt != 0) {
                        if (now - h.ejectedAt >= TimeUnit.MILLISECONDS.toNanos(s.recoverTimeMillis()) * h.backoff) {
                            h.ejectedAt = 0;
                            h.returnedAt = now;
                            if (h.host.clearHealthFlag(Host.FAILED_OUTLIER_CHECK)) {
                                recoveries.inc();
                                log.info("cluster {}: host {} returns after its outlier ejection", cluster, h.host.address());
                            }
                        } else {
                            ejected++;
                            continue;
                        }
                    }
                    if (calls == 0) {
                        if (++h.idleWindows >= IDLE_WINDOWS) {
                            hosts.remove(h.host, h);
                        }
                        continue;
                    }
                    h.idleWindows = 0;
                    h.windowCalls = calls;
                    h.windowExceptions = exceptions;
                    if (calls >= s.leastWindowCount()) {
                        window.add(h);
                    }
                }
                long sumCalls = 0;
                long sumExceptions = 0;
                for (HostStat h : window) {
                    sumCalls += h.windowCalls;
                    sumExceptions += h.windowExceptions;
                }
                if (sumCalls > 0 && sumExceptions > 0) {
                    double average = (double) sumExceptions / sumCalls;
                    long cap = s.maxIpCount();
                    if (s.maxIpRatio() > 0) {
                        cap = Math.min(cap, (long) Math.floor(s.maxIpRatio() * Math.max(1, hosts.size())));
                    }
                    for (HostStat h : window) {
                        double rate = (double) h.windowExceptions / h.windowCalls;
                        if (rate / average >= s.exceptionRateMultiple() && ejected < cap) {
                            boolean soonAgain = h.returnedAt != 0 && now - h.returnedAt
                                    < TimeUnit.MILLISECONDS.toNanos(s.timeWindowMillis()) * 2;
                            h.backoff = soonAgain ? Math.min(MAX_BACKOFF, h.backoff + 1) : 1;
                            h.ejectedAt = now;
                            ejected++;
                            ejections.inc();
                            h.host.setHealthFlag(Host.FAILED_OUTLIER_CHECK);
                            log.info("cluster {}: host {} ejected as an outlier ({} of {} calls failed, {}x the cluster's rate) for {} ms",
                                    cluster, h.host.address(), h.windowExceptions, h.windowCalls, String.format("%.1f", rate / average),
                                    s.recoverTimeMillis() * h.backoff);
                        }
                    }
                }
                if (hosts.isEmpty()) {
                    stop();
                }
            } catch (RuntimeException e) {
                log.warn("fault_tolerance: measuring cluster {} failed: {}", cluster, e.toString(), e);
            }
        }

        private synchronized void stop() {
            stopped = true;
            if (timer != null) {
                timer.cancel(false);
            }
            regulator.idle(this);
        }
    }

    private static final class HostStat {
        final Host host;
        final LongAdder calls = new LongAdder();
        final LongAdder exceptions = new LongAdder();
        // measured on the timer thread only
        long windowCalls;
        long windowExceptions;
        long ejectedAt;
        long returnedAt;
        int backoff = 1;
        int idleWindows;

        HostStat(Host host) {
            this.host = host;
        }
    }

    /** The one timer thread every fault_tolerance filter measures on; a daemon, so it never holds the process. */
    private static final ScheduledExecutorService SCHEDULER = scheduler();

    private static ScheduledExecutorService scheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "mosn-fault-tolerance");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        return s;
    }
}
