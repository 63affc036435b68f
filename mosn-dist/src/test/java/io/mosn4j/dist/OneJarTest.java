package io.mosn4j.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge of lib/'s jars: what the class loader finds in the merged jar is what it found on the
 * class path of the jars, in bin/mosn's order, and what cannot be merged without changing that stops
 * the build. The jars are small ones made here; their "classes" are bytes read as resources.
 */
class OneJarTest {
    @TempDir
    Path tmp;

    @Test
    void theMergedJarGivesWhatTheJarsGaveOnTheClassPath() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        // C-locale order, bin/mosn's: upper case before lower case, so Zeta.jar comes first
        jar(lib, "Zeta.jar", manifest(Map.of()), Map.of("p/A.class", "Zeta's A"));
        jar(lib, "a-lib.jar", manifest(Map.of("Implementation-Version", "1.0")), entries(
                "p/A.class", "a's A",
                "p/OnlyA.class", "a's only",
                "META-INF/services/x.Spi", "a.Impl\n",
                "META-INF/io.netty.versions.properties", "netty-a.version=1\n",
                "META-INF/LICENSE", "a's licence",
                "META-INF/ABC.SF", "signature",
                "META-INF/ABC.RSA", "signature",
                "module-info.class", "a's module"));
        jar(lib, "b-lib.jar", manifest(Map.of()), entries(
                "p/A.class", "Zeta's A", // the same bytes as the first: not a difference worth a word
                "META-INF/services/x.Spi", "b.Impl", // no line end: one is added
                "META-INF/io.netty.versions.properties", "netty-b.version=2\n",
                "META-INF/LICENSE", "b's licence",
                "LICENSE.txt", "b's top-level licence",
                "META-INF/license/LICENSE.zlib.txt", "zlib's licence, bundled in b",
                "META-INF/notice-handler.properties", "a resource, not a notice",
                "META-INF/maven/g/shaded/pom.properties", "version=2",
                "module-info.class", "b's module"));
        jar(lib, "c-lib.jar", null, entries(
                "META-INF/maven/g/shaded/pom.properties", "version=3", // read with getResource: the first one wins
                "r/data.txt", "c's data"));
        jar(lib, "mosn-app-1.0.jar", manifest(Map.of()), Map.of("io/mosn4j/app/Main.class", "main"));
        Path before = copy(lib, tmp.resolve("before"));

        OneJar.Result result = OneJar.merge(lib);

