package io.mosn4j.admin;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MOSN's Holmes, in the JVM's terms: every {@code CollectInterval} one daemon thread samples the
 * process's CPU use (% of the CPUs it may use), heap use (% of the max heap) and its thread count;
 * when one crosses its trigger a JFR recording of {@code record} is made into {@code DumpPath}
 * ({@code <kind>.<time>.jfr}) and that kind is not recorded again before its {@code CoolDown}.
 * A trigger fires when the value is at least {@code TriggerAbs}, or at least {@code TriggerMin} and
 * {@code TriggerDiff}% above the average of the last 10 samples (Holmes' rule). Never on an event loop.
 */
public final class Holmes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Holmes.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    /** One watched value's trigger; {@code enabled} false: not watched. */
    public record Trigger(boolean enabled, long min, long abs, long diff, Duration coolDown) {}

    public record Settings(Path dumpPath, Duration interval, Duration record, Trigger cpu, Trigger heap, Trigger threads) {}

    private final Settings settings;
    private final Thread thread;
    private volatile boolean stopped;

    private Holmes(Settings settings) {
        this.settings = settings;
        this.thread = Thread.ofPlatform().daemon().name("mosn-holmes").unstarted(this::run);
    }

    public static Holmes start(Settings s) {
        Holmes h = new Holmes(s);
        h.thread.start();
        log.info("holmes: sampling every {} into {} (cpu {}, heap {}, threads {})", s.interval(), s.dumpPath(), s.cpu(), s.heap(), s.threads());
        return h;
    }

    private final class Watch {
        final String kind;
        final Trigger trigger;
        final Deque<Long> history = new ArrayDeque<>();
        long coolUntil;

        Watch(String kind, Trigger trigger) {
            this.kind = kind;
            this.trigger = trigger;
        }

        /** Whether {@code value} should trigger a recording now. */
        boolean crossed(long value, long now) {
            if (!trigger.enabled()) {
                return false;
            }
            double avg = history.stream().mapToLong(Long::longValue).average().orElse(value);
            history.addLast(value);
            if (history.size() > 10) {
                history.removeFirst();
            }
            if (now < coolUntil) {
                return false;
            }
            boolean hit = (trigger.abs() > 0 && value >= trigger.abs())
                    || (value >= trigger.min() && trigger.diff() > 0 && history.size() > 1 && value >= avg * (100 + trigger.diff()) / 100.0);
            if (hit) {
                coolUntil = now + trigger.coolDown().toNanos();
            }
            return hit;
        }
    }

    private void run() {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var memory = ManagementFactory.getMemoryMXBean();
        var threads = ManagementFactory.getThreadMXBean();
        Watch cpu = new Watch("cpu", settings.cpu());
        Watch heap = new Watch("heap", settings.heap());
        Watch thr = new Watch("thread", settings.threads());
        os.getProcessCpuLoad(); // the first reading has no interval behind it
        while (!stopped) {
            try {
                Thread.sleep(settings.interval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            double load = os.getProcessCpuLoad();
            long cpuPct = load < 0 ? 0 : Math.round(load * 100);
            MemoryUsage h = memory.getHeapMemoryUsage();
            long max = h.getMax() > 0 ? h.getMax() : h.getCommitted();
            long heapPct = max <= 0 ? 0 : h.getUsed() * 100 / max;
            long threadCount = threads.getThreadCount();
            if (cpu.crossed(cpuPct, now)) {
                capture("cpu", cpuPct + "%");
            }
            if (heap.crossed(heapPct, now)) {
                capture("heap", heapPct + "%");
            }
            if (thr.crossed(threadCount, now)) {
                capture("thread", threadCount + " threads");
            }
        }
    }

    private void capture(String kind, String value) {
        Path file = settings.dumpPath().resolve(kind + "." + LocalDateTime.now().format(TIME) + ".jfr");
        log.warn("holmes: {} at {} crossed its trigger; recording {} of JFR into {}", kind, value, settings.record(), file);
        try {
            Diagnostics.record(settings.record(), file);
            log.info("holmes: wrote {}", file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        } catch (Exception e) {
            log.warn("holmes: recording into {} failed: {}", file, e.toString());
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
