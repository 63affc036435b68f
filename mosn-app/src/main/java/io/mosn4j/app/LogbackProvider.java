package io.mosn4j.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LogbackServiceProvider;

/**
 * Logback as SLF4J's provider, named by {@code -Dslf4j.provider} (set in {@link Main} when the user did
 * not): SLF4J and logback otherwise each look up their providers with a {@code ServiceLoader}, a search
 * of every jar of the class path (a checkout's ~95 jars are all opened by it) for one class known in
 * advance, and logback reads its configurator's rank annotation (a proxy class generated at run time).
 * Configured by {@link LogbackSetup} as before; a {@code -Dlogback.configurationFile} still goes through
 * logback's own start-up, which reads it.
 */
public final class LogbackProvider extends LogbackServiceProvider {
    @Override
    public void initialize() {
        if (System.getProperty("logback.configurationFile") != null) {
            super.initialize();
            return;
        }
        LoggerContext ctx = (LoggerContext) getLoggerFactory();
        ctx.setName("default");
        ctx.setMDCAdapter(getMDCAdapter());
        LogbackSetup setup = new LogbackSetup();
        setup.setContext(ctx);
        setup.configure(ctx);
        ctx.start();
    }
}
