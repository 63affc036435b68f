package io.mosn4j.app;

import io.mosn4j.config.ConfigLoader;
import io.mosn4j.server.Extensions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mosn schema}: prints the config's JSON Schema ({@link ConfigSchema}). */
@Command(name = "schema", mixinStandardHelpOptions = true, header = "Print the config's JSON Schema.",
        description = {"The JSON Schema (draft 2020-12) of a config file, generated from the classes the config is read "
                + "into, for editors' completion and checks. Keys are named in their canonical snake_case spelling."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  mosn schema > mosn.schema.json",
            "  then, first line of a YAML config (editors with the YAML language server):",
            "  # yaml-language-server: $schema=./mosn.schema.json",
            "  or in a JSON config: \"$schema\": \"./mosn.schema.json\""})
final class Schema implements Callable<Integer> {
    @Option(names = {"--plugins"}, paramLabel = "DIR",
            description = "Folder of extension jars whose filters and protocols the schema describes too "
                    + "(default: $MOSN_PLUGINS, else plugins/ of the installation).")
    Path plugins;

    @Override
    public Integer call() throws Exception {
        Extensions extensions;
        try {
            extensions = Main.extensions(Plugins.load(Plugins.directory(plugins), Main.class.getClassLoader()), null);
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
