package io.mosn4j.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class LogTimeTest {
    private static final DateTimeFormatter LOGBACK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    /** What logback's %d{"yyyy-MM-dd HH:mm:ss,SSS"} wrote before: java.time in the zone. */
    private static String expected(long millis, String zone) {
        return LOGBACK.format(Instant.ofEpochMilli(millis).atZone(ZoneId.of(zone)));
    }

    @Test
    void writesWhatJavaTimeWritesInTheZoneAcrossDaylightSavingChanges() {
        long[] instants = {
            0L, 999L, 1_000L, -1L, -1_001L, // the epoch, and just before it
            1_796_566_912_737L, // 2026-12-06
            1_772_953_200_000L - 1, 1_772_953_200_000L, // America/New_York springs forward, 2026-03-08 07:00 UTC
            1_793_512_800_000L - 1, 1_793_512_800_000L, // ... and falls back, 2026-11-01 06:00 UTC
            1_775_314_800_000L - 1, 1_775_314_800_000L, // Australia/Lord_Howe's half-hour change, 2026-04-04 15:00 UTC
            4_102_444_800_123L, // 2100-01-01
        };
        for (String zone : new String[] {"UTC", "Etc/UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Dublin"}) {
            LogTime time = new LogTime(TimeZone.getTimeZone(zone));
            for (long t : instants) {
                assertThat(time.format(t)).as("%d in %s", t, zone).isEqualTo(expected(t, zone));
            }
            // every second of a day that changes the offset, in order and back (the one-second cache)
            for (long t = 1_793_491_200_000L; t < 1_793_491_200_000L + 86_400_000L; t += 997L) {
                assertThat(time.format(t)).as("%d in %s", t, zone).isEqualTo(expected(t, zone));
                assertThat(time.format(t - 86_400_000L)).as("%d in %s", t - 86_400_000L, zone).isEqualTo(expected(t - 86_400_000L, zone));
            }
        }
    }

    @Test
    void theLogsEncoderWritesLinesWithIt() {
        LoggerContext ctx = new LoggerContext();
        var encoder = MosnLogging.encoder(ctx);
        LoggingEvent event = new LoggingEvent("test", ctx.getLogger("mosn"), ch.qos.logback.classic.Level.INFO, "mosn4j started", null, null);
        event.setTimeStamp(1_796_566_912_737L);
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).isEqualTo(expected(1_796_566_912_737L, TimeZone.getDefault().getID()) + " [INFO] [mosn] mosn4j started"
                + System.lineSeparator());
    }
}
