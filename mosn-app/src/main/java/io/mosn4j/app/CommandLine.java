package io.mosn4j.app;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code mosn} command line: its commands, their options, and the help text of each, laid out
 * as picocli lays it out. Written by hand, not with picocli: picocli's classes are compiled for
 * Java 5, which the JDK's AOT cache cannot hold, and loading them and reading the annotations took
 * ~100 ms of every start before anything else ran.
 *
 * <p>Every command takes {@code -h}/{@code --help} and {@code -V}/{@code --version}; an option's
 * value follows it as the next argument or after {@code =} ({@code -c FILE}, {@code --config=FILE}).
 * A wrong command line prints what is wrong and the command's usage on stderr and exits 2.
 */
final class CommandLine {
    static final int USAGE_ERROR = 2;
    private static final int WIDTH = 80;
    private static final Option HELP = new Option("-h", "--help", null, "Show this help message and exit.", false);
    private static final Option VERSION = new Option("-V", "--version", null, "Print version information and exit.", false);

    /** An option; {@code label} null for a flag, {@code shortName} null for a long name only. */
    record Option(String shortName, String longName, String label, String description, boolean required) {
        String names() {
            return (shortName == null ? "    " : shortName + ", ") + longName + (label == null ? "" : "=" + label);
        }

        String synopsis() {
            String s = (shortName != null ? shortName : longName) + (label == null ? "" : "=" + label);
            return required ? s : "[" + s + "]";
        }
    }

    /** What a command does with the options it was given (by long name): the process's exit code. */
    @FunctionalInterface
    interface Action {
        int run(Map<String, String> options) throws Exception;
    }

    /** A command: {@code header} is its line in the command list, {@code footer} its examples. */
    record Command(String name, String header, String description, List<Option> options, List<String> footer, Action action) {}

    private final String name;
    private final String description;
    private final List<Command> commands;
    private final List<String> footer;
    private final String version;

    CommandLine(String name, String description, List<Command> commands, List<String> footer, String version) {
        this.name = name;
        this.description = description;
        this.commands = List.copyOf(commands);
        this.footer = List.copyOf(footer);
        this.version = version;
    }

