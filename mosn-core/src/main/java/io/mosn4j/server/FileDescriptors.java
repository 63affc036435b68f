package io.mosn4j.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The process's file descriptors: how many it may open (RLIMIT_NOFILE), -1 where the JVM cannot tell. */
final class FileDescriptors {
    private static final String OPEN_FILES = "Max open files";
    private static final long UNREAD = Long.MIN_VALUE;
    private static volatile long limit = UNREAD;

    private FileDescriptors() {}

    /**
     * The soft limit as read at its first use, the start's ({@code max_connections}' default): the accept
     * path's warning when descriptors run out names it then, and may open no file to learn it.
     */
    static long limit() {
        long l = limit;
        if (l == UNREAD) {
            l = read();
            limit = l;
        }
        return l;
    }

    /**
     * The soft limit, from {@code /proc/self/limits} on Linux (the platform MXBean that tells it elsewhere
     * loads ~60 management classes and took ~2% of a start); -1 when unlimited, as the MXBean says.
     */
    static long read() {
        try {
            Long fromProc = soft(Files.readAllLines(Path.of("/proc/self/limits")));
            if (fromProc != null) {
                return fromProc;
            }
        } catch (IOException | RuntimeException notLinux) {
            // the MXBean below
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** The soft limit of the {@code Max open files} line of {@code /proc/PID/limits}, -1 for unlimited; null without one. */
    static Long soft(List<String> limits) {
        for (String line : limits) {
            if (line.startsWith(OPEN_FILES)) {
                String soft = line.substring(OPEN_FILES.length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? -1L : Long.parseLong(soft);
            }
        }
        return null;
    }

    /**
     * {@code servers[0].max_connections} when the config leaves it out: half the descriptors the
     * process may open, the other half for upstream connections, files and the runtime's own (as
     * HAProxy derives its maxconn); 0 (no limit) when the limit is unknown.
     */
    static int defaultMaxConnections() {
        long limit = limit();
        if (limit <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(16, limit / 2));
    }
}
