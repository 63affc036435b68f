package io.mosn4j.config;

import io.mosn4j.admin.Holmes;
import io.mosn4j.api.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * MOSN's Holmes settings, an {@code extends[]} entry {@code {"type": "holmes", "config": {...}}}
 * with Holmes' Go field names: {@code Enable}, {@code DumpPath}, {@code CollectInterval},
 * {@code CPUProfile} (process CPU %), {@code MemProfile} (heap %), {@code ThreadProfile} (thread
 * count), each {@code {Enable, TriggerMin, TriggerAbs, TriggerDiff, CoolDown}}. mosn4j records JFR
 * for {@code JfrDuration} (its own key; default 10s) where Holmes writes a pprof profile.
 */
public final class HolmesConfig {
    private HolmesConfig() {}

    /** The settings, or null when no enabled holmes entry is there. */
    public static Holmes.Settings parse(JsonConfigValue root) {
        JsonConfigValue ext = root.get("extends");
        if (ext.isMissing() || ext.node().isNull()) {
            return null;
        }
        if (!ext.isArray()) {
            throw new ConfigException(ext.path(), "expected an array of {type, config}");
        }
        Holmes.Settings found = null;
        for (int i = 0; i < ext.node().size(); i++) {
            JsonConfigValue e = ext.at(i);
            String type = e.get("type").asText("");
            if (!type.equalsIgnoreCase("holmes")) {
                throw new ConfigException(e.path() + ".type", "extension config \"" + type + "\" is not supported yet (supported: holmes)");
            }
            Holmes.Settings s = settings(e.get("config"));
            if (s != null) {
                found = s;
            }
        }
        return found;
    }

    private static Holmes.Settings settings(JsonConfigValue c) {
        if (c.isMissing() || !c.isObject()) {
            throw new ConfigException(c.path(), "required: holmes' settings");
        }
        boolean enable = false;
        Path dump = Path.of("holmes");
        Duration interval = Duration.ofSeconds(5);
        Duration record = Duration.ofSeconds(10);
        Holmes.Trigger cpu = off();
        Holmes.Trigger heap = off();
        Holmes.Trigger threads = off();
        for (String k : c.keys()) {
            JsonConfigValue v = c.get(k);
            switch (k.toLowerCase(Locale.ROOT)) {
                case "enable" -> enable = v.node().asBoolean(false);
                case "dumppath" -> dump = Path.of(v.asText("holmes"));
                case "collectinterval" -> interval = positive(v);
                case "jfrduration" -> record = positive(v);
                case "cpuprofile" -> cpu = trigger(v);
                case "memprofile" -> heap = trigger(v);
                case "threadprofile" -> threads = trigger(v);
                case "binarydump", "fullstackdump" -> c.warn(k, "JFR recordings are always binary and hold every thread's samples; ignored");
                case "cpumax" -> c.warn(k, "CPUMax is not read; CPUProfile's triggers apply; ignored");
                case "gcheapprofile", "goroutineprofile" -> c.warn(k, "a Go runtime profile; the JVM has MemProfile and ThreadProfile; ignored");
                case "shrinkthread" -> c.warn(k, "shrinking Go's threads has no JVM counterpart; ignored");
                default -> c.warn(k, "unknown field; ignored");
            }
        }
        if (!enable) {
            return null;
        }
        return new Holmes.Settings(dump, interval, record, cpu, heap, threads);
    }

    private static Holmes.Trigger off() {
        return new Holmes.Trigger(false, 0, 0, 0, Duration.ZERO);
    }

    private static Duration positive(JsonConfigValue v) {
        Duration d;
        try {
            d = GoDuration.parse(v.asText(""));
        } catch (RuntimeException e) {
            throw new ConfigException(v.path(), "invalid duration \"" + v.asText("") + "\"");
        }
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(v.path(), "must be above 0");
        }
        return d;
    }

    private static Holmes.Trigger trigger(JsonConfigValue v) {
        boolean enable = false;
        long min = 0;
        long abs = 0;
        long diff = 0;
        Duration cool = Duration.ofMinutes(1);
        for (String k : v.keys()) {
            JsonConfigValue f = v.get(k);
            switch (k.toLowerCase(Locale.ROOT)) {
                case "enable" -> enable = f.node().asBoolean(false);
                case "triggermin" -> min = nonNegative(f);
                case "triggerabs" -> abs = nonNegative(f);
                case "triggerdiff" -> diff = nonNegative(f);
                case "cooldown" -> {
                    try {
                        cool = GoDuration.parse(f.asText(""));
                    } catch (RuntimeException e) {
                        throw new ConfigException(f.path(), "invalid duration \"" + f.asText("") + "\"");
                    }
                }
                default -> v.warn(k, "unknown field; ignored");
            }
        }
        if (enable && abs == 0 && diff == 0) {
            throw new ConfigException(v.path(), "enabled without TriggerAbs or TriggerDiff: it would never trigger");
        }
        return new Holmes.Trigger(enable, min, abs, diff, cool);
    }

    private static long nonNegative(JsonConfigValue f) {
        if (!f.node().canConvertToLong() || f.node().asLong() < 0) {
            throw new ConfigException(f.path(), "expected a number, 0 or more");
        }
        return f.node().asLong();
    }
}
