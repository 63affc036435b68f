package io.mosn4j.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Makes the archive's pre-Java-6 classes (class file version 49 or older: picocli's, compiled for
 * Java 5) fit for the AOT cache. The JVM leaves such classes out of the cache, because they carry no
 * stack maps and are verified by the old inference verifier when loaded: every start then read,
 * parsed and verified picocli's ~230 classes from its jar (~100 ms before the config was even
 * read). Rewritten as version 52 with the stack maps the class-file API computes, the code being
 * otherwise the same instruction for instruction, they are verified once at training and mapped from
 * the cache. Each rewritten class is put through the JVM's verifier checks at build time, so those a
 * training run does not load are checked too; a jar with a class that cannot be rewritten (e.g.
 * jsr/ret subroutines) or does not verify is left as it is.
 */
final class OldClasses {
    /** The oldest class file version the JVM verifies by stack maps, and so the oldest the AOT cache keeps. */
    static final int STACK_MAP_VERSION = ClassFile.JAVA_6_VERSION;
    /** The version old classes become: Java 8's, which verifies by stack maps alone, with no fallback. */
    static final int REWRITTEN_VERSION = ClassFile.JAVA_8_VERSION;

    private OldClasses() {}

    /** Rewrites, in place, each jar of {@code lib} that holds old classes; returns the jars rewritten. */
    static List<Path> upgrade(Path lib) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        List<Path> rewritten = new ArrayList<>();
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        // the classes' supertypes, for the stack maps' merged types: the JDK's, else those of lib/
        try (URLClassLoader all = new URLClassLoader(urls, null)) {
            ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(all))));
            for (Path jar : jars) {
                if (rewrite(cf, jar)) {
                    rewritten.add(jar);
                }
            }
        }
        return rewritten;
    }

    private static boolean rewrite(ClassFile cf, Path jar) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        int old = 0;
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                byte[] bytes;
                try (InputStream is = in.getInputStream(entry)) {
                    bytes = is.readAllBytes();
                }
                // META-INF/versions/N/ holds classes for newer JVMs only (module-info): left as they are
                if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")) {
                    ClassModel model = cf.parse(bytes);
                    if (model.majorVersion() < STACK_MAP_VERSION) {
                        String unfit;
                        try {
                            bytes = cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                                    .andThen((b, element) -> b.with(element instanceof ClassFileVersion
                                            ? ClassFileVersion.of(REWRITTEN_VERSION, 0) : element)));
                            // the JVM's own checks, now at build time: also of the classes a training run does not load
                            List<VerifyError> errors = cf.verify(bytes);
                            unfit = errors.isEmpty() ? null : errors.getFirst().getMessage();
                        } catch (IllegalArgumentException | IllegalStateException failed) {
                            unfit = failed.getMessage();
                        }
                        if (unfit != null) {
                            System.out.printf("mosn-dist: %s stays out of the AOT cache: %s: %s%n", jar.getFileName(),
                                    entry.getName(), unfit);
                            old = 0;
                            break;
                        }
                        old++;
                    }
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        if (old == 0) {
            Files.delete(tmp);
            return false;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("mosn-dist: %s: %d classes of Java 5 or older rewritten as version %d for the AOT cache%n",
                jar.getFileName(), old, REWRITTEN_VERSION);
        return true;
    }
}
