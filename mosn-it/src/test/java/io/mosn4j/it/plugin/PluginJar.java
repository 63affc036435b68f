package io.mosn4j.it.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Puts this package's compiled classes ({@link HeaderEditFilter}) into a jar that {@code bin/mosn}
 * loads as an extension: the jar registers the filter for ServiceLoader and names an (empty)
 * {@code Premain-Class}, so that {@code MOSN_JAVA_OPTS=-javaagent:JAR} appends it to the JVM's
 * system class path, where mosn finds its extensions. bin/mosn has no plugin folder of its own yet;
 * this is the one way to add a class to its class path without touching its installation.
 */
public final class PluginJar {
    private PluginJar() {}

    /** Writes the jar to {@code target/it-plugin.jar} (once per JVM) and returns the JVM option loading it. */
    public static synchronized String javaOpts() {
        Path jar = Path.of("target", "it-plugin.jar").toAbsolutePath();
        try {
            Path classes = Path.of(HeaderEditFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path pkg = classes.resolve(HeaderEditFilter.class.getPackageName().replace('.', '/'));
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), HeaderEditFilter.Agent.class.getName());
            Files.createDirectories(jar.getParent());
            try (OutputStream file = Files.newOutputStream(jar);
                    JarOutputStream out = new JarOutputStream(file, manifest);
                    Stream<Path> files = Files.list(pkg)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(p));
                    out.closeEntry();
                }
                out.putNextEntry(new JarEntry("META-INF/services/io.mosn4j.api.filter.StreamFilterFactory"));
                out.write((HeaderEditFilter.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return "-javaagent:" + jar;
    }
}
