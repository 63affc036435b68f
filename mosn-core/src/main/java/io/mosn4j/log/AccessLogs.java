package io.mosn4j.log;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's access log outputs ({@code log_path}: a file, {@code stdout} or {@code stderr}),
 * one per path however many listeners write to it, and the one thread that writes them.
 *
 * <p>An event loop formats a finished request's line ({@link AccessLogFormat}, as UTF-8) straight
 * into a chunk of its own for that output (32 KiB); a full chunk, or one 50 ms old, goes to the
 * output's bounded lock-free queue. The loop never waits: when the queue is
 * full (the disk cannot keep up) the chunk's lines are dropped and counted ({@link #dropped()}),
 * and the writer says so in the error log, at most once every 10 seconds. The writer thread drains
 * every queue into its file and rolls files as {@code global_log_roller} says. Per line there is
 * no lock, no shared write and no allocation.
 */
public final class AccessLogs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLogs.class);
    private final LogRoller roller;
    private final Map<String, Output> outputs = new ConcurrentHashMap<>();
    private final List<Output> list = new CopyOnWriteArrayList<>();
    private final Counter dropped;
    private final Throttle dropLines = new Throttle(10, TimeUnit.SECONDS);
    private final Thread writer;
    private volatile boolean running = true;

    /** @param dropped counts the lines dropped because the writer could not keep up ({@code accesslog.dropped_lines}) */
    public AccessLogs(LogRoller roller, Counter dropped) {
        this.roller = roller;
        this.dropped = dropped;
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
        return dropped.get();
    }

    /**
     * How long the writer sleeps after writing, and at most when idle. Each wake-up of the writer
     * can pre-empt an event loop on its core (a proxy limited to one CPU shares it with the loops):
     * polling every millisecond while lines flowed cost the loops ~20% more CPU per request at
     * 60,000 requests/s. Chunks wait in a queue of 8 MiB, so a few wake-ups a second are plenty.
     */
    static final long BUSY_PARK_NANOS = 10_000_000;
    static final long IDLE_PARK_MAX_NANOS = 50_000_000;

    private void run() {
        long idleNanos = BUSY_PARK_NANOS;
        while (true) {
            boolean stopping = !running;
            boolean any = false;
            for (Output o : list) {
                any |= o.drain();
            }
            long d = dropLines.due() >= 0 ? dropped.get() : -1;
            if (d > 0 && d != lastReported) {
                log.warn("access log: {} lines dropped since start (the log could not be written fast enough)", d);
                lastReported = d;
            }
            if (stopping) {
                if (!any) {
                    return;
                }
                continue;
            }
            // nobody wakes the writer (that would cost the event loops a system call per chunk): it
            // looks again after a while, less often the longer nothing comes
            if (any) {
                idleNanos = BUSY_PARK_NANOS;
                LockSupport.parkNanos(BUSY_PARK_NANOS);
            } else {
                LockSupport.parkNanos(idleNanos);
                idleNanos = Math.min(idleNanos * 2, IDLE_PARK_MAX_NANOS);
            }
        }
    }

    private long lastReported;

    /** Writes what is queued, then closes the files. */
    @Override
    public void close() {
        for (Output o : list) {
            o.collectLeftovers(dropped);
        }
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

    /** Bytes of lines an event loop gathers before it hands them to the writer. */
    static final int CHUNK_BYTES = 32 * 1024;
    /**
     * A chunk with less room than this goes to the writer before the next line is formatted into
     * it: a line seldom needs more. A line that does not fit moves on to the next chunk.
     */
    static final int LINE_ROOM = 2 * 1024;
    /** Chunks waiting per output: 8 MiB, a few seconds of lines at full load, before any is dropped. */
    static final int QUEUE_CHUNKS = 256;
    /** Written chunks kept for reuse per output (512 KiB to 1 MiB). */
    static final int FREE_CHUNKS = 16;
    /** How long a chunk may wait on its loop for more lines before it goes to the writer anyway. */
    static final long CHUNK_LINGER_MILLIS = 50;

    /** Lines (UTF-8), ready for the file. Owned by one event loop until queued, then by the writer. */
    private static final class Chunk {
        final LineBuffer text = new LineBuffer(CHUNK_BYTES);
        int lines;

        /**
         * Whether it goes back to the loops once written. A line that did not fit (or an append that
         * reserved more than it wrote) may have doubled the array: kept too, so that long lines do
         * not make every chunk garbage. Bigger (one line over 64 KiB) it is let go.
         */
        boolean reusable() {
            return text.array().length <= 2 * CHUNK_BYTES;
        }
    }

    /**
     * Written chunks for the loops to fill again, last written first: that one was just read by the
     * writer and is still in the core's cache, where the oldest (a queue's pick) has gone cold and
     * filling it evicts what the loop's requests use. A lock per chunk (~160 lines), never waited
     * on for long.
     */
    private static final class Spares {
        private final Chunk[] stack = new Chunk[FREE_CHUNKS];
        private int size;

        synchronized Chunk take() {
            if (size == 0) {
                return null;
            }
            Chunk c = stack[--size];
            stack[size] = null;
            return c;
        }

        /** When full, the oldest goes (garbage): the one just written stays on top. */
        synchronized void give(Chunk c) {
            if (size == stack.length) {
                System.arraycopy(stack, 1, stack, 0, --size);
            }
            stack[size++] = c;
        }
    }

    /** An event loop's chunk being filled for one output. Touched only by that loop (and by close, once the loops ended). */
    private static final class Local {
        Chunk chunk;
        boolean lingering;
    }

    private static final class Output {
        private final Queue<Chunk> queue = PlatformDependent.newFixedMpscQueue(QUEUE_CHUNKS);
        /** Written chunks for the loops to fill again (the writer gives, any loop takes). */
        private final Spares free = new Spares();
        private final RollingFile file;
        private final PrintStream console;
        private final String path;
        private final List<Local> locals = new CopyOnWriteArrayList<>();
        private final FastThreadLocal<Local> local = new FastThreadLocal<>() {
            @Override
            protected Local initialValue() {
                Local l = new Local();
                locals.add(l);
                return l;
            }
        };

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

        /**
         * On an event loop: formats the line into this loop's chunk. A full chunk goes to the writer's
         * queue (or, when the queue is full, is dropped and counted); a chunk that is not full goes
         * after {@link #CHUNK_LINGER_MILLIS}. No copy; no lock and no allocation per line (a lock
         * per chunk taken from the spares, a new chunk now and then).
         */
        void offer(AccessLogFormat format, RequestInfo request, Counter dropped) {
            Local l = local.get();
            if (l.chunk != null && CHUNK_BYTES - l.chunk.text.length() < LINE_ROOM) {
                handOver(l, dropped);
            }
            if (l.chunk == null) {
                l.chunk = newChunk();
            }
            LineBuffer text = l.chunk.text;
            int at = text.length();
            try {
                format.appendTo(text, request);
                text.append('\n');
            } catch (RuntimeException e) {
                text.setLength(at); // no half line in the file
                throw e;
            }
            if (text.length() > CHUNK_BYTES && at > 0) {
                // the line did not fit: it opens the next chunk, and this one goes as it was (a chunk
                // stays within its size, so a file rolled by size stays within one chunk of it)
                Chunk next = newChunk();
                next.text.append(text.array(), at, text.length() - at);
                next.lines = 1;
                text.setLength(at);
                handOver(l, dropped);
                l.chunk = next;
            } else {
                l.chunk.lines++;
            }
            if (!l.lingering) {
                EventExecutor loop = ThreadExecutorMap.currentExecutor();
                if (loop == null || !loop.inEventLoop()) {
                    handOver(l, dropped); // not on an event loop: nobody would come back for it
                } else {
                    l.lingering = true;
                    loop.schedule(() -> {
                        l.lingering = false;
                        handOver(l, dropped);
                    }, CHUNK_LINGER_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }

        private Chunk newChunk() {
            Chunk spare = free.take();
            return spare != null ? spare : new Chunk();
        }

        private void handOver(Local l, Counter dropped) {
            Chunk c = l.chunk;
            l.chunk = null;
            if (c != null && c.text.length() > 0 && !queue.offer(c)) {
                dropped.add(c.lines);
            }
        }

        /** Once the event loops ended: what they had not handed over yet. */
        void collectLeftovers(Counter dropped) {
            for (Local l : locals) {
                handOver(l, dropped);
            }
        }

        /** On the writer thread: writes what is queued; whether there was anything. */
        boolean drain() {
            boolean any = false;
            Chunk c;
            while ((c = queue.poll()) != null) {
                any = true;
                write(c.text.array(), c.text.length());
                if (c.reusable()) {
                    c.text.setLength(0);
                    c.lines = 0;
                    free.give(c); // back to the loops: no new 32 KiB array per chunk
                }
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
