package io.mosn4j.app;

import io.mosn4j.config.ConfigLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

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
    @Override
    public Integer call() throws Exception {
        System.out.println(ConfigLoader.mapper().writeValueAsString(ConfigSchema.generate()));
        return 0;
    }
}
