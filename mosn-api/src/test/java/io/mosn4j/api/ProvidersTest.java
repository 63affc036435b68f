package io.mosn4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {
    public interface Service {}

    public static final class First implements Service {}

    public static final class Second implements Service {}

    public static final class Third implements Service {}

    private static final String SERVICE = Service.class.getName();
    private static final String FIRST = First.class.getName();
    private static final String SECOND = Second.class.getName();
    private static final String THIRD = Third.class.getName();
    private final ClassLoader tests = ProvidersTest.class.getClassLoader();

    @Test
    void indexListsEachJarsRegistrationsInClassPathOrder(@TempDir Path dir) throws IOException {
        Path a = jar(dir.resolve("a.jar"), Map.of("META-INF/services/" + SERVICE, "# built-ins\n" + FIRST + "  # the first\n\n",
                "META-INF/services/other.Service", "x.Y\n", "META-INF/services/", ""));
        Path b = jar(dir.resolve("b.jar"), Map.of("META-INF/services/" + SERVICE, SECOND + "\n" + FIRST + "\n"));
        Providers.Index index = Providers.Index.parse(Providers.index(List.of(a, b)).lines().toList());
        assertThat(index.jars()).containsExactly("a.jar " + Files.size(a), "b.jar " + Files.size(b));
        assertThat(index.providers(SERVICE)).containsExactly(FIRST, SECOND, FIRST);
        assertThat(index.providers("other.Service")).containsExactly("x.Y");
        assertThat(index.providers("absent.Service")).isEmpty();
        // each listed once, as ServiceLoader gives a provider named twice
        assertThat(Providers.load(Service.class, tests, index, tests)).extracting(Object::getClass).containsExactly(First.class, Second.class);
    }

    @Test
    void pluginJarsAddTheirProvidersAfterTheIndexedOnesAsServiceLoaderDoes(@TempDir Path dir) throws IOException {
        // the index stands for this test's class path, whose registration (src/test/resources) lists First and Second
        Providers.Index index = Providers.Index.parse(List.of("jar tests 1", "service " + SERVICE, FIRST, SECOND));
        Path plugin = jar(dir.resolve("plugin.jar"), Map.of("META-INF/services/" + SERVICE, THIRD + "\n" + FIRST + "\n"));
        try (URLClassLoader plugins = new URLClassLoader("plugins", new URL[] {plugin.toUri().toURL()}, tests)) {
            List<Class<?>> viaIndex = Providers.load(Service.class, plugins, index, tests).stream().<Class<?>>map(Object::getClass).toList();
            assertThat(viaIndex).containsExactly(First.class, Second.class, Third.class);
            assertThat(viaIndex).isEqualTo(ServiceLoader.load(Service.class, plugins).stream().map(ServiceLoader.Provider::type).toList());
        }
    }

    @Test
    void anyOtherLoaderOrNoIndexIsServiceLoaders() throws IOException {
        Providers.Index wrong = Providers.Index.parse(List.of("service " + SERVICE, "no.such.Provider"));
        try (URLClassLoader child = new URLClassLoader(new URL[0], tests);
                URLClassLoader grandchild = new URLClassLoader(new URL[0], child)) {
            assertThat(Providers.load(Service.class, grandchild, wrong, tests)).extracting(Object::getClass)
                    .containsExactly(First.class, Second.class);
        }
        assertThat(Providers.load(Service.class, tests, null, tests)).extracting(Object::getClass).containsExactly(First.class, Second.class);
        assertThatThrownBy(() -> Providers.load(Service.class, tests, wrong, tests)).isInstanceOf(ServiceConfigurationError.class)
                .hasMessageContaining("no.such.Provider not found");
    }

    @Test
    void aProviderOfAnotherTypeIsRefused() {
        Providers.Index index = Providers.Index.parse(List.of("service " + SERVICE, String.class.getName()));
        assertThatThrownBy(() -> Providers.load(Service.class, tests, index, tests)).isInstanceOf(ServiceConfigurationError.class)
                .hasMessageContaining("java.lang.String is not a subtype");
    }

    @Test
    void anIndexIsUsedOnlyForTheClassPathItWasWrittenFor(@TempDir Path dir) throws IOException {
        Path a = jar(dir.resolve("a.jar"), Map.of("META-INF/services/" + SERVICE, FIRST + "\n"));
        Path b = jar(dir.resolve("b.jar"), Map.of("META-INF/services/" + SERVICE, SECOND + "\n"));
        Path file = dir.resolve("services.idx");
        Files.writeString(file, Providers.index(List.of(a, b)));
        String sep = java.io.File.pathSeparator;
        assertThat(Providers.Index.read(file, a + sep + b).providers(SERVICE)).containsExactly(FIRST, SECOND);
        assertThat(Providers.Index.read(file, b + sep + a)).as("another order").isSameAs(Providers.Index.NONE);
        assertThat(Providers.Index.read(file, a.toString())).as("a jar fewer").isSameAs(Providers.Index.NONE);
        assertThat(Providers.Index.read(file, a + sep + b + sep + dir.resolve("c.jar"))).as("a jar more").isSameAs(Providers.Index.NONE);
        assertThat(Providers.Index.read(dir.resolve("missing.idx"), a + sep + b)).isSameAs(Providers.Index.NONE);
        Files.write(b, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        assertThat(Providers.Index.read(file, a + sep + b)).as("a jar changed since").isSameAs(Providers.Index.NONE);
    }

    private static Path jar(Path file, Map<String, String> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : new java.util.TreeMap<>(entries).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
