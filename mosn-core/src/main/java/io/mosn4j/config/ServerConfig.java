package io.mosn4j.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.mosn4j.api.config.ConfigException;
import java.io.IOException;
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
 * @param partialFramesBufferLimitBytes the most bytes all connections together may hold of RPC
 *     frames still arriving; null or 0: a quarter of the JVM's direct memory limit (mosn4j's own)
 * @param globalLogRoller how every log file rolls ({@code io.mosn4j.log.LogRoller}); null: daily
 */
public record ServerConfig(
        String defaultLogPath,
        String defaultLogLevel,
        Duration gracefulTimeout,
        @JsonDeserialize(using = ServerConfig.Processor.class) Integer processor,
        Integer maxConnections,
        List<RouterConfig> routers,
        List<ListenerConfig> listeners,
        Long partialFramesBufferLimitBytes,
        String globalLogRoller) {

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
        if (maxConnections != null && maxConnections < 0) {
            throw new ConfigException("max_connections", "must not be negative, got " + maxConnections);
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

    /**
     * Worker event loops: {@code processor}, or when it is unset, below 1 or {@code "auto"}, the CPUs
     * this process may use ({@link Runtime#availableProcessors()} honours a container's CPU quota).
     */
    public int eventLoops() {
        return processor == null || processor < 1 ? Runtime.getRuntime().availableProcessors() : processor;
    }

    /**
     * MOSN's {@code processor}: a number (a fraction is cut, as Go's {@code int()} does), a number in
     * a string, or {@code "auto"} in any case, read as 0 (all CPUs); any other string also means auto,
     * with a warning, as in MOSN.
     */
    static final class Processor extends StdDeserializer<Integer> {
        Processor() {
            super(Integer.class);
        }

        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_NUMBER_INT -> p.getIntValue();
                case VALUE_NUMBER_FLOAT -> (int) p.getDoubleValue();
                case VALUE_STRING -> {
                    String text = p.getText().trim();
                    if (text.equalsIgnoreCase("auto")) {
                        yield 0;
                    }
                    try {
                        yield Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        ConfigWarnings.warn(ConfigLoader.pathOf(p), "\"" + text + "\" is neither a number nor \"auto\"; using auto ("
                                + Runtime.getRuntime().availableProcessors() + " CPUs)");
                        yield 0;
                    }
                }
                default -> (Integer) ctx.handleUnexpectedToken(Integer.class, p);
            };
        }
    }
}