        assertThat(list(lib)).containsExactly("mosn-app-1.0.jar", "mosn4j-libs.jar");
        Path merged = lib.resolve("mosn4j-libs.jar");
        assertThat(result.inputs()).containsExactly("Zeta.jar", "a-lib.jar", "b-lib.jar", "c-lib.jar");
        try (URLClassLoader was = loader(before, "Zeta.jar", "a-lib.jar", "b-lib.jar", "c-lib.jar"); URLClassLoader now = loader(lib, "mosn4j-libs.jar")) {
            for (String name : List.of("p/A.class", "p/OnlyA.class", "r/data.txt", "META-INF/maven/g/shaded/pom.properties",
                    "META-INF/notice-handler.properties")) {
                assertThat(read(now, name)).as(name).isEqualTo(read(was, name)).isNotNull();
            }
            assertThat(read(now, "p/A.class")).isEqualTo("Zeta's A");
            assertThat(read(now, "META-INF/services/x.Spi")).isEqualTo("a.Impl\nb.Impl\n");
            assertThat(read(now, "META-INF/io.netty.versions.properties")).isEqualTo("netty-a.version=1\nnetty-b.version=2\n");
            assertThat(now.findResource("module-info.class")).isNull();
            assertThat(read(now, "META-INF/licenses/a-lib.jar/META-INF/LICENSE")).isEqualTo("a's licence");
            assertThat(read(now, "META-INF/licenses/b-lib.jar/META-INF/LICENSE")).isEqualTo("b's licence");
            assertThat(read(now, "META-INF/licenses/b-lib.jar/LICENSE.txt")).isEqualTo("b's top-level licence");
            assertThat(read(now, "META-INF/licenses/b-lib.jar/META-INF/license/LICENSE.zlib.txt")).isEqualTo("zlib's licence, bundled in b");
            assertThat(read(now, "META-INF/notice-handler.properties")).isEqualTo("a resource, not a notice");
            assertThat(read(now, "META-INF/mosn4j-libs.txt")).endsWith("\nZeta.jar\na-lib.jar\nb-lib.jar\nc-lib.jar\n");
        }
        try (JarFile jar = new JarFile(merged.toFile())) {
            assertThat(names(jar)).noneMatch(n -> n.endsWith(".SF") || n.endsWith(".RSA")).contains("p/", "META-INF/services/");
            assertThat(names(jar).subList(0, 2)).containsExactly("META-INF/", "META-INF/MANIFEST.MF");
            Attributes main = jar.getManifest().getMainAttributes();
            assertThat(main).containsOnlyKeys(Attributes.Name.MANIFEST_VERSION); // none of the inputs was multi-release
            assertThat(jar.isMultiRelease()).isFalse();
        }
        assertThat(result.shadowedClasses()).containsExactly(new OneJar.Shadowed("p/A.class", "Zeta.jar", "a-lib.jar"));
        assertThat(result.signatureFiles()).isEqualTo(2);
    }

    @Test
    void versionsOfAMultiReleaseJarKeepTheirMeaningUnlessAnEarlierJarHoldsTheName() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "a.jar", manifest(Map.of()), entries("q/V.class", "a's V"));
        jar(lib, "b.jar", manifest(Map.of("Multi-Release", "true")), entries(
                "q/V.class", "b's V",
                "META-INF/versions/11/q/V.class", "b's V for 11", // hidden on the class path by a.jar's q/V.class
                "q/W.class", "b's W",
                "META-INF/versions/11/q/W.class", "b's W for 11",
                "META-INF/versions/9/module-info.class", "b's module",
                "META-INF/versions/9/OSGI-INF/MANIFEST.MF", "b's bundle"));
        jar(lib, "c.jar", manifest(Map.of("Multi-Release", "TRUE")), entries(
                "META-INF/versions/17/q/W.class", "c's W for 17", // b.jar's W was found first
                "META-INF/versions/17/OSGI-INF/MANIFEST.MF", "c's bundle")); // as b.jar's version 9 was
        Path before = copy(lib, tmp.resolve("before"));

        OneJar.merge(lib);

        try (URLClassLoader was = loader(before, "a.jar", "b.jar", "c.jar"); URLClassLoader now = loader(lib, "mosn4j-libs.jar")) {
            for (String name : List.of("q/V.class", "q/W.class", "OSGI-INF/MANIFEST.MF")) {
                assertThat(read(now, name)).as(name).isEqualTo(read(was, name)).isNotNull();
            }
            assertThat(read(now, "q/W.class")).isEqualTo("b's W for 11");
        }
        try (JarFile jar = new JarFile(lib.resolve("mosn4j-libs.jar").toFile(), true, ZipFile.OPEN_READ, Runtime.version())) {
            assertThat(jar.isMultiRelease()).isTrue();
            assertThat(names(jar)).noneMatch(n -> n.endsWith("module-info.class")).doesNotContain("META-INF/versions/11/q/V.class");
        }
    }

    @Test
    void librariesNoRequestUsesGoToASecondJarEachEntryInOneOfThem() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "api.jar", manifest(Map.of("Multi-Release", "true")), entries(
                "io/envoyproxy/envoy/config/Listener.class", "envoy's listener",
                "envoy/config/listener.proto", "envoy's proto",
                "META-INF/versions/11/io/envoyproxy/envoy/config/Listener.class", "envoy's listener for 11",
                "META-INF/services/x.Spi", "envoy.Impl\n",
                "META-INF/LICENSE", "envoy's licence"));
        jar(lib, "netty.jar", manifest(Map.of()), entries(
                "io/netty/Channel.class", "netty's channel",
                "com/google/Shaded.class", "netty's copy", // the first holder of a name wins wherever it is put
                "META-INF/services/x.Spi", "netty.Impl\n"));
        jar(lib, "protobuf.jar", manifest(Map.of()), entries(
                "com/google/protobuf/Message.class", "protobuf's message",
                "com/google/Shaded.class", "protobuf's copy"));
        Path before = copy(lib, tmp.resolve("before"));

        OneJar.Result result = OneJar.merge(lib);

        assertThat(list(lib)).containsExactly("mosn4j-libs.jar", "mosn4j-other.jar"); // the C locale's order, bin/mosn's
        try (URLClassLoader was = loader(before, "api.jar", "netty.jar", "protobuf.jar");
                URLClassLoader now = loader(lib, "mosn4j-libs.jar", "mosn4j-other.jar")) {
            for (String name : List.of("io/envoyproxy/envoy/config/Listener.class", "envoy/config/listener.proto", "io/netty/Channel.class",
                    "com/google/Shaded.class", "com/google/protobuf/Message.class")) {
                assertThat(read(now, name)).as(name).isEqualTo(read(was, name)).isNotNull();
            }
            assertThat(read(now, "META-INF/services/x.Spi")).isEqualTo("envoy.Impl\nnetty.Impl\n");
            assertThat(read(now, "META-INF/licenses/api.jar/META-INF/LICENSE")).isEqualTo("envoy's licence");
        }
        try (JarFile libs = new JarFile(lib.resolve("mosn4j-libs.jar").toFile());
                JarFile other = new JarFile(lib.resolve("mosn4j-other.jar").toFile(), true, ZipFile.OPEN_READ, Runtime.version())) {
            assertThat(names(libs)).contains("io/netty/Channel.class", "META-INF/services/x.Spi", "META-INF/mosn4j-libs.txt",
                    "META-INF/licenses/api.jar/META-INF/LICENSE").noneMatch(n -> n.startsWith("io/envoyproxy/")
                            || n.startsWith("com/google/") || n.startsWith("envoy/") || n.startsWith("META-INF/versions/"));
            assertThat(names(other)).containsExactly("META-INF/", "META-INF/MANIFEST.MF", "META-INF/versions/",
                    "META-INF/versions/11/", "META-INF/versions/11/io/", "META-INF/versions/11/io/envoyproxy/",
                    "META-INF/versions/11/io/envoyproxy/envoy/", "META-INF/versions/11/io/envoyproxy/envoy/config/",
                    "META-INF/versions/11/io/envoyproxy/envoy/config/Listener.class", "com/", "com/google/", "com/google/Shaded.class",
                    "com/google/protobuf/", "com/google/protobuf/Message.class", "envoy/", "envoy/config/", "envoy/config/listener.proto",
                    "io/", "io/envoyproxy/", "io/envoyproxy/envoy/", "io/envoyproxy/envoy/config/",
                    "io/envoyproxy/envoy/config/Listener.class");
            // multi-release, as its inputs: the version for this runtime is the one read
            assertThat(other.isMultiRelease()).isTrue();
            try (InputStream in = other.getInputStream(other.getJarEntry("io/envoyproxy/envoy/config/Listener.class"))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("envoy's listener for 11");
            }
        }
        assertThat(result.entries() + result.otherEntries()).isEqualTo(countEntries(lib, "mosn4j-libs.jar") + countEntries(lib, "mosn4j-other.jar"));
    }

    private static int countEntries(Path lib, String jar) throws IOException {
        try (ZipFile zip = new ZipFile(lib.resolve(jar).toFile())) {
            return zip.size();
        }
    }

    @Test
    void theSameJarsMakeTheSameBytes() throws Exception {
        Path one = Files.createDirectories(tmp.resolve("one"));
        jar(one, "b.jar", manifest(Map.of()), entries("q/B.class", "b", "META-INF/services/x.Spi", "b.Impl\n"));
        jar(one, "a.jar", manifest(Map.of()), entries("q/A.class", "a", "META-INF/services/x.Spi", "a.Impl\n", "META-INF/NOTICE", "a"));
        Path two = copy(one, tmp.resolve("two"));
        OneJar.merge(one);
        Thread.sleep(2100); // another zip time (2 s steps) on the clock: entry times are the merge's own, not now
        OneJar.merge(two);
        assertThat(Files.readAllBytes(one.resolve("mosn4j-libs.jar"))).isEqualTo(Files.readAllBytes(two.resolve("mosn4j-libs.jar")));
    }

    @Test
    void aClassPathInAManifestStopsTheMergeAndLeavesLibAsItWas() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "a.jar", manifest(Map.of()), entries("q/A.class", "a"));
        jar(lib, "b.jar", manifest(Map.of("Class-Path", "extra.jar")), entries("q/B.class", "b"));
        assertThatThrownBy(() -> OneJar.merge(lib)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("b.jar's manifest has Class-Path: extra.jar").hasMessageContaining("would be missing");
        assertThat(list(lib)).containsExactly("a.jar", "b.jar");
    }

    @Test
    void versionsInAJarThatIsNotMultiReleaseStopTheMerge() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "a.jar", manifest(Map.of("Multi-Release", "true")), entries("q/A.class", "a"));
        jar(lib, "b.jar", manifest(Map.of()), entries("q/B.class", "b", "META-INF/versions/11/q/B.class", "b for 11",
                "META-INF/versions/9/module-info.class", "dropped anyway"));
        assertThatThrownBy(() -> OneJar.merge(lib)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("b.jar is not a multi-release jar but holds META-INF/versions/ entries ([META-INF/versions/11/q/B.class])");
        assertThat(list(lib)).containsExactly("a.jar", "b.jar");
    }

    @Test
    void aResourceInTwoJarsWithDifferentContentsStopsTheMergeUnlessOnlyTheFirstIsRead() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "a.jar", manifest(Map.of()), entries("reference.conf", "a = 1\n", "same.txt", "same"));
        jar(lib, "b.jar", manifest(Map.of()), entries("reference.conf", "b = 2\n", "same.txt", "same"));
        assertThatThrownBy(() -> OneJar.merge(lib)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reference.conf (a.jar, b.jar)").hasMessageContaining("getResources");
        assertThat(list(lib)).containsExactly("a.jar", "b.jar");
    }

    @Test
    void mergingTwiceIsRefused() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        jar(lib, "a.jar", manifest(Map.of()), entries("q/A.class", "a"));
        OneJar.merge(lib);
        assertThatThrownBy(() -> OneJar.merge(lib)).isInstanceOf(IllegalStateException.class).hasMessageContaining("mosn4j-libs.jar is there already");
    }

    private static Manifest manifest(Map<String, String> attributes) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> m.getMainAttributes().putValue(k, v));
        return m;
    }

    private static Map<String, String> entries(String... nameThenContent) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenContent.length; i += 2) {
            m.put(nameThenContent[i], nameThenContent[i + 1]);
        }
        return m;
    }

    private static void jar(Path dir, String name, Manifest manifest, Map<String, String> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(dir.resolve(name)); ZipOutputStream zip = new ZipOutputStream(os)) {
            if (manifest != null) {
                zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
                manifest.write(zip);
                zip.closeEntry();
            }
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String name : list(from)) {
            Files.copy(from.resolve(name), to.resolve(name));
        }
        return to;
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A class loader over {@code jars} in that order, as the JVM's over -cp. */
    private static URLClassLoader loader(Path dir, String... jars) throws IOException {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = dir.resolve(jars[i]).toUri().toURL();
        }
        return new URLClassLoader(urls, null);
    }

    /** The resource's text as the class loader finds it in its jars; null when it finds none. */
    private static String read(URLClassLoader loader, String name) throws IOException {
        URL url = loader.findResource(name); // not getResource: the JDK's modules have a module-info.class too
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> names(JarFile jar) {
        List<String> names = new ArrayList<>();
        for (ZipEntry e : Collections.list(jar.entries())) {
            names.add(e.getName());
        }
        return names;
    }
}
