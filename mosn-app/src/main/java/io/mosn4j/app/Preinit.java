package io.mosn4j.app;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import java.math.BigDecimal;
import java.text.NumberFormat;
import java.util.Locale;
import java.util.TimeZone;

/**
 * JDK set-up that {@code start} and {@code validate} meet on the main thread, done first on a thread of its own
 * while the main thread parses the command line and loads the extensions. Each step is a class initialisation
 * or a cache the JDK fills once per process: the main thread, reaching it later, finds it done (or waits for
 * the rest of it) instead of running it alone. Timed with {@code -Xlog:class+init} on a 2-core host, in the
 * order the main thread needs them:
 * <ul>
 *   <li>{@link TimeZone#getDefault()}: the log's time stamps; the JDK reads its zone database ({@code tzdb.dat})
 *       the first time, ~10 ms.
 *   <li>The {@code en} locale's number formats: Jackson's date format sets them up as its mapper is made, ~7 ms.
 *   <li>{@link BigDecimal}: Jackson's parsers keep {@code BigDecimal} limits, and {@code BigDecimal}'s class
 *       initialisation computes 5<sup>65536</sup> (for stripping trailing zeros), ~25 ms before it is compiled.
 *   <li>Annotation proxies: reflection makes a proxy class for each annotation type it reads; the first one
 *       sets up the JDK's class-file writer (~10 ms). Jackson reads its own marker annotations first.
 *   <li>mosn4j's version, for the log's first line: the class loader looks the resource up in the JDK's module
 *       image (its reader set up on first use) and then opens mosn4j's jar and inflates the entry, ~4 ms.
 * </ul>
 * Nothing here depends on the config, and a step that fails leaves the main thread to meet the same failure
 * where it reports errors. Nothing here logs either: SLF4J hands a thread that asks for a logger while another
 * thread sets it up a stand-in, and then prints three lines about replaying its calls (which is why Netty's
 * epoll library, ~24 ms, stays with the main thread: Netty asks for its loggers as it loads).
 */
final class Preinit {
    private Preinit() {}

    /** Starts the set-up; a daemon thread, so that a command that ends first does not wait for it. */
    static void begin() {
        Thread.ofPlatform().daemon().name("mosn-preinit").start(Preinit::run);
    }

    private static void run() {
        try {
            TimeZone.getDefault();
            NumberFormat.getInstance(Locale.US);
            BigDecimal.ONE.signum();
            JsonFormat.class.getAnnotations(); // @Target, @Retention and @JacksonAnnotation: Jackson's first question
            StringDeserializer.class.getAnnotations(); // @JacksonStdImpl, on every deserializer of Jackson's own
            Main.version(); // the start's log line: a resource look-up through the JDK's image, then the jar
        } catch (Throwable ignored) {
            // only a head start: the main thread meets the same step, and reports what it finds
        }
    }
}
