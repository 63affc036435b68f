package io.mosn4j.app;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.app.CommandLine.Command;
import io.mosn4j.app.CommandLine.Option;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.log.MosnLogging;
import io.mosn4j.server.ConfigCheck;
import io.mosn4j.server.Extensions;
import io.mosn4j.server.MosnServer;
import io.mosn4j.xds.AdsClient;
import io.mosn4j.xds.XdsBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The {@code mosn} command: {@code start}, {@code validate}, {@code schema}, {@code version}, and
 * {@code help} (or {@code --help} on any of them).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine().execute(args, System.out, System.err);
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    static CommandLine commandLine() {
        return new CommandLine("mosn",
                "mosn4j: MOSN, the cloud-native network proxy, on the JVM. Reads MOSN's v2 config files (JSON or YAML).",
                List.of(Start.COMMAND, Validate.COMMAND, Schema.COMMAND, VERSION),
                List.of("Examples:",
                        "  mosn start                       the built-in demo on 127.0.0.1:2045",
                        "  mosn start -c conf/mosn.yaml     run a MOSN config file",
                        "  mosn validate -c conf/mosn.yaml  check a config, starting nothing",
                        "  mosn schema > mosn.schema.json   the config's JSON Schema, for editors",
                        "  mosn start --help                one command's options and examples"),
                versionLine());
    }

    static final Command VERSION = new Command("version", "Print the version.", "Print mosn4j's version and the Java runtime's.",
            List.of(), List.of("Example:", "  mosn version"), options -> {
                System.out.println(versionLine());
                return 0;
            });

    static String versionLine() {
        return "mosn4j version " + version() + " (Java " + Runtime.version() + ")";
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/mosn-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    /**
     * {@code mosn start}: loads the config, binds its listeners and serves until SIGTERM, SIGINT or
     * the admin API's {@code /quitquitquit}, which drain.
     */
    static final class Start {
        static final Command COMMAND = new Command("start", "Start the proxy.",
                "Loads the config, binds its listeners and serves until SIGTERM or Ctrl-C, which drain requests in flight "
                        + "(up to graceful_timeout) before exiting 0. A config that cannot load is refused with one line naming "
                        + "the field, exit 1.",
                List.of(new Option("-c", "--config", "FILE", "MOSN config file (JSON or YAML). Without it, a demo config runs.", false),
                        new Option("-n", "--service-cluster", "NAME", "Service cluster (accepted for MOSN compatibility).", false),
                        new Option("-s", "--service-node", "NAME", "Service node (accepted for MOSN compatibility).", false),
                        new Option("-l", "--log-level", "LEVEL", "Override default_log_level.", false),
                        new Option("-f", "--feature-gates", "GATES",
                                "Turn features on or off: name=true,name=false (e.g. debug_api=true).", false),
                        new Option(null, "--plugins", "DIR",
                                "Folder of extension jars (default: $MOSN_PLUGINS, else plugins/ of the installation).", false)),
                List.of("Examples:",
                        "  mosn start                                the built-in demo on 127.0.0.1:2045",
                        "  mosn start -c conf/mosn.yaml              a config file (JSON or YAML)",
                        "  mosn start -c mosn.json --plugins ./ext   with the extension jars in ./ext",
                        "  mosn start -c mosn.json -f debug_api=true   with a feature on",
                        "  MOSN_JAVA_OPTS=-Xmx256m mosn start -c mosn.json   JVM options"),
                options -> new Start(options).call());

        private final Path config;
        private final String logLevel;
        private final String featureGates;
        private final Path plugins;

        Start(Map<String, String> options) {
            config = path(options.get("--config"));
            logLevel = options.get("--log-level");
            featureGates = options.get("--feature-gates");
            plugins = path(options.get("--plugins"));
        }

        int call() {
            Plugins.Loaded plugins;
            Extensions extensions;
            try {
                plugins = Plugins.load(Plugins.directory(this.plugins), Main.class.getClassLoader());
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
            AdsClient xds = bootstrap[0].dynamic() ? AdsClient.start(bootstrap[0], running) : null;
            CountDownLatch stopped = new CountDownLatch(1);
            Runnable stop = () -> {
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
            for (String sig : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(sig), s -> Thread.ofPlatform().name("mosn-shutdown").start(stop));
            }
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }

    }

    /** An option's path; null when the option was not given. */
    static Path path(String option) {
        return option == null ? null : Path.of(option);
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
