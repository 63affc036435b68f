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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the resident pages of the JVM's own mapped files that a start touched and serving does not use: most of
 * its library ({@code libjvm.so}: class loading, bytecode verification, the parts of the compilers a start needed), of
 * the JDK's module image ({@code lib/modules}) and of the C library. They count in the process's RSS as long as they
 * stay mapped, whether or not the process touches them again; the kernel only takes them back under memory pressure.
 *
 * <p>Only those files, which the process maps as it starts and never maps again, and in their read-only mappings (no
 * {@code w} in {@code /proc/self/maps}) only the pages {@code /proc/self/pagemap} shows as the file's own (page cache)
 * pages, are given up, with {@code madvise(MADV_DONTNEED)}: a page the process copied (the library's relocated
 * read-only data) is never touched, as giving it up would read the file's bytes back in place of what was written.
 * Libraries loaded later ({@code dlopen}: Netty's, BoringSSL, the JDK's own) and the AOT cache (which the JVM may map
 * writable again) are left alone: a mapping made or changed between the read of pagemap and the advice could lose
 * what was just written to it. A page given up stays in the page cache: when the process uses it again it is mapped
 * back by a minor fault, with the same contents, as after the kernel's own reclaim.
 *
 * <p>Runs on its own daemon thread, 10 s after the start and then every 60 s by default (pages that went cold since,
 * such as the compilers' after the JIT settled, go too), never on an event loop.
 */
final class FilePages {
    private static final long PRESENT = 1L << 63, SWAPPED = 1L << 62, FILE_OR_SHARED = 1L << 61;
    private static final int MADV_DONTNEED = 4;
    private static final int BATCH = 4096; // pagemap entries read at once (32 KiB)
    private static final long MAX_INTERVAL = 86_400; // s

    private FilePages() {}

    /**
     * Starts the releases, unless {@code -Dmosn4j.filePages=off} (or {@code 0}); {@code -Dmosn4j.filePages=SECONDS} sets
     * the interval (60 by default, at most a day; the first release comes after a fifth of it, at most 10 s after the
     * start).
     */
    static void start() {
        String prop = System.getProperty("mosn4j.filePages", "60").trim();
        if ("off".equalsIgnoreCase(prop) || !Files.isReadable(Path.of("/proc/self/pagemap"))) {
            return;
        }
        long every;
        try {
            every = Long.parseLong(prop);
        } catch (NumberFormatException e) {
            LoggerFactory.getLogger("mosn").warn("-Dmosn4j.filePages={}: not a number of seconds or off; releasing every 60 s", prop);
            every = 60;
        }
        if (every <= 0) {
            return;
        }
        long interval = Math.min(every, MAX_INTERVAL);
        Set<String> files = jvmFiles();
        Thread.ofPlatform().daemon().name("mosn-file-pages").start(() -> run(Math.min(10, Math.max(1, interval / 5)), interval, files));
    }

    /**
     * The files the process mapped before the JVM ran any Java code and maps no more: the JVM's library and module image
     * (their real paths, as /proc/self/maps names them), and the C and maths libraries the launcher was linked with.
     */
    static Set<String> jvmFiles() {
        Set<String> files = new HashSet<>();
        Path home = Path.of(System.getProperty("java.home"));
        for (String file : List.of("lib/server/libjvm.so", "lib/modules")) {
            try {
                files.add(home.resolve(file).toRealPath().toString());
            } catch (IOException e) {
                // another layout: that file is not given up
            }
        }
        try {
            for (String[] f : mappings()) {
                if (f[5].endsWith("/libc.so.6") || f[5].endsWith("/libm.so.6")) {
                    files.add(f[5]);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing is given up anyway
        }
        return files;
    }

    private static void run(long first, long every, Set<String> files) {
        Logger log = LoggerFactory.getLogger("mosn");
        try {
            Thread.sleep(first * 1000); // the native calls' handles made then, not while the start runs
            MethodHandle madvise = madvise();
            long pageSize = pageSize();
            boolean logged = false;
            while (true) {
                long rssBefore = rssKiB(), began = System.nanoTime();
                long released = release(madvise, pageSize, files::contains);
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

    /** One pass over the read-only mappings of the {@code files} named; returns the bytes of resident file pages given up. */
    static long release(MethodHandle madvise, long pageSize, Predicate<String> files) throws Throwable {
        List<String[]> maps = mappings();
        long released = 0;
        ByteBuffer entries = ByteBuffer.allocate(BATCH * 8).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            for (String[] f : maps) {
                if (!files.test(f[5]) || f[1].charAt(0) != 'r' || f[1].charAt(1) == 'w') {
                    continue; // another file, unreadable, or writable: kept whole
                }
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0], 0, dash, 16), end = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
                released += release(madvise, pagemap, entries, start, end, pageSize);
            }
        }
        return released;
    }

    /**
     * The process's mappings of files, each as /proc/self/maps's fields: address range, permissions, offset, device,
     * inode, path ({@code "7f0e...-7f0f... r-xp 00000000 fd:01 1234 /.../libjvm.so"}); the path's bytes as they are.
     */
    private static List<String[]> mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.ISO_8859_1).stream()
                .map(line -> line.trim().split("\\s+", 6)).filter(f -> f.length == 6 && f[5].startsWith("/")).toList();
    }

    /** Gives up the runs of pages in [start, end) that are the file's own or not resident; keeps every copied page. */
    private static long release(MethodHandle madvise, FileChannel pagemap, ByteBuffer entries, long start, long end, long pageSize)
            throws Throwable {
        long released = 0, run = -1, resident = 0; // the run being gathered: where it starts, its resident bytes
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
                    released += advise(madvise, run, at, resident);
                    run = -1;
                    resident = 0;
                } else {
                    if (run < 0) {
                        run = at;
                    }
                    if ((e & PRESENT) != 0) {
                        resident += pageSize;
                    }
                }
            }
        }
        return released + advise(madvise, run, end, resident);
    }

    /** Advises [from, to) away; returns {@code resident}, or 0 if madvise refused (the mapping gone since maps was read). */
    private static long advise(MethodHandle madvise, long from, long to, long resident) throws Throwable {
        if (from < 0 || to <= from) {
            return 0;
        }
        int rc = (int) madvise.invokeExact(MemorySegment.ofAddress(from), to - from, MADV_DONTNEED);
        return rc == 0 ? resident : 0;
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
