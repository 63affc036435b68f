package io.mosn4j.app;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Extension jars dropped into a plugins folder (the JVM's answer to MOSN's Go plugins): each is
 * searched, like the built-in modules, for ServiceLoader registrations (protocols, filters,
 * balancers, variables, features). The folder is {@code --plugins}, else {@code $MOSN_PLUGINS},
 * else {@code plugins/} of the installation; a missing folder means no plugins.
 */
final class Plugins {
    private Plugins() {}

    /** The class loader to find extensions with, and the jars it added (for the start-up log). */
    record Loaded(ClassLoader loader, List<Path> jars) {}

    static Loaded load(Path dir, ClassLoader parent) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return new Loaded(parent, List.of());
        }
        List<Path> jars;
        try (Stream<Path> s = Files.list(dir)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        if (jars.isEmpty()) {
            return new Loaded(parent, List.of());
        }
        List<URL> urls = new ArrayList<>();
        for (Path p : jars) {
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IOException("cannot read plugin " + p + ": " + e.getMessage(), e);
            }
        }
        return new Loaded(new URLClassLoader("mosn-plugins", urls.toArray(URL[]::new), parent), jars);
    }

    /** {@code --plugins}, else {@code $MOSN_PLUGINS}, else the {@code mosn4j.plugins} property bin/mosn sets. */
    static Path directory(Path option) {
        if (option != null) {
            return option;
        }
        String env = System.getenv("MOSN_PLUGINS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String prop = System.getProperty("mosn4j.plugins");
        return prop == null || prop.isBlank() ? null : Path.of(prop);
    }
}
