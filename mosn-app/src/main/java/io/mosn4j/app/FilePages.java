package io.mosn4j.app;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmaps the pages of mapped files that a start touched and serving does not use: most of the JVM's own library
 * ({@code libjvm.so}: its class loading, bytecode verification and the parts of its compilers a start needed), the
 * C library's, the JDK's module image's. They count in the process's RSS as long as they stay mapped, whether or not
 * the process touches them again; the kernel only unmaps them under memory pressure.
 *
 * <p>Only read-only mappings of files (no {@code w} in {@code /proc/self/maps}), and in them only the pages
 * {@code /proc/self/pagemap} shows as the file's own (page cache) pages, are given up, with
 * {@code madvise(MADV_DONTNEED)}: a page the process copied on write (the JVM library's relocated read-only data),
 * or any page of a writable mapping (the AOT cache, which the JVM relocates), is never touched, as giving it up
 * would lose what was written to it. A page given up stays in the page cache: when the process uses it again it is
 * mapped back by a minor fault, with the same contents, as after the kernel's own reclaim.
 *
 * <p>Runs on its own daemon thread, first {@code first} seconds after the start, then every {@code every} seconds
 * (pages that went cold, such as the compilers' after the JIT settled, go too), never on an event loop.
 */
final class FilePages {
    private static final long PRESENT = 1L << 63, SWAPPED = 1L << 62, FILE_OR_SHARED = 1L << 61;
    private static final int MADV_DONTNEED = 4;
    private static final int BATCH = 4096; // pagemap entries read at once (32 KiB)

    private FilePages() {}

    /**
     * Starts the releases, unless {@code -Dmosn4j.filePages=off}; {@code -Dmosn4j.filePages=SECONDS} sets the
     * interval (60 by default; the first release comes after a fifth of it, at most 10 s after the start).
     */
    static void start() {
        String prop = System.getProperty("mosn4j.filePages", "60");
        if ("off".equalsIgnoreCase(prop) || !Files.isReadable(Path.of("/proc/self/pagemap"))) {
            return;
        }
        long every;
        try {
            every = Long.parseLong(prop.trim());
        } catch (NumberFormatException e) {
            LoggerFactory.getLogger("mosn").warn("-Dmosn4j.filePages={}: not a number of seconds or off; releasing every 60 s", prop);
            every = 60;
        }
        long interval = Math.max(1, every);
        Thread.ofPlatform().daemon().name("mosn-file-pages").start(() -> run(Math.min(10, Math.max(1, interval / 5)), interval));
    }

    private static void run(long first, long every) {
        Logger log = LoggerFactory.getLogger("mosn");
        try {
            Thread.sleep(first * 1000); // the native calls' handles made then, not while the start runs
            MethodHandle madvise = madvise();
            long pageSize = pageSize();
            boolean logged = false;
            while (true) {
                long rssBefore = rssKiB(), began = System.nanoTime();
                long released = release(madvise, pageSize);
                if (!logged) {
                    logged = true;
                    log.info("released {} KiB of mapped files' pages the start touched (RSS {} -> {} KiB) in {} ms; again every {} s",
                            released / 1024, rssBefore, rssKiB(), (System.nanoTime() - began) / 1_000_000, every);
                } else {
                    log.debug("released {} KiB of mapped files' pages", released / 1024);
                }
                Thread.sleep(every * 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            log.warn("releasing mapped files' pages stopped: {}", e.toString());
        }
    }

    static MethodHandle madvise() {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    static long pageSize() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle getpagesize = linker.downcallHandle(linker.defaultLookup().find("getpagesize").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        return (int) getpagesize.invokeExact();
    }

    /** One pass over the read-only file mappings; returns the bytes of resident file pages given up. */
    static long release(MethodHandle madvise, long pageSize) throws Throwable {
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        long released = 0;
        ByteBuffer entries = ByteBuffer.allocate(BATCH * 8).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            for (String line : maps) {
                // address perms offset dev inode path: "7f0e...-7f0f... r-xp 00000000 fd:01 1234 /.../libjvm.so"
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 6 || !f[5].startsWith("/") || f[1].charAt(0) != 'r' || f[1].charAt(1) == 'w') {
                    continue; // anonymous, [vdso]/[stack]/..., unreadable, or writable: kept whole
                }
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0], 0, dash, 16), end = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
                released += release(madvise, pagemap, entries, start, end, pageSize);
            }
        }
        return released;
    }

    /** Gives up the runs of pages in [start, end) that are the file's own or not resident; keeps every copied page. */
    private static long release(MethodHandle madvise, FileChannel pagemap, ByteBuffer entries, long start, long end, long pageSize)
            throws Throwable {
        long released = 0, run = -1;
        for (long at = start; at < end; ) {
            int n = (int) Math.min(BATCH, (end - at) / pageSize);
            entries.clear().limit(n * 8);
            long position = at / pageSize * 8;
            while (entries.hasRemaining()) {
                if (pagemap.read(entries, position + entries.position()) < 0) {
                    throw new IOException("pagemap ended at " + Long.toHexString(at));
                }
            }
            for (int i = 0; i < n; i++, at += pageSize) {
                long e = entries.getLong(i * 8);
                boolean copied = (e & SWAPPED) != 0 || (e & PRESENT) != 0 && (e & FILE_OR_SHARED) == 0;
                if (copied) {
                    advise(madvise, run, at);
                    run = -1;
                } else {
                    if (run < 0) {
                        run = at;
                    }
                    if ((e & PRESENT) != 0) {
                        released += pageSize;
                    }
                }
            }
        }
        advise(madvise, run, end);
        return released;
    }

    /** A failure (the mapping gone since /proc/self/maps was read) leaves the pages as they are. */
    private static void advise(MethodHandle madvise, long from, long to) throws Throwable {
        if (from >= 0 && to > from) {
            int ignored = (int) madvise.invokeExact(MemorySegment.ofAddress(from), to - from, MADV_DONTNEED);
        }
    }

    /** The process's resident set, from /proc/self/status (KiB); -1 if it cannot be read. */
    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux's /proc: no figure
        }
        return -1;
    }
}
