package io.mosn4j.log;

import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.api.stream.RequestInfo;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's access log outputs ({@code log_path}: a file, {@code stdout} or {@code stderr}),
 * one per path however many listeners write to it, and the one thread that writes them.
 *
 * <p>An event loop formats a finished request's line ({@link AccessLogFormat}, into a per-thread
 * builder) and offers the line to its output's bounded lock-free queue; it never waits. When the
 * queue is full (the disk cannot keep up) the line is dropped and counted ({@link #dropped()}),
 * and the writer says so in the error log, at most once every 10 seconds. The writer thread drains
 * every queue into its file in batches and rolls files as {@code global_log_roller} says.
 */
public final class AccessLogs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLogs.class);
    /** Lines waiting per output: about 4 s at 100k requests/s before any is dropped. */
    static final int QUEUE_LINES = 1 << 16;
    private static final FastThreadLocal<StringBuilder> LINE = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(512);
        }
    };

    private final LogRoller roller;
    private final Map<String, Output> outputs = new ConcurrentHashMap<>();
    private final List<Output> list = new CopyOnWriteArrayList<>();
    private final LongAdder dropped = new LongAdder();
    private final Throttle dropLines = new Throttle(10, TimeUnit.SECONDS);
    private final Thread writer;
    private volatile boolean running = true;

    public AccessLogs(LogRoller roller) {
        this.roller = roller;
        this.writer = Thread.ofPlatform().daemon().name("mosn-accesslog").unstarted(this::run);
        writer.start();
    }

    /**
     * An access log writing {@code format} to {@code path} (a file, {@code stdout} or {@code stderr}).
     *
     * @throws IOException when the file cannot be opened
     */
    public AccessLog open(String path, AccessLogFormat format) throws IOException {
        Output out;
        try {
            out = outputs.computeIfAbsent(key(path), k -> {
                try {
                    Output o = new Output(path, roller);
                    list.add(o);
                    return o;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        Output target = out;
        return request -> target.offer(format, request, dropped);
    }

    private static String key(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.equals("stdout") || p.equals("stderr") ? p : Path.of(path).toAbsolutePath().normalize().toString();
    }

    /** Lines dropped because their queue was full, since start. */
    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        byte[] buf = new byte[64 * 1024];
        long idleNanos = 1_000_000;
        while (true) {
            boolean stopping = !running;
            boolean any = false;
            for (Output o : list) {
                any |= o.drain(buf);
            }
            long d = dropLines.due() >= 0 ? dropped.sum() : -1;
            if (d > 0 && d != lastReported) {
                log.warn("access log: {} lines dropped since start (the log could not be written fast enough)", d);
                lastReported = d;
            }
            if (stopping && !any) {
                return;
            }
            if (any) {
                idleNanos = 1_000_000;
            } else {
                // nobody wakes the writer (that would cost the event loops a system call per line):
                // it looks again soon, less often the longer nothing comes
                LockSupport.parkNanos(idleNanos);
                idleNanos = Math.min(idleNanos * 2, 20_000_000);
            }
        }
    }

    private long lastReported;

    /** Writes what is queued, then closes the files. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Output o : list) {
            o.close();
        }
    }

    private static final class Output {
        private final Queue<String> queue = PlatformDependent.newFixedMpscQueue(QUEUE_LINES);
        private final RollingFile file;
        private final PrintStream console;
        private final String path;

        Output(String path, LogRoller roller) throws IOException {
            this.path = path;
            String p = path.toLowerCase(Locale.ROOT);
            if (p.equals("stdout") || p.equals("stderr")) {
                console = p.equals("stdout") ? System.out : System.err;
                file = null;
            } else {
                console = null;
                file = new RollingFile(Path.of(path), roller);
            }
        }

        /** On an event loop: formats the line and queues it, or drops it when the queue is full. */
        void offer(AccessLogFormat format, RequestInfo request, LongAdder dropped) {
            StringBuilder line = LINE.get();
            line.setLength(0);
            format.appendTo(line, request);
            line.append('\n');
            if (!queue.offer(line.toString())) {
                dropped.increment();
            }
        }

        /** On the writer thread: writes what is queued; whether there was anything. */
        boolean drain(byte[] buf) {
            int n = 0;
            boolean any = false;
            String line;
            while ((line = queue.poll()) != null) {
                any = true;
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                if (n + b.length > buf.length) {
                    write(buf, n);
                    n = 0;
                }
                if (b.length > buf.length) {
                    write(b, b.length);
                } else {
                    System.arraycopy(b, 0, buf, n, b.length);
                    n += b.length;
                }
            }
            if (n > 0) {
                write(buf, n);
            }
            if (any) {
                try {
                    if (file != null) {
                        file.flush();
                    } else {
                        console.flush();
                    }
                } catch (IOException e) {
                    failed(e);
                }
            }
            return any;
        }

        private void write(byte[] b, int len) {
            try {
                if (file != null) {
                    file.write(b, 0, len);
                } else {
                    console.write(b, 0, len);
                }
            } catch (IOException e) {
                failed(e);
            }
        }

        private final Throttle failures = new Throttle(10, TimeUnit.SECONDS);

        private void failed(IOException e) {
            long more = failures.due();
            if (more >= 0) {
                log.warn("access log {}: cannot write: {}{}", path, e.toString(), Throttle.more(more, "failures"));
            }
        }

        void close() {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    log.warn("access log {}: {}", path, e.toString());
                }
            }
        }
    }
}
