package io.mosn4j.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The providers of a service registered under {@code META-INF/services/}, as {@link ServiceLoader}
 * finds them on the class path and in the plugins' jars: same classes, same order, one instance each.
 *
 * <p>The packaged installation's {@code bin/mosn} passes an index of the class path's registrations
 * ({@code -Dmosn4j.services=lib/services.idx}, written when the archive is built). A {@code ServiceLoader}
 * lookup asks the class loader for every jar's copy of the registration file, which opens every jar on
 * the class path; the merged library jar has 37,000 entries, and reading its central directory was
 * ~30 ms of every start, spent on nothing else (the AOT cache serves the classes themselves). With the
 * index only the plugins' jars are searched. The index names the jars it was written for, with their
 * sizes: on any other class path (a checkout, a test, a jar added to {@code lib/}) this is
 * {@code ServiceLoader}.
 */
public final class Providers {
    /** The system property naming the index file. */
    public static final String INDEX_PROPERTY = "mosn4j.services";

    private static final String SERVICES = "META-INF/services/";

    private static volatile Index systemIndex;

    private Providers() {}

    /** Every provider of {@code type} that {@code ServiceLoader.load(type, loader)} would give. */
    public static <T> List<T> load(Class<T> type, ClassLoader loader) {
        return load(type, loader, systemIndex(), ClassLoader.getSystemClassLoader());
    }

    /**
     * As {@link #load(Class, ClassLoader)}, with {@code index} describing the class path of
     * {@code indexed}: used for {@code indexed} itself and for a {@link URLClassLoader} whose parent it
     * is (the plugins' loader), whose own jars are searched after it, as the parent's resources come
     * first. Any other loader, or no index, is {@code ServiceLoader}'s.
     */
    static <T> List<T> load(Class<T> type, ClassLoader loader, Index index, ClassLoader indexed) {
        if (index == null || (loader != indexed && !(loader instanceof URLClassLoader u && u.getParent() == indexed))) {
            return ServiceLoader.load(type, loader).stream().map(ServiceLoader.Provider::get).toList();
        }
        Set<String> names = new LinkedHashSet<>(index.providers(type.getName()));
        if (loader instanceof URLClassLoader plugins && loader != indexed) {
            try {
                Enumeration<URL> files = plugins.findResources(SERVICES + type.getName());
                while (files.hasMoreElements()) {
                    URL file = files.nextElement();
                    try (InputStream in = file.openStream()) {
                        names.addAll(parse(in));
                    }
                }
            } catch (IOException e) {
                throw new ServiceConfigurationError(type.getName() + ": cannot read a plugin's registration: " + e.getMessage(), e);
            }
        }
        List<T> providers = new ArrayList<>(names.size());
        for (String name : names) {
            providers.add(instantiate(type, name, loader));
        }
        return List.copyOf(providers);
    }

    private static <T> T instantiate(Class<T> type, String name, ClassLoader loader) {
        Class<?> c;
        try {
            c = Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new ServiceConfigurationError(type.getName() + ": provider " + name + " not found", e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new ServiceConfigurationError(type.getName() + ": provider " + name + " is not a subtype");
        }
        try {
            return type.cast(c.getConstructor().newInstance());
        } catch (InvocationTargetException e) {
            throw new ServiceConfigurationError(type.getName() + ": provider " + name + " could not be instantiated", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ServiceConfigurationError(type.getName() + ": provider " + name + " could not be instantiated", e);
        }
    }

    /** The class names of a registration file: one per line, {@code #} to the line's end a comment. */
    static List<String> parse(InputStream in) throws IOException {
        List<String> names = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            int hash = line.indexOf('#');
            String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * The text of an index of the registrations in {@code classPath}'s jars, in class path order, for
     * {@code -Dmosn4j.services}: packaging writes it beside the jars it describes.
     */
    public static String index(List<Path> classPath) throws IOException {
        StringBuilder b = new StringBuilder("# the META-INF/services registrations of bin/mosn's class path (io.mosn4j.api.Providers)\n");
        Map<String, List<String>> services = new LinkedHashMap<>();
        for (Path jar : classPath) {
            b.append("jar ").append(jar.getFileName()).append(' ').append(Files.size(jar)).append('\n');
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry e : zip.stream().filter(e -> !e.isDirectory() && e.getName().startsWith(SERVICES)).toList()) {
                    String service = e.getName().substring(SERVICES.length());
                    if (service.isEmpty() || service.contains("/")) {
                        continue;
                    }
                    try (InputStream in = zip.getInputStream(e)) {
                        services.computeIfAbsent(service, k -> new ArrayList<>()).addAll(parse(in));
                    }
                }
            }
        }
        services.forEach((service, providers) -> {
            b.append("service ").append(service).append('\n');
            providers.forEach(p -> b.append(p).append('\n'));
        });
        return b.toString();
    }

    private static Index systemIndex() {
        Index i = systemIndex;
        if (i == null) {
            String file = System.getProperty(INDEX_PROPERTY);
            i = file == null || file.isBlank() ? Index.NONE : Index.read(Path.of(file), System.getProperty("java.class.path", ""));
            systemIndex = i;
        }
        return i == Index.NONE ? null : i;
    }

    /**
     * An index of a class path's registrations. Its text: {@code jar NAME SIZE} for each jar of the class
     * path in order, then {@code service INTERFACE} followed by that service's providers, one per line, in
     * the order the class path lists them ({@code #} lines are comments).
     */
    record Index(List<String> jars, Map<String, List<String>> services) {
        static final Index NONE = new Index(List.of(), Map.of());

        List<String> providers(String service) {
            return services.getOrDefault(service, List.of());
        }

        /**
         * The index in {@code file} when it was written for {@code classPath} (the same jar names, in
         * order, of the same sizes), else {@link #NONE}.
         */
        static Index read(Path file, String classPath) {
            Index index;
            try {
                index = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                return NONE;
            }
            String[] entries = classPath.isEmpty() ? new String[0] : classPath.split(java.io.File.pathSeparator);
            if (entries.length != index.jars.size()) {
                return NONE;
            }
            for (int i = 0; i < entries.length; i++) {
                Path jar = Path.of(entries[i]);
                try {
                    if (!(jar.getFileName() + " " + Files.size(jar)).equals(index.jars.get(i))) {
                        return NONE;
                    }
                } catch (IOException e) {
                    return NONE;
                }
            }
            return index;
        }

        static Index parse(List<String> lines) {
            List<String> jars = new ArrayList<>();
            Map<String, List<String>> services = new LinkedHashMap<>();
            List<String> current = null;
            for (String line : lines) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("jar ")) {
                    jars.add(line.substring(4));
                } else if (line.startsWith("service ")) {
                    current = services.computeIfAbsent(line.substring(8), k -> new ArrayList<>());
                } else if (current != null) {
                    current.add(line.strip());
                } else {
                    throw new IllegalArgumentException("a provider before any service: " + line);
                }
            }
            services.replaceAll((k, v) -> List.copyOf(v));
            return new Index(List.copyOf(jars), Map.copyOf(services));
        }
    }
}
