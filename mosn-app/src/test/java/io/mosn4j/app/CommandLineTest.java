package io.mosn4j.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.app.CommandLine.Command;
import io.mosn4j.app.CommandLine.Option;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private final Map<String, String> ran = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private final Command run = new Command("run", "Run it.", "Runs it for a long while, and this description is long enough "
            + "to be wrapped at eighty columns in the help.",
            List.of(new Option("-c", "--config", "FILE", "The config file.", true),
                    new Option("-l", "--log-level", "LEVEL", "The log level.", false),
                    new Option(null, "--plugins", "DIR", "Folder of extension jars, with a description long enough to wrap.", false)),
            List.of("Examples:", "  tool run -c x.yaml"), options -> {
                ran.putAll(options);
                return options.containsKey("--log-level") ? 7 : 0;
            });
    private final CommandLine cli = new CommandLine("tool", "tool: does things.", List.of(run), List.of("Examples:", "  tool run"),
            "tool version 1");

    private int execute(String... args) throws Exception {
        return cli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void optionValuesAsNextArgumentOrAfterEquals() throws Exception {
        assertThat(execute("run", "-c", "a.yaml", "--plugins=./ext")).isZero();
        assertThat(ran).containsExactlyInAnyOrderEntriesOf(Map.of("--config", "a.yaml", "--plugins", "./ext"));
        ran.clear();
        assertThat(execute("run", "--config", "b.json", "-l=debug")).isEqualTo(7); // the command's own exit code
        assertThat(ran).containsExactlyInAnyOrderEntriesOf(Map.of("--config", "b.json", "--log-level", "debug"));
        assertThat(err()).isEmpty();
    }

    @Test
    void wrongCommandLinesSayWhatIsWrongWithTheUsageOnStderrAndExit2() throws Exception {
        assertThat(execute("run", "-c", "a", "-x")).isEqualTo(2);
        assertThat(err()).startsWith("Unknown option: '-x'\nRun it.\nUsage: tool run");
        err.reset();
        assertThat(execute("run")).isEqualTo(2);
        assertThat(err()).startsWith("Missing required option: '--config=FILE'\n");
        err.reset();
        assertThat(execute("run", "-c")).isEqualTo(2);
        assertThat(err()).startsWith("Missing required parameter for option '--config' (FILE)\n");
        err.reset();
        assertThat(execute("run", "-c", "--plugins", "x")).isEqualTo(2);
        assertThat(err()).startsWith("Missing required parameter for option '--config' (FILE)\n");
        err.reset();
        assertThat(execute("run", "-c", "a", "extra")).isEqualTo(2);
        assertThat(err()).startsWith("Unmatched argument at index 3: 'extra'\n");
        err.reset();
        assertThat(execute("walk")).isEqualTo(2);
        assertThat(err()).startsWith("Unmatched argument at index 0: 'walk'\nUsage: tool [-hV] [COMMAND]\n");
        err.reset();
        assertThat(execute("help", "walk")).isEqualTo(2);
        assertThat(err()).startsWith("Unknown subcommand 'walk'.\n");
        assertThat(ran).isEmpty();
        assertThat(out()).isEmpty();
    }

    @Test
    void helpAndVersionAnywhere() throws Exception {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("-h"), List.of("--help"), List.of("help"))) {
            out.reset();
            assertThat(execute(args.toArray(String[]::new))).as("%s", args).isZero();
            assertThat(out()).as("%s", args).isEqualTo("""
                    Usage: tool [-hV] [COMMAND]
                    tool: does things.
                      -h, --help      Show this help message and exit.
                      -V, --version   Print version information and exit.
                    Commands:
                      run   Run it.
                      help  Display help information about the specified command.

                    Examples:
                      tool run
                    """);
        }
        for (List<String> args : List.of(List.of("run", "--help"), List.of("help", "run"), List.of("run", "-c", "x", "-h"))) {
            out.reset();
            assertThat(execute(args.toArray(String[]::new))).as("%s", args).isZero();
            assertThat(out()).as("%s", args).isEqualTo("""
                    Run it.
                    Usage: tool run [-hV] -c=FILE [-l=LEVEL] [--plugins=DIR]
                    Runs it for a long while, and this description is long enough to be wrapped at
                    eighty columns in the help.
                      -c, --config=FILE       The config file.
                      -h, --help              Show this help message and exit.
                      -l, --log-level=LEVEL   The log level.
                          --plugins=DIR       Folder of extension jars, with a description long
                                                enough to wrap.
                      -V, --version           Print version information and exit.

                    Examples:
                      tool run -c x.yaml
                    """);
        }
        for (List<String> args : List.of(List.of("-V"), List.of("--version"), List.of("run", "-V"))) {
            out.reset();
            assertThat(execute(args.toArray(String[]::new))).as("%s", args).isZero();
            assertThat(out()).as("%s", args).isEqualTo("tool version 1\n");
        }
        assertThat(ran).isEmpty();
        assertThat(err()).isEmpty();
    }
}
