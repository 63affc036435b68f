package io.mosn4j.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a config sets that mosn4j accepts but does not act on (a MOSN feature not built yet that
 * only observes, a key it does not know), one line per field: {@code "tracing: tracing is not
 * supported yet; ignored"}. Settings that would change security or routing are refused instead
 * (a {@link io.mosn4j.api.config.ConfigException}), never warned about.
 *
 * <p>The config is read before logging is set up (its {@code default_log_path} and level decide
 * where logs go), so warnings are collected while a config is loaded and built
 * ({@link #collect}), then written once by {@link #logNew} when the log is ready; the same field
 * warned about by a check and again by the start is one line. The admin {@code config_dump} lists
 * them all under {@code "warnings"}. Code that reads config calls {@link #warn}; with no collection
 * under way (a runtime update, a test) the line is logged at once.
 */
public final class ConfigWarnings {
    private static final Logger log = LoggerFactory.getLogger("config");
    private static final ScopedValue<ConfigWarnings> CURRENT = ScopedValue.newInstance();
    private static final ScopedValue<String> ORIGIN = ScopedValue.newInstance();

    private final Set<String> lines = new LinkedHashSet<>();
    private int logged;

    /** Runs {@code work} collecting the warnings it raises here. */
    public <T> T collect(Supplier<T> work) {
        return collect("", work);
    }

    /**
     * As {@link #collect(Supplier)}, each line prefixed by {@code origin} (for example {@code
     * "update_config listener"}) so the dump tells a runtime update's warnings from the file's.
     */
    public <T> T collect(String origin, Supplier<T> work) {
        return ScopedValue.where(CURRENT, this).where(ORIGIN, origin).call(work::get);
    }

    /** Records that {@code path} is set but not acted on, because {@code reason}. */
    public static void warn(String path, String reason) {
        String line = path == null || path.isEmpty() ? reason : path + ": " + reason;
        if (CURRENT.isBound()) {
            String origin = ORIGIN.orElse("");
            CURRENT.get().add(origin.isEmpty() ? line : origin + ": " + line);
        } else {
            log.warn("{}", line);
        }
    }

    private synchronized void add(String line) {
        lines.add(line);
    }

    /** Takes in what {@code other} collected (a runtime update's, once it applied). */
    public void addAll(ConfigWarnings other) {
        List<String> more = other.all();
        synchronized (this) {
            lines.addAll(more);
        }
    }

    /** Every warning collected so far, in the order first raised. */
    public synchronized List<String> all() {
        return List.copyOf(lines);
    }

    /** Writes the warnings not written yet, one WARN line each. */
    public void logNew() {
        List<String> fresh;
        synchronized (this) {
            List<String> all = new ArrayList<>(lines);
            fresh = all.subList(logged, all.size());
            logged = all.size();
        }
        for (String line : fresh) {
            log.warn("{}", line);
        }
    }
}
