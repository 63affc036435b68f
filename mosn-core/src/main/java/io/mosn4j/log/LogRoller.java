package io.mosn4j.log;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.GoDuration;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code servers[0].global_log_roller}, as MOSN reads it, for every log file the process writes
 * (the error log and the access logs): either by size, {@code "size=100 age=10 keep=10
 * compress=off"} (roll when a file reaches {@code size} MiB; keep at most {@code keep} rolled files,
 * none older than {@code age} days; gzip them with {@code compress=on}), or by time,
 * {@code "time=1"} (roll every {@code time} hours, on the hour in local time); time wins when both
 * are given. Without a roller, files roll daily at local midnight, as in MOSN.
 *
 * <p>mosn4j also reads {@code time} as a Go duration ({@code "time=10s"}); MOSN refuses that, so a
 * config MOSN takes means the same here.
 *
 * @param sizeBytes roll past this many bytes, or 0
 * @param maxAgeDays delete rolled files older than this, or 0 (no limit)
 * @param keep keep at most this many rolled files, or 0 (no limit)
 * @param compress gzip rolled files
 * @param interval roll every interval (aligned to local midnight), or null when rolling by size
 */
public record LogRoller(long sizeBytes, int maxAgeDays, int keep, boolean compress, Duration interval) {
    /** MOSN's default: daily. */
    public static final LogRoller DAILY = new LogRoller(0, 0, 0, false, Duration.ofDays(1));

    public boolean bySize() {
        return interval == null;
    }

    /** Parses {@code spec} (null or blank: {@link #DAILY}); errors name the field. */
    public static LogRoller parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return DAILY;
        }
        long size = 0;
        int age = 0;
        int keep = 0;
        boolean compress = false;
        Duration time = null;
        for (String part : spec.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw error(spec, "\"" + part + "\" is not key=value");
            }
            String key = part.substring(0, eq).toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1);
            switch (key) {
                case "size" -> size = positive(spec, key, value) * 1024L * 1024L;
                case "age" -> age = (int) positive(spec, key, value);
                case "keep" -> keep = (int) positive(spec, key, value);
                case "compress" -> compress = switch (value.toLowerCase(Locale.ROOT)) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw error(spec, "compress must be on or off, got \"" + value + "\"");
                };
                case "time" -> time = time(spec, value);
                default -> throw error(spec, "unknown key \"" + key + "\" (expected size, age, keep, compress or time)");
            }
        }
        if (time != null) {
            return new LogRoller(0, age, keep, compress, time);
        }
        if (size == 0) {
            throw error(spec, "needs size=<MiB> or time=<hours>");
        }
        return new LogRoller(size, age, keep, compress, null);
    }

    private static long positive(String spec, String key, String value) {
        try {
            long v = Long.parseLong(value);
            if (v > 0 && v <= Integer.MAX_VALUE) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw error(spec, key + " must be a positive whole number, got \"" + value + "\"");
    }

    private static Duration time(String spec, String value) {
        try {
            return Duration.ofHours(Long.parseLong(value) <= 0 ? fail() : Long.parseLong(value));
        } catch (NumberFormatException e) {
            try {
                Duration d = GoDuration.parse(value);
                if (d.compareTo(Duration.ofSeconds(1)) >= 0) {
                    return d;
                }
            } catch (IllegalArgumentException ignored) {
                // below
            }
        }
        throw error(spec, "time must be a positive number of hours (or a Go duration of at least 1s), got \"" + value + "\"");
    }

    private static long fail() {
        throw new NumberFormatException();
    }

    private static ConfigException error(String spec, String why) {
        return new ConfigException("servers[0].global_log_roller", "\"" + spec + "\": " + why);
    }

    @Override
    public String toString() {
        return bySize() ? "size=" + sizeBytes / (1024 * 1024) + "MiB age=" + maxAgeDays + " keep=" + keep + " compress=" + (compress ? "on" : "off")
                : "time=" + GoDuration.format(interval) + " age=" + maxAgeDays + " keep=" + keep + " compress=" + (compress ? "on" : "off");
    }
}
