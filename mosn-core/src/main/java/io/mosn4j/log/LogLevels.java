package io.mosn4j.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error log's level changed while mosn runs (MOSN's {@code update_loglevel}, {@code
 * enable_log}, {@code disable_log}): the root logger's level, and Netty's kept at INFO or above as
 * at start. A disabled log remembers its level for when it is enabled again.
 */
public final class LogLevels {
    private static Level beforeDisable;

    private LogLevels() {}

    /** MOSN's level names: FATAL, ERROR, WARN, INFO, DEBUG, TRACE; null for any other. */
    public static Level parse(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "TRACE" -> Level.TRACE;
            case "DEBUG" -> Level.DEBUG;
            case "INFO" -> Level.INFO;
            case "WARN" -> Level.WARN;
            case "ERROR", "FATAL" -> Level.ERROR;
            default -> null;
        };
    }

    public static synchronized void set(Level level) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
        ctx.getLogger("io.netty").setLevel(level.isGreaterOrEqual(Level.INFO) ? level : Level.INFO);
        beforeDisable = null;
    }

    public static synchronized String current() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Level l = ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel();
        return l == Level.OFF ? "OFF" : l.toString();
    }

    /** Turns the log off ({@code disable}) or back on at the level it had. */
    public static synchronized void toggle(boolean disable) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        if (disable) {
            if (root.getLevel() != Level.OFF) {
                beforeDisable = root.getLevel();
                root.setLevel(Level.OFF);
                ctx.getLogger("io.netty").setLevel(Level.OFF);
            }
        } else if (root.getLevel() == Level.OFF) {
            Level back = beforeDisable == null ? Level.INFO : beforeDisable;
            root.setLevel(back);
            ctx.getLogger("io.netty").setLevel(back.isGreaterOrEqual(Level.INFO) ? back : Level.INFO);
            beforeDisable = null;
        }
    }
}
