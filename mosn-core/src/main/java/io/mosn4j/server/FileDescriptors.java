package io.mosn4j.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** The process's file descriptors: how many it may open (RLIMIT_NOFILE), -1 where the JVM cannot tell. */
final class FileDescriptors {
    private FileDescriptors() {}

    static long limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
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
