package io.mosn4j.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.pattern.DynamicConverter;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code default_log_path} (stdout, stderr or a file), {@code default_log_level} and, for a
 * file, {@code global_log_roller} (a {@link RollingFile}).
 */
public final class MosnLogging {
    /** The log line: {@code 2026-12-06 14:21:41,706 [INFO] [mosn] mosn4j started}. */
    static final String PATTERN = "%" + LogTime.WORD + " [%level] [%logger{0}] %msg%n";

    private MosnLogging() {}

    public static void configure(String path, String level) {
        configure(path, level, LogRoller.DAILY);
    }

    public static void configure(String path, String level, LogRoller roller) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        PatternLayoutEncoder encoder = encoder(ctx);
        OutputStreamAppender<ILoggingEvent> appender;
        if (path.equalsIgnoreCase("stdout") || path.equalsIgnoreCase("stderr")) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget(path.equalsIgnoreCase("stdout") ? "System.out" : "System.err");
            appender = console;
        } else {
            try {
                appender = new RollingFileAppender(new RollingFile(java.nio.file.Path.of(path), roller));
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("mosn: cannot write the log to " + path + " (" + e + "); logging to stderr");
                ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
                console.setTarget("System.err");
                appender = console;
            }
        }
        appender.setContext(ctx);
        appender.setEncoder(encoder);
        appender.setName("mosn");
        appender.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        Level lvl = toLevel(level);
        root.setLevel(lvl);
        root.addAppender(appender);
        // Netty's own debug output is noise to a proxy's user; its leak reports are ERRORs and still show.
        ctx.getLogger("io.netty").setLevel(lvl.isGreaterOrEqual(Level.INFO) ? lvl : Level.INFO);
    }

    /** A started encoder of {@link #PATTERN}'s lines for {@code ctx}. */
    public static PatternLayoutEncoder encoder(LoggerContext ctx) {
        @SuppressWarnings("unchecked")
        Map<String, Supplier<DynamicConverter<?>>> words = (Map<String, Supplier<DynamicConverter<?>>>)
                ctx.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (words == null) {
            words = new HashMap<>();
            ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, words);
        }
        words.put(LogTime.WORD, LogTime::new);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }

    private static Level toLevel(String level) {
        return switch (level.toUpperCase(java.util.Locale.ROOT)) {
            case "TRACE" -> Level.TRACE;
            case "DEBUG" -> Level.DEBUG;
            case "WARN", "WARNING" -> Level.WARN;
            case "ERROR", "FATAL" -> Level.ERROR;
            default -> Level.INFO;
        };
    }
}
