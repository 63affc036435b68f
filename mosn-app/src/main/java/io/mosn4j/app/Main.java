package io.mosn4j.app;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.log.MosnLogging;
import io.mosn4j.server.ConfigCheck;
import io.mosn4j.server.Extensions;
import io.mosn4j.server.MosnServer;
import io.mosn4j.xds.AdsClient;
import io.mosn4j.xds.EnvoyAdmin;
import io.mosn4j.xds.XdsBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/**
 * The {@code mosn} command: {@code start}, {@code validate}, {@code schema}, {@code version}, and
 * {@code help} (or {@code --help} on any of them). The commands' model is built in code ({@link Cli}).
 */
public final class Main implements Runnable {

    public static void main(String[] args) {
        // picocli's default factory looks for Groovy's closure class (groovy.lang.Closure) unless told not to: a class
        // that is on no jar makes the class loader search every jar of the class path (a checkout's ~95: ~40 ms), which
        // version and help need not. mosn4j's commands are Java objects, never Groovy closures; a user's setting is kept.
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
        // logback named, not looked up by a scan of every jar (LogbackProvider); SLF4J's note that it was named is info
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", LogbackProvider.class.getName());
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
        String first = args.length > 0 ? args[0] : null;
        if ("start".equals(first) || "validate".equals(first)) {
            Preinit.begin(); // the config-reading commands' JDK set-up, on a second core while this one parses args
        }
        int code = commandLine(first).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * mosn with its commands; when {@code first} (the first argument) names one of them, with that command
     * alone: picocli builds a converter table per command (~30 reflective look-ups each), which the start
     * of {@code mosn start} need not pay five times. Anything else ({@code help}, an option, a typo) gets
     * every command, so the usage and picocli's suggestions list them all.
     */
    static CommandLine commandLine(String first) {
        Main main = new Main();
        CommandSpec mosn = Cli.command(main, "mosn", null,
                new String[] {"mosn4j: MOSN, the cloud-native network proxy, on the JVM. Reads MOSN's v2 config files (JSON or YAML)."},
                "  mosn start                       the built-in demo on 127.0.0.1:2045",
                "  mosn start -c conf/mosn.yaml     run a MOSN config file",
                "  mosn validate -c conf/mosn.yaml  check a config, starting nothing",
                "  mosn schema > mosn.schema.json   the config's JSON Schema, for editors",
                "  mosn start --help                one command's options and examples");
        Map<String, Supplier<CommandSpec>> commands = new LinkedHashMap<>();
        commands.put("start", Start::spec);
        commands.put("validate", Validate::spec);
        commands.put("schema", Schema::spec);
        commands.put("version", () -> Cli.command((Runnable) () -> System.out.println(new Version().getVersion()[0]), "version",
                "Print the version.", new String[] {"Print mosn4j's version and the Java runtime's."}, "  mosn version"));
        commands.put("help", Cli::help);
        boolean one = first != null && !first.equals("help") && commands.containsKey(first);
        commands.forEach((name, spec) -> {
            if (!one || name.equals(first)) {
                mosn.addSubcommand(name, spec.get());
            }
        });
        main.spec = mosn;
        return new CommandLine(mosn);
    }

    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** mosn4j's version, from {@code mosn-version.properties} in its jar, read once. */
    static String version() {
        return VersionHolder.VERSION;
    }

    /** Read on first use, by {@link Preinit} for {@code start} (the resource look-up opens the jar: ~4 ms on the main thread). */
    private static final class VersionHolder {
        static final String VERSION = readVersion();
    }

    private static String readVersion() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/mosn-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through to "unknown" (read once, perhaps on Preinit's thread: a failure must not fail the holder)
        }
        return p.getProperty("version", "unknown");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mosn4j version " + version() + " (Java " + Runtime.version() + ")"};
        }
    }

    /** {@code mosn start}. */
    static final class Start implements Callable<Integer> {
        private CommandSpec spec;

        static CommandSpec spec() {
            Start start = new Start();
            CommandSpec spec = Cli.command(start, "start", "Start the proxy.",
                    new String[] {"Loads the config, binds its listeners and serves until SIGTERM or Ctrl-C, which drain "
                            + "requests in flight (up to graceful_timeout) before exiting 0. A config that cannot load is refused with "
                            + "one line naming the field, exit 1."},
                    "  mosn start                                the built-in demo on 127.0.0.1:2045",
                    "  mosn start -c conf/mosn.yaml              a config file (JSON or YAML)",
                    "  mosn start -c mosn.json --plugins ./ext   with the extension jars in ./ext",
                    "  mosn start -c mosn.json -f debug_api=true   with a feature on",
                    "  MOSN_JAVA_OPTS=-Xmx256m mosn start -c mosn.json   JVM options");
            Cli.option(spec, Path.class, "FILE", false, "MOSN config file (JSON or YAML). Without it, a demo config runs.",
                    "-c", "--config");
            Cli.option(spec, String.class, "CLUSTER", false, "Service cluster (accepted for MOSN compatibility).",
                    "-n", "--service-cluster");
            Cli.option(spec, String.class, "NODE", false, "Service node (accepted for MOSN compatibility).", "-s", "--service-node");
            Cli.option(spec, String.class, "LEVEL", false, "Override default_log_level.", "-l", "--log-level");
            Cli.option(spec, String.class, "FEATURES", false,
                    "Turn features on or off: name=true,name=false (e.g. debug_api=true).", "-f", "--feature-gates");
            Cli.option(spec, Path.class, "DIR", false,
                    "Folder of extension jars (default: $MOSN_PLUGINS, else plugins/ of the installation).", "--plugins");
            start.spec = spec;
            return spec;
        }

        @Override
        public Integer call() {
            Path config = Cli.value(spec, "--config");
            String logLevel = Cli.value(spec, "--log-level");
            String featureGates = Cli.value(spec, "--feature-gates");
            Plugins.Loaded plugins;
            Extensions extensions;
            try {
                plugins = Plugins.load(Plugins.directory(Cli.value(spec, "--plugins")), Main.class.getClassLoader());
                extensions = extensions(plugins, featureGates);
            } catch (ExtensionsException e) {
                System.err.println("mosn: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                System.err.println("mosn: cannot load extensions: " + e.getMessage());
                return 1;
            }
            LoadedConfig loaded;
            XdsBootstrap[] bootstrap = new XdsBootstrap[1];
            // what the config sets but mosn4j does not act on: written once the log is set up from it
            ConfigWarnings warnings = new ConfigWarnings();
            try {
                Extensions checked = extensions;
                loaded = warnings.collect(() -> {
                    // an Envoy bootstrap (node, static_resources, dynamic_resources) may stand beside or instead of MOSN's sections
                    bootstrap[0] = XdsBootstrap.of(config == null ? defaultConfig().tree() : ConfigLoader.readTree(config));
                    LoadedConfig l = ConfigLoader.fromTree(bootstrap[0].mosn());
                    ConfigCheck.check(l, checked, bootstrap[0].dynamic()); // every config error before anything starts
                    return l;
                });
            } catch (ConfigException e) {
                System.err.println("mosn: invalid config" + (config == null ? "" : " " + config) + ": " + e.getMessage());
                return 1;
            }
            var server = loaded.config().server();
            MosnLogging.configure(server.defaultLogPath(), logLevel != null ? logLevel : server.defaultLogLevel(),
                    io.mosn4j.log.LogRoller.parse(server.globalLogRoller()));
            Logger log = LoggerFactory.getLogger("mosn");
            log.info("mosn4j {} starting with {} ({} event loops)", version(),
                    config == null ? "the built-in demo config" : config, server.eventLoops());
            if (!plugins.jars().isEmpty()) {
                log.info("plugins: {}", plugins.jars());
            }
            warnings.logNew();
            // SIGTERM and Ctrl-C are ours before the listeners bind: a signal that came between the
            // first request served and these handlers would have killed the JVM (exit 143) undrained
            CountDownLatch stopped = new CountDownLatch(1);
            AtomicReference<Runnable> onSignal = new AtomicReference<>();
            AtomicBoolean signalled = new AtomicBoolean();
            for (String sig : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(sig), s -> {
                    signalled.set(true);
                    Runnable r = onSignal.get();
                    if (r != null) {
                        Thread.ofPlatform().name("mosn-shutdown").start(r);
                    }
                });
            }
            MosnServer running;
            Thread.currentThread().setContextClassLoader(plugins.loader()); // admin extensions (AdminApi) come from plugins too
            try {
                running = MosnServer.start(loaded, extensions, warnings);
            } catch (ConfigException e) {
                log.error("cannot start: {}", e.getMessage());
                System.err.println("mosn: cannot start: " + e.getMessage());
                return 1;
            }
            log.info("mosn4j started");
            FilePages.start();
            AdsClient xds = bootstrap[0].dynamic() ? AdsClient.start(bootstrap[0], running) : null;
            EnvoyAdmin.install(running, bootstrap[0], xds);
            AtomicBoolean stopping = new AtomicBoolean();
            Runnable stop = () -> {
                if (!stopping.compareAndSet(false, true)) {
                    return;
                }
                log.info("signal received: draining and stopping");
                if (xds != null) {
                    xds.close();
                }
                running.shutdown();
                stopped.countDown();
            };
            running.onQuit(() -> Thread.ofPlatform().name("mosn-shutdown").start(() -> {
                log.info("POST /quitquitquit received: draining and stopping");
                running.shutdown();
                stopped.countDown();
            }));
            onSignal.set(stop);
            if (signalled.get()) { // it came while starting
                Thread.ofPlatform().name("mosn-shutdown").start(stop);
            }
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }

    }

    /** The built-in demo config, run by {@code mosn start} without {@code -c}. */
    static LoadedConfig defaultConfig() {
        try (InputStream in = Main.class.getResourceAsStream("/default-config.json")) {
            return ConfigLoader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new IllegalStateException("built-in config missing", e);
        }
    }

    /** The extensions on the class path and in the plugins jars, with {@code featureGates} applied. */
    static Extensions extensions(Plugins.Loaded plugins, String featureGates) {
        Extensions extensions;
        try {
            extensions = Extensions.load(plugins.loader());
        } catch (IllegalStateException | java.util.ServiceConfigurationError e) {
            throw new ExtensionsException("cannot load extensions: " + e.getMessage());
        }
        try {
            return extensions.withFeatures(extensions.features().with(featureGates));
        } catch (IllegalArgumentException e) {
            throw new ExtensionsException("invalid --feature-gates: " + e.getMessage());
        }
    }

    /** Extensions that cannot load, or feature gates that do not parse: one line for the user. */
    static final class ExtensionsException extends RuntimeException {
        ExtensionsException(String message) {
            super(message, null, false, false);
        }
    }
}
