package io.mosn4j.app;

import io.mosn4j.config.ConfigLoader;
import io.mosn4j.server.Extensions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mosn schema}: prints the config's JSON Schema ({@link ConfigSchema}). */
final class Schema implements Callable<Integer> {
    private CommandSpec spec;

    static CommandSpec spec() {
        Schema schema = new Schema();
        CommandSpec spec = Cli.command(schema, "schema", "Print the config's JSON Schema.",
                new String[] {"The JSON Schema (draft 2020-12) of a config file, generated from the classes the config is read "
                        + "into, for editors' completion and checks. Keys are named in their canonical snake_case spelling."},
                "  mosn schema > mosn.schema.json",
                "  then, first line of a YAML config (editors with the YAML language server):",
                "  # yaml-language-server: $schema=./mosn.schema.json",
                "  or in a JSON config: \"$schema\": \"./mosn.schema.json\"");
        Cli.option(spec, Path.class, "DIR", false, "Folder of extension jars whose filters and protocols the schema describes too "
                + "(default: $MOSN_PLUGINS, else plugins/ of the installation).", "--plugins");
        schema.spec = spec;
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        Extensions extensions;
        try {
            extensions = Main.extensions(Plugins.load(Plugins.directory(Cli.value(spec, "--plugins")), Main.class.getClassLoader()), null);
        } catch (Main.ExtensionsException e) {
            System.err.println("mosn: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("mosn: cannot load extensions: " + e.getMessage());
            return 1;
        }
        System.out.println(ConfigLoader.mapper().writeValueAsString(ConfigSchema.generate(extensions)));
        return 0;
    }
}
