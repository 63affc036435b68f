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
 * Puts this package's compiled classes ({@link HeaderEditFilter}, {@link MetadataBalancer}, {@link AllowedNamesProvider},
 * {@link HelloAdminApi}) into a jar registering them for ServiceLoader, alone in a plugins folder, which
 * {@code bin/mosn --plugins DIR} loads as a user's
 * extension jar.
 */
public final class PluginJar {
    private PluginJar() {}

    /** Writes the jar to {@code target/it-plugins/it-plugin.jar} (once per JVM) and returns its folder. */
    public static synchronized Path folder() {
        Path jar = Path.of("target", "it-plugins", "it-plugin.jar").toAbsolutePath();
        try {
            Path classes = Path.of(HeaderEditFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path pkg = classes.resolve(HeaderEditFilter.class.getPackageName().replace('.', '/'));
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
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
                out.putNextEntry(new JarEntry("META-INF/services/io.mosn4j.api.admin.AdminApi"));
                out.write((HelloAdminApi.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                out.putNextEntry(new JarEntry("META-INF/services/io.mosn4j.api.upstream.LoadBalancerFactory"));
                out.write((MetadataBalancer.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                out.putNextEntry(new JarEntry("META-INF/services/io.mosn4j.api.tls.CertificateProvider"));
                out.write((AllowedNamesProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return jar.getParent();
    }
}
