package io.mosn4j.app;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.LoadedConfig;
import io.mosn4j.server.ConfigCheck;
import io.mosn4j.server.Extensions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mosn validate -c FILE}: everything {@code mosn start} would check before binding a port,
 * with the same extensions (plugins, feature gates), but every error rather than the first, and
 * the warnings a start would log for settings accepted but not acted on. Binds nothing.
 */
final class Validate implements Callable<Integer> {
    private CommandSpec spec;

    static CommandSpec spec() {
        Validate validate = new Validate();
        CommandSpec spec = Cli.command(validate, "validate", "Check a config without starting anything.",
                new String[] {"Loads and checks a config exactly as start would, without binding a port or starting anything. "
                        + "Prints every error with its field path (exit 1), and one warning line for each setting that is accepted "
                        + "but not acted on yet; exit 0 when there is no error."},
                "  mosn validate -c conf/mosn.yaml",
                "  mosn validate -c mosn.json --plugins ./ext   with extension jars' filters",
                "",
                "Output (one line each):",
                "  error: cluster_manager.clusters[0].lb_type: unknown value \"LB_FOO\" (...)",
                "  warning: tracing: tracing is not supported yet; ignored");
        Cli.option(spec, Path.class, "FILE", true, "MOSN config file (JSON, or YAML by its .yaml/.yml extension).",
                "-c", "--config");
        Cli.option(spec, String.class, "FEATURES", false, "Features as start would have them: name=true,name=false.",
                "-f", "--feature-gates");
        Cli.option(spec, Path.class, "DIR", false,
                "Folder of extension jars (default: $MOSN_PLUGINS, else plugins/ of the installation).", "--plugins");
        validate.spec = spec;
        return spec;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Path config = Cli.value(spec, "--config");
        Extensions extensions;
        try {
            extensions = Main.extensions(Plugins.load(Plugins.directory(Cli.value(spec, "--plugins")), Main.class.getClassLoader()),
                    Cli.value(spec, "--feature-gates"));
        } catch (Main.ExtensionsException e) {
            System.err.println("mosn: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("mosn: cannot load extensions: " + e.getMessage());
            return 1;
        }
        ConfigWarnings warnings = new ConfigWarnings();
        Report report = warnings.collect(() -> check(config, extensions));
        for (ConfigException e : report.errors()) {
            out.println("error: " + e.getMessage());
        }
        for (String w : warnings.all()) {
            out.println("warning: " + w);
        }
        if (!report.errors().isEmpty()) {
            out.println(config + ": " + count(report.errors().size(), "error") + ", " + count(warnings.all().size(), "warning"));
            return 1;
        }
        out.println(config + ": valid, " + count(report.listeners().size(), "listener")
                + (warnings.all().isEmpty() ? "" : ", " + count(warnings.all().size(), "warning")));
        report.listeners().forEach((name, chains) -> out.println("  listener " + name + ": " + chains));
        return 0;
    }

    private record Report(List<ConfigException> errors, Map<String, String> listeners) {}

    private static Report check(Path config, Extensions extensions) {
        List<ConfigException> errors = ConfigLoader.problems(config);
        if (!errors.isEmpty()) {
            return new Report(errors, Map.of());
        }
        LoadedConfig loaded = ConfigLoader.load(config);
        errors = ConfigCheck.problems(loaded, extensions);
        return new Report(errors, errors.isEmpty() ? ConfigCheck.check(loaded, extensions) : Map.of());
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