    /** Runs the command {@code args} name; returns the exit code. */
    int execute(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            out.print(usage());
            return 0;
        }
        String first = args[0];
        if (first.equals("-h") || first.equals("--help")) {
            out.print(usage());
            return 0;
        }
        if (first.equals("-V") || first.equals("--version")) {
            out.println(version);
            return 0;
        }
        if (first.equals("help")) {
            if (args.length == 1) {
                out.print(usage());
                return 0;
            }
            Command c = command(args[1]);
            if (c == null || args.length > 2) {
                return fail(err, c == null ? "Unknown subcommand '" + args[1] + "'." : "Unmatched argument at index 2: '" + args[2] + "'",
                        usage());
            }
            out.print(usage(c));
            return 0;
        }
        Command c = command(first);
        if (c == null) {
            return fail(err, (first.startsWith("-") ? "Unknown option: '" : "Unmatched argument at index 0: '") + first + "'", usage());
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(usage(c));
                return 0;
            }
            if (arg.equals("-V") || arg.equals("--version")) {
                out.println(version);
                return 0;
            }
            int eq = arg.startsWith("-") ? arg.indexOf('=') : -1;
            Option o = option(c, eq < 0 ? arg : arg.substring(0, eq));
            if (o == null) {
                return fail(err, (arg.startsWith("-") ? "Unknown option: '" : "Unmatched argument at index " + i + ": '") + arg + "'",
                        usage(c));
            }
            String value;
            if (o.label() == null) {
                value = "true";
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && option(c, args[i + 1]) == null) {
                value = args[++i];
            } else {
                return fail(err, "Missing required parameter for option '" + o.longName() + "' (" + o.label() + ")", usage(c));
            }
            values.put(o.longName(), value);
        }
        for (Option o : c.options()) {
            if (o.required() && !values.containsKey(o.longName())) {
                return fail(err, "Missing required option: '" + o.longName() + "=" + o.label() + "'", usage(c));
            }
        }
        return c.action().run(values);
    }

    private static int fail(PrintStream err, String message, String usage) {
        err.println(message);
        err.print(usage);
        return USAGE_ERROR;
    }

    private Command command(String commandName) {
        for (Command c : commands) {
            if (c.name().equals(commandName)) {
                return c;
            }
        }
        return null;
    }

    private static Option option(Command c, String optionName) {
        for (Option o : c.options()) {
            if (optionName.equals(o.longName()) || optionName.equals(o.shortName())) {
                return o;
            }
        }
        return null;
    }

    /** The top-level help: usage, description, the commands, the examples. */
    String usage() {
        StringBuilder sb = new StringBuilder("Usage: ").append(name).append(" [-hV] [COMMAND]\n");
        wrap(sb, description, 0, 0);
        List<String[]> options = List.of(new String[] {"-h, --help", HELP.description()},
                new String[] {"-V, --version", VERSION.description()});
        table(sb, options, 3);
        sb.append("Commands:\n");
        List<String[]> list = new ArrayList<>();
        for (Command c : commands) {
            list.add(new String[] {c.name(), c.header()});
        }
        list.add(new String[] {"help", "Display help information about the specified command."});
        table(sb, list, 2);
        footer(sb, footer);
        return sb.toString();
    }

    /** One command's help: its header, usage, description, options (by short name, as picocli sorts them), examples. */
    String usage(Command c) {
        List<Option> options = new ArrayList<>(c.options());
        options.add(HELP);
        options.add(VERSION);
        options.sort(Comparator.comparing(CommandLine::sortKey));
        StringBuilder sb = new StringBuilder(c.header()).append('\n');
        String usage = "Usage: " + name + " " + c.name() + " ";
        StringBuilder synopsis = new StringBuilder(usage).append("[-hV]");
        for (Option o : options) {
            if (o != HELP && o != VERSION) {
                synopsis.append(' ').append(o.synopsis());
            }
        }
        wrap(sb, synopsis.toString(), 0, usage.length());
        wrap(sb, c.description(), 0, 0);
        List<String[]> rows = new ArrayList<>();
        for (Option o : options) {
            rows.add(new String[] {o.names(), o.description()});
        }
        table(sb, rows, 3);
        footer(sb, c.footer());
        return sb.toString();
    }

    /** picocli's order: by short name (else long name) without dashes, ignoring case; -V after -v. */
    private static String sortKey(Option o) {
        String n = (o.shortName() != null ? o.shortName() : o.longName()).replace("-", "");
        return n.toLowerCase(Locale.ROOT) + (Character.isUpperCase(n.charAt(0)) ? "1" : "0");
    }

    private static void footer(StringBuilder sb, List<String> lines) {
        if (!lines.isEmpty()) {
            sb.append('\n');
            for (String line : lines) {
                sb.append(line).append('\n');
            }
        }
    }

    /**
     * Two columns: names indented by 2, descriptions from the column after the longest name plus
     * {@code gap} (at most column 30; a longer name gets a line of its own), wrapped 2 further in.
     */
    private static void table(StringBuilder sb, List<String[]> rows, int gap) {
        int longest = 0;
        for (String[] row : rows) {
            longest = Math.max(longest, row[0].length());
        }
        int column = Math.min(2 + longest + gap, 30);
        for (String[] row : rows) {
            String names = "  " + row[0];
            if (names.length() + gap > column) {
                sb.append(names).append('\n');
                names = "";
            }
            sb.append(names).append(" ".repeat(column - names.length()));
            wrap(sb, row[1], column, column + 2);
        }
    }

    /**
     * Appends {@code text} word-wrapped before column {@link #WIDTH}: its first line continues a line
     * already {@code column} characters long, the others start with {@code indent} spaces.
     */
    private static void wrap(StringBuilder sb, String text, int column, int indent) {
        int col = column;
        boolean empty = true;
        for (String word : text.split(" ")) {
            if (!empty && col + 1 + word.length() >= WIDTH) {
                sb.append('\n').append(" ".repeat(indent));
                col = indent;
                empty = true;
            }
            if (!empty) {
                sb.append(' ');
                col++;
            }
            sb.append(word);
            col += word.length();
            empty = false;
        }
        sb.append('\n');
    }
}
