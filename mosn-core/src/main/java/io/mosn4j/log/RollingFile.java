package io.mosn4j.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

/**
 * A log file that rolls as {@link LogRoller} says: the file is renamed to a backup and a new one
 * begins. By size, backups are named as MOSN's size roller (lumberjack) names them,
 * {@code access-2026-01-02T15-04-05.000.log}; by time, {@code access.log.2026-01-02_15} (the period
 * the file covered; {@code .2026-01-02} for daily rolling). Compressing backups and deleting those
 * past {@code keep} or {@code age} runs on a virtual thread, one roll at a time.
 *
 * <p>Thread-safe (writes are serialised); a write may roll the file (a rename and an open).
 * The access log writes from its writer thread; the error log from whichever thread logs, as it
 * did before rolling existed.
 */
public final class RollingFile implements AutoCloseable {
    private static final DateTimeFormatter SIZE_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS");
    private static final DateTimeFormatter HOUR_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH");
    private static final DateTimeFormatter DAY_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter SECOND_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss");
    /** One housekeeping task at a time for the whole process: rolls are rare. */
    private static final ExecutorService HOUSEKEEPING = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("mosn-log-roller").factory());

    private final Path path;
    private final LogRoller roller;
    private final ZoneId zone = ZoneId.systemDefault();
    private final String fileName;
    private final String stem;
    private final String ext;
    /** The file, appended to; what is written gathers in {@link #buffer} first. */
    private FileChannel out;
    /**
     * Direct, so a write is one copy into it and a system call from it (a stream over a
     * {@code FileOutputStream} copied twice more, through its own array and a native one).
     */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private long size;
    /** By time: when the current period ends (millis), and when it began. */
    private long periodEnd;
    private long periodStart;

    public RollingFile(Path path, LogRoller roller) throws IOException {
        this.path = path.toAbsolutePath();
        this.roller = roller;
        this.fileName = this.path.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        this.stem = dot > 0 ? fileName.substring(0, dot) : fileName;
        this.ext = dot > 0 ? fileName.substring(dot) : "";
        Path dir = this.path.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        long now = System.currentTimeMillis();
        if (!roller.bySize()) {
            setPeriod(now);
            // a file left from an earlier period (the process was down when it ended) rolls first
            if (Files.exists(this.path) && Files.size(this.path) > 0 && Files.getLastModifiedTime(this.path).toMillis() < periodStart) {
                rollTo(timeBackup(periodOf(Files.getLastModifiedTime(this.path).toMillis())));
            }
        }
        open();
    }

    public Path path() {
        return path;
    }

    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (roller.bySize()) {
            if (size > 0 && size + len > roller.sizeBytes()) {
                closeFile();
                rollTo(sizeBackup());
                open();
            }
        } else {
            long now = System.currentTimeMillis();
            if (now >= periodEnd) {
                closeFile();
                rollTo(timeBackup(periodStart));
                setPeriod(now);
                open();
            }
        }
        size += len;
        while (len > 0) {
            int n = Math.min(len, buffer.remaining());
            buffer.put(b, off, n);
            off += n;
            len -= n;
            if (!buffer.hasRemaining()) {
                flush();
            }
        }
    }

    public synchronized void flush() throws IOException {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        } finally {
            buffer.clear(); // what could not be written is not tried again (as a stream would drop it)
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closeFile();
    }

    private void closeFile() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }

    private void open() throws IOException {
        out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = out.size();
    }

    /** By time: periods are whole multiples of the interval from local midnight. */
    private long periodOf(long millis) {
        long interval = roller.interval().toMillis();
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), zone);
        long midnight = t.toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
        if (interval >= 86_400_000L) {
            return midnight;
        }
        return midnight + (millis - midnight) / interval * interval;
    }

    private void setPeriod(long now) {
        periodStart = periodOf(now);
        long interval = roller.interval().toMillis();
        java.time.LocalDate day = LocalDateTime.ofInstant(Instant.ofEpochMilli(periodStart), zone).toLocalDate();
        if (interval >= 86_400_000L) {
            periodEnd = day.plusDays(interval / 86_400_000L).atStartOfDay(zone).toInstant().toEpochMilli();
        } else { // every midnight starts the count anew
            periodEnd = Math.min(periodStart + interval, day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli());
        }
    }

    private Path timeBackup(long start) {
        long interval = roller.interval().toMillis();
        DateTimeFormatter f = interval % 86_400_000L == 0 ? DAY_STAMP : interval % 3_600_000L == 0 ? HOUR_STAMP : SECOND_STAMP;
        return unique(fileName + "." + f.format(LocalDateTime.ofInstant(Instant.ofEpochMilli(start), zone)), "");
    }

    private Path sizeBackup() {
        return unique(stem + "-" + SIZE_STAMP.format(LocalDateTime.now(zone)), ext);
    }

    private Path unique(String base, String suffix) {
        Path p = path.resolveSibling(base + suffix);
        for (int i = 1; Files.exists(p) || Files.exists(p.resolveSibling(p.getFileName() + ".gz")); i++) {
            p = path.resolveSibling(base + "." + i + suffix);
        }
        return p;
    }

    private void rollTo(Path backup) throws IOException {
        Files.move(path, backup, StandardCopyOption.ATOMIC_MOVE);
        HOUSEKEEPING.execute(() -> housekeep(backup));
    }

    /** Whether {@code name} is one of this file's backups. */
    private boolean isBackup(String name) {
        return roller.bySize() ? name.startsWith(stem + "-") && (name.endsWith(ext) || name.endsWith(ext + ".gz")) && !name.equals(fileName)
                : name.startsWith(fileName + ".");
    }

    private void housekeep(Path backup) {
        try {
            if (roller.compress() && Files.exists(backup)) {
                Path gz = backup.resolveSibling(backup.getFileName() + ".gz");
                FileTime mtime = Files.getLastModifiedTime(backup);
                try (InputStream in = Files.newInputStream(backup); OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz), 64 * 1024)) {
                    in.transferTo(o);
                }
                Files.setLastModifiedTime(gz, mtime);
                Files.delete(backup);
            }
            if (roller.keep() <= 0 && roller.maxAgeDays() <= 0) {
                return;
            }
            List<Path> backups = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(path.getParent())) {
                for (Path p : dir) {
                    if (isBackup(p.getFileName().toString())) {
                        backups.add(p);
                    }
                }
            }
            backups.sort(Comparator.comparing((Path p) -> {
                try {
                    return Files.getLastModifiedTime(p);
                } catch (IOException e) {
                    return FileTime.fromMillis(0);
                }
            }).reversed());
            long oldest = System.currentTimeMillis() - roller.maxAgeDays() * 86_400_000L;
            for (int i = 0; i < backups.size(); i++) {
                Path p = backups.get(i);
                boolean tooMany = roller.keep() > 0 && i >= roller.keep();
                boolean tooOld = roller.maxAgeDays() > 0 && Files.getLastModifiedTime(p).toMillis() < oldest;
                if (tooMany || tooOld) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the error log may be this very file: say it on stderr, which is always there
            System.err.println("mosn: rolling " + path + ": " + e);
        }
    }
}
