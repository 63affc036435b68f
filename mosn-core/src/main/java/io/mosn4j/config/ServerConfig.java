package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code servers[0]}: process-wide settings, routers and listeners.
 *
 * @param partialFramesBufferLimitBytes the most bytes all connections together may hold of RPC
 *     frames still arriving; null or 0: a quarter of the JVM's direct memory limit (mosn4j's own)
 */
public record ServerConfig(
        String defaultLogPath,
        String defaultLogLevel,
        Duration gracefulTimeout,
        Integer processor,
        List<RouterConfig> routers,
        List<ListenerConfig> listeners,
        Long partialFramesBufferLimitBytes) {

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
        if (partialFramesBufferLimitBytes != null && partialFramesBufferLimitBytes < 0) {
            throw new ConfigException("partial_frames_buffer_limit_bytes", "must not be negative, got " + partialFramesBufferLimitBytes);
        }
        routers = ConfigLists.copy(routers, "routers");
        listeners = ConfigLists.copy(listeners, "listeners");
    }

    /**
     * {@code partial_frames_buffer_limit_bytes}, or when unset a quarter of {@code maxDirectMemory}
     * (the JVM's direct memory limit: {@code -XX:MaxDirectMemorySize}, by default the heap's):
     * partial frames are held in direct buffers, and the rest of that memory is left to the
     * requests and answers in flight.
     */
    public long partialFramesLimit(long maxDirectMemory) {
        if (partialFramesBufferLimitBytes != null && partialFramesBufferLimitBytes > 0) {
            return partialFramesBufferLimitBytes;
        }
        return Math.max(1L << 20, maxDirectMemory / 4);
    }

    /** Worker event loops: {@code processor}, or the CPU count when unset or 0. */
    public int eventLoops() {
        return processor == null || processor == 0 ? Runtime.getRuntime().availableProcessors() : processor;
    }
}
