package io.mosn4j.admin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.management.ObjectName;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * The JVM's own diagnostics, what MOSN gets from Go's pprof: a thread dump, a class histogram of
 * the heap, a JFR recording. Each blocks its caller (a heap histogram stops the world for a full
 * GC; a recording lasts its duration): call from an admin virtual thread, never an event loop.
 */
public final class Diagnostics {
    private static final String DCMD = "com.sun.management:type=DiagnosticCommand";

    private Diagnostics() {}

    /** Every thread's stack, as {@code jcmd Thread.print} shows it. */
    public static String threadDump() throws Exception {
        return dcmd("threadPrint");
    }

    /** Objects on the heap by class, as {@code jcmd GC.class_histogram} shows it (runs a full GC). */
    public static String heapHistogram() throws Exception {
        return dcmd("gcClassHistogram");
    }

    private static String dcmd(String op) throws Exception {
        Object r = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DCMD), op,
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        return String.valueOf(r);
    }

    /**
     * Records {@code length} with JFR's {@code profile} settings (CPU samples, allocations, locks)
     * into {@code file}; returns it.
     */
    public static Path record(Duration length, Path file) throws IOException, java.text.ParseException, InterruptedException {
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.setName("mosn4j-" + System.currentTimeMillis());
            r.start();
            Thread.sleep(length.toMillis());
            r.stop();
            Files.createDirectories(file.toAbsolutePath().getParent());
            r.dump(file);
        }
        return file;
    }
}
