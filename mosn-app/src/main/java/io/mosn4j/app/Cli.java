package io.mosn4j.app;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/**
 * picocli's model of the {@code mosn} commands, built in code. Declared with picocli's annotations,
 * the model was read by reflection at every start: each annotation instance is a dynamic proxy whose
 * class the JVM generates at run time (the AOT cache cannot hold it), ~25 ms of the ~350 before the
 * first proxied response. Parsing, help and errors are picocli's as before.
 */
final class Cli {
    private Cli() {}

    /** A command whose {@code userObject} (a Runnable or Callable) picocli runs; {@code -h} and {@code -V} included. */
    static CommandSpec command(Object userObject, String name, String header, String[] description, String... examples) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(userObject).name(name).versionProvider(new Main.Version());
        // picocli's mixinStandardHelpOptions reads these two from its annotated mixin class, for every command
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.")
                .build());
        spec.usageMessage().description(description);
        if (header != null) {
            spec.usageMessage().header(header);
        }
        if (examples.length > 0) {
            spec.usageMessage().footerHeading(examples.length == 1 ? "%nExample:%n" : "%nExamples:%n").footer(examples);
        }
        return spec;
    }

    /** An option taking one value of {@code type}, shown as {@code label} in the help. */
    static void option(CommandSpec spec, Class<?> type, String label, boolean required, String description, String... names) {
        spec.addOption(OptionSpec.builder(names).type(type).paramLabel(label).required(required).description(description).build());
    }

    /** The value parsed for the option named {@code name}, or null when it was not given. */
    static <T> T value(CommandSpec spec, String name) {
        return spec.findOption(name).getValue();
    }

    /** {@code help [COMMAND]}: the usage help of mosn, or of the command named. */
    static CommandSpec help() {
        CommandSpec spec = command(new Help(), "help", "Show the help of mosn or of one command.",
                new String[] {"Without a COMMAND, the help of mosn and the list of its commands; with one, that command's help "
                        + "(the same as mosn COMMAND --help)."},
                "  mosn help", "  mosn help start").helpCommand(true);
        spec.addPositional(PositionalParamSpec.builder().index("0").arity("0..1").paramLabel("COMMAND").type(String.class)
                .description("The command whose help to show.").build());
        return spec;
    }

    /** What {@code help} runs; picocli hands it the parse and the streams before running it. */
    private static final class Help implements Runnable, CommandLine.IHelpCommandInitializable2 {
        private CommandLine self;
        private PrintWriter out;
        private ColorScheme colors;

        @Override
        public void init(CommandLine helpCommandLine, ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
            this.self = helpCommandLine;
            this.colors = colorScheme;
            this.out = outWriter;
        }

        @Override
        public void run() {
            CommandLine parent = self.getParent();
            List<String> given = self.getCommandSpec().positionalParameters().getFirst().stringValues();
            if (given.isEmpty()) {
                parent.usage(out, colors);
                return;
            }
            CommandLine named = parent.getSubcommands().get(given.getFirst());
            if (named == null) {
                throw new ParameterException(parent, "Unknown subcommand '" + given.getFirst() + "'.", null, given.getFirst());
            }
            named.usage(out, colors);
        }
    }
}
