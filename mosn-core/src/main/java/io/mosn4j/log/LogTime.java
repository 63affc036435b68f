package io.mosn4j.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.TimeZone;

/**
 * The log lines' time, {@code 2026-12-06 14:21:41,706} in the JVM's default time zone: what logback's
 * {@code %d{"yyyy-MM-dd HH:mm:ss,SSS"}} writes, without its {@code ZoneId.systemDefault()}. A region
 * zone (the usual {@code Etc/UTC} of a container) initialises {@code java.time}'s zone rules providers,
 * found with a {@code ServiceLoader} over the whole class path, and that lookup opens the merged library
 * jar (37,000 entries, ~30 ms) at every start for the first log line. {@link TimeZone} reads the same
 * tz database without that lookup; its offset at each instant follows daylight saving as the zone did.
 */
public final class LogTime extends ClassicConverter {
    /** The conversion word in {@link MosnLogging#PATTERN}. */
    static final String WORD = "mosnTime";
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,");

    /** One second's text, shared by the threads that log in it. */
    private record Second(long epochSecond, String text) {}

    private final TimeZone zone;
    private volatile Second last = new Second(Long.MIN_VALUE, "");

    public LogTime() {
        this(TimeZone.getDefault());
    }

    LogTime(TimeZone zone) {
        this.zone = zone;
    }

    @Override
    public String convert(ILoggingEvent event) {
        return format(event.getTimeStamp());
    }

    String format(long millis) {
        long second = Math.floorDiv(millis, 1000L);
        Second s = last;
        if (s.epochSecond != second) {
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(zone.getOffset(millis) / 1000);
            s = new Second(second, SECOND.format(LocalDateTime.ofEpochSecond(second, 0, offset)));
            last = s;
        }
        int ms = (int) Math.floorMod(millis, 1000L);
        return s.text + (char) ('0' + ms / 100) + (char) ('0' + ms / 10 % 10) + (char) ('0' + ms % 10);
    }
}
