package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code servers[0]}: process-wide settings, routers and listeners.
 *
 * @param maxConnections the most downstream connections open at once on all listeners together;
 *     absent or 0: half the file descriptors the process may open (the other half for upstream
 *     connections and files), resolved when the server starts
 */
public record ServerConfig(
        String defaultLogPath,
        String defaultLogLevel,
        Duration gracefulTimeout,
        Integer processor,
        Integer maxConnections,
        List<RouterConfig> routers,
        List<ListenerConfig> listeners) {

    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL");

    public ServerConfig {
        defaultLogPath = defaultLogPath == null || defaultLogPath.isBlank() ? "stderr" : defaultLogPath;
        defaultLogLevel = defaultLogLevel == null || defaultLogLevel.isBlank() ? "INFO" : defaultLogLevel.toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(defaultLogLevel)) {
            throw new ConfigException("default_log_level", "unknown value \"" + defaultLogLevel + "\" (expected DEBUG, INFO, WARN, ERROR or FATAL)");
        }
        gracefulTimeout = gracefulTimeout == null ? Duration.ofSeconds(30) : gracefulTimeout;
        if (gracefulTimeout.isNegative()) {
            throw new ConfigException("graceful_timeout", "must not be negative");
        }
        if (processor != null && processor < 0) {
            throw new ConfigException("processor", "must not be negative, got " + processor);
        }
        if (maxConnections != null && maxConnections < 0) {
            throw new ConfigException("max_connections", "must not be negative, got " + maxConnections);
        }
        routers = ConfigLists.copy(routers, "routers");
        listeners = ConfigLists.copy(listeners, "listeners");
    }

    /** Worker event loops: {@code processor}, or the CPU count when unset or 0. */
    public int eventLoops() {
        return processor == null || processor == 0 ? Runtime.getRuntime().availableProcessors() : processor;
    }
}
