package io.mosn4j.dist;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Merges the jars of {@code lib/}, all but mosn-app's, into {@code lib/mosn4j-libs.jar} and, for
 * the libraries a request does not use, {@code lib/mosn4j-other.jar} after it ({@link #OTHER}). With
 * ~95 jars on the class path a start spent ~20 ms on their number: a protection domain and packages
 * per jar for the AOT cache's classes before {@code main}, and at the first {@code ServiceLoader}
 * lookup the opening of every jar (central directory and manifest; Bouncy Castle's jars are signed,
 * and bcprov's manifest alone is 883 KB of digests to inflate and search).
 *
 * <p>The merged jar gives the class loader what the jars gave it on {@code bin/mosn}'s class path,
 * whose order (file names sorted by the C locale) is the order of the merge:
 * <ul>
 *   <li>an entry in several jars is the first jar's, as the class loader found it; classes whose
 *       bytes differ between jars are listed at build time;
 *   <li>{@code META-INF/services/} files and Netty's {@code META-INF/io.netty.versions.properties},
 *       which are read from every jar ({@code getResources}), are concatenated in that order;
 *   <li>the merged jar is multi-release when an input is, and a multi-release jar's
 *       {@code META-INF/versions/} entries keep their meaning, unless an earlier jar holds the name
 *       they are versions of (plainly or in versions of its own): the class loader found that first;
 *   <li>signature files and {@code module-info.class} are dropped: the digests hold for no merged
 *       jar, and modules mean nothing on the class path. The manifest is a new, small one;
 *   <li>licence and notice files are kept per jar, under {@code META-INF/licenses/JAR/} with the path
 *       they had there; {@code META-INF/mosn4j-libs.txt} lists the jars merged, in order.
 * </ul>
 * The merge refuses, stopping the build, what it would change without a word: a manifest with a
 * {@code Class-Path}, {@code META-INF/versions/} entries in a jar that is not multi-release, and a
 * resource other than a class in several jars with different contents, unless it is one known to be
 * read through {@code getResource} alone (Maven's pom files, OSGi metadata, {@code .proto} sources).
 * The output is the same bytes for the same jars: entries sorted, fixed times.
 */
final class OneJar {
    static final String NAME = "mosn4j-libs.jar";
    /**
     * The merge's second jar, after {@link #NAME} on the class path (the C locale sorts it there): the
     * entries {@link #OTHER_ENTRIES} names, each in this jar only.
     */
    static final String OTHER = "mosn4j-other.jar";
    /**
     * What goes to {@link #OTHER}: the classes and {@code .proto} sources of xDS (the Envoy API alone is
     * 13,000 entries), gRPC, protobuf and Google's other libraries, Bouncy Castle, CEL, nimbus-jose-jwt,
     * Sentinel, ANTLR and ThreeTen-Extra: ~28,000 of the ~37,000 entries, which a proxy with a static
     * config never loads as it serves. A class that is not in the AOT cache, loaded as a request needs
     * it, opens the first jar on the class path that holds it, and the JDK keeps an open jar's central
     * directory on the heap for good: ~1 MiB for {@link #NAME} without these, ~4 MiB with them.
     */
    static final Pattern OTHER_ENTRIES = Pattern.compile("(io/envoyproxy|envoy|udpa|validate|xds|com/github/xds|google|com/google"
            + "|io/grpc|grpc|org/bouncycastle|dev/cel|cel|com/nimbusds|com/alibaba|org/antlr|org/threeten|io/perfmark)/.+");
    static final String LIST = "META-INF/mosn4j-libs.txt";
    static final String LICENSES = "META-INF/licenses/";

    /** Every entry's time: a fixed one, so the jar is the same bytes for the same inputs (as a local time, no zone in it). */
    private static final LocalDateTime TIME = LocalDateTime.of(1980, 2, 1, 0, 0);
    private static final Pattern VERSIONED = Pattern.compile("META-INF/versions/(\\d+)/(.+)");
    /** Read from every jar with getResources, each copy adding to the others. */
    private static final Set<String> CONCATENATED = Set.of("META-INF/io.netty.versions.properties");
    /**
     * Resources read with getResource (the first copy) if at all, so that a first jar's copy hiding
     * a different one is what the class path did too: a shaded library's Maven metadata (nimbus-jose-jwt
     * holds gson's), OSGi bundle headers, and the .proto sources beside the generated classes.
     */
    private static final Pattern FIRST_WINS = Pattern.compile("META-INF/maven/.*|(META-INF/versions/\\d+/)?OSGI-INF/.*|.*\\.proto");
    /**
     * Licence and notice files at the top or in META-INF/ (LICENSE, NOTICE.txt, LICENSE.boringssl.txt,
     * FastDoubleParser-LICENSE, THIRD-PARTY-NOTICES.md), and whatever a META-INF/license(s)/ folder holds;
     * not a resource whose name merely contains the word (notice-handler.properties).
     */
    private static final Pattern LICENCE = Pattern.compile("(?i)(META-INF/)?((licen[cs]e|notice|copying|copyright)s?"
            + "(\\.[^/]*\\.(txt|md|html?)|\\.(txt|md|html?)|-[^/.]*)?|[^/]*-(licen[cs]e|notice)s?(\\.(txt|md|html?))?)"
            + "|META-INF/licen[cs]es?/[^/].*");

    /** What a merge did. */
    record Result(List<String> inputs, int entries, int otherEntries, int signatureFiles, List<Shadowed> shadowedClasses) {}

    /** A class in two jars with different bytes: the first jar's is in the merged jar, as it was loaded before. */
    record Shadowed(String name, String kept, String hidden) {}

    private record Input(int index, String name, ZipFile zip) {}

    private record Part(Input from, ZipEntry entry) {}

    private enum Kind { DIRECTORY, MANIFEST, DROPPED, SIGNATURE, CONCATENATED, LICENCE, VERSIONED, PLAIN }

    private OneJar() {}

    /**
     * Merges {@code lib}'s jars but mosn-app's into {@code lib/mosn4j-libs.jar} and, when any entry is
     * one of {@link #OTHER_ENTRIES}, {@code lib/mosn4j-other.jar}; deletes them.
     */
    static Result merge(Path lib) throws IOException {
        List<Path> jars = inputs(lib);
        if (jars.isEmpty()) {
            throw new IllegalStateException("no jars to merge in " + lib);
        }
        Path tmp = lib.resolve(NAME + ".tmp");
        Path otherTmp = lib.resolve(OTHER + ".tmp");
        List<Input> inputs = new ArrayList<>();
        Result result;
        try {
            for (Path jar : jars) {
                inputs.add(new Input(inputs.size(), jar.getFileName().toString(), new ZipFile(jar.toFile())));
            }
            result = write(inputs, tmp, otherTmp);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(otherTmp);
            throw e;
        } finally {
            for (Input in : inputs) {
                in.zip().close();
            }
        }
        for (Path jar : jars) {
            Files.delete(jar);
        }
        Files.move(tmp, lib.resolve(NAME), StandardCopyOption.REPLACE_EXISTING);
        if (result.otherEntries() > 0) {
            Files.move(otherTmp, lib.resolve(OTHER), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.printf("mosn-dist: lib/: %d jars merged into %s (%,d entries) and %s (%,d entries: xDS, gRPC, protobuf, Bouncy "
                + "Castle, CEL, ...); %d signature files dropped, licences under %s%n",
                jars.size(), NAME, result.entries(), OTHER, result.otherEntries(), result.signatureFiles(), LICENSES);
        if (!result.shadowedClasses().isEmpty()) {
            Map<String, List<Shadowed>> byJars = result.shadowedClasses().stream().collect(
                    Collectors.groupingBy(s -> s.kept() + " over " + s.hidden(), TreeMap::new, Collectors.toList()));
            System.out.printf("mosn-dist: %d classes differ between jars; the first jar's is kept, as the class path loaded it: %s%n",
                    result.shadowedClasses().size(), byJars.entrySet().stream()
                            .map(e -> e.getKey() + " (" + e.getValue().size() + ", e.g. " + e.getValue().getFirst().name() + ")")
                            .collect(Collectors.joining(", ")));
        }
        return result;
    }

    /** {@code lib}'s jars but mosn-app's, in {@code bin/mosn}'s class path order: names sorted as LC_ALL=C sort does, by bytes. */
    static List<Path> inputs(Path lib) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().startsWith("mosn-app-"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned))
                    .toList();
        }
        for (String made : List.of(NAME, OTHER)) {
            if (jars.stream().anyMatch(p -> p.getFileName().toString().equals(made))) {
                throw new IllegalStateException(lib.resolve(made) + " is there already: the merge runs once, on the jars Maven copied");
            }
        }
        return jars;
    }

    private static Result write(List<Input> inputs, Path tmp, Path otherTmp) throws IOException {
        boolean multiRelease = false;
        for (Input in : inputs) {
            multiRelease |= checkManifest(in);
        }
        // the first jar holding each name, plainly or as a version of it: where the class loader found that name
        Map<String, Input> firstHolder = new HashMap<>();
        for (Input in : inputs) {
            for (ZipEntry e : entries(in)) {
                switch (kind(e.getName())) {
                    case PLAIN -> firstHolder.putIfAbsent(e.getName(), in);
                    case VERSIONED -> firstHolder.putIfAbsent(versionOf(e.getName()), in);
                    default -> {}
                }
            }
        }
        TreeMap<String, List<Part>> plan = new TreeMap<>();
        List<Shadowed> shadowed = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        int signatures = 0;
        for (Input in : inputs) {
            for (ZipEntry e : entries(in)) {
                String name = e.getName();
                switch (kind(name)) {
                    case DIRECTORY, MANIFEST, DROPPED -> {} // directories: made for what the merged jar holds
                    case SIGNATURE -> signatures++;
                    case CONCATENATED -> plan.computeIfAbsent(name, n -> new ArrayList<>()).add(new Part(in, e));
                    case LICENCE -> plan.put(LICENSES + in.name() + "/" + name, List.of(new Part(in, e)));
                    case VERSIONED -> {
                        if (firstHolder.get(versionOf(name)) == in) {
                            firstWins(plan, new Part(in, e), shadowed, conflicts);
                        } // else an earlier jar's entry of that name, plain or versioned, is what the class loader found
                    }
                    case PLAIN -> firstWins(plan, new Part(in, e), shadowed, conflicts);
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalStateException("resources in several jars of lib/ with different contents: " + String.join("; ", conflicts)
                    + ". Merged, only the first would remain, where code reading every copy (ClassLoader.getResources) found "
                    + "them all: say in " + OneJar.class.getName() + " how to merge them (CONCATENATED), or that the first copy "
                    + "is all anyone reads (FIRST_WINS)");
        }

        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (multiRelease) {
            manifest.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
        }
        ByteArrayOutputStream mf = new ByteArrayOutputStream();
        manifest.write(mf);
        StringBuilder list = new StringBuilder("# the jars merged into lib/" + NAME + " and lib/" + OTHER
                + ", in class path order (the first holder of an entry wins)\n");
        inputs.forEach(in -> list.append(in.name()).append('\n'));

        Map<String, byte[]> made = Map.of("META-INF/MANIFEST.MF", mf.toByteArray(), LIST, list.toString().getBytes(StandardCharsets.UTF_8));
        // a versioned entry goes where its plain name goes, so that the jar holding a name holds its versions too
        TreeSet<String> names = new TreeSet<>(made.keySet());
        TreeSet<String> otherNames = new TreeSet<>();
        for (Map.Entry<String, List<Part>> e : plan.entrySet()) {
            String name = e.getKey();
            Matcher versioned = VERSIONED.matcher(name);
            boolean other = !isConcatenated(name) && !name.startsWith(LICENSES)
                    && OTHER_ENTRIES.matcher(versioned.matches() ? versioned.group(2) : name).matches();
            (other ? otherNames : names).add(name);
        }
        int entries = jar(tmp, names, plan, made);
        int otherEntries = otherNames.isEmpty() ? 0 : jar(otherTmp, otherNames, plan, made);
        return new Result(inputs.stream().map(Input::name).toList(), entries, otherEntries, signatures, List.copyOf(shadowed));
    }

    /** Writes the manifest, then {@code names} with their folders, to {@code out}; returns the entries written. */
    private static int jar(Path out, TreeSet<String> names, Map<String, List<Part>> plan, Map<String, byte[]> made) throws IOException {
        for (String name : List.copyOf(names)) { // each folder an entry, as jar tools make them
            for (int slash = name.indexOf('/'); slash >= 0 && slash < name.length() - 1; slash = name.indexOf('/', slash + 1)) {
                names.add(name.substring(0, slash + 1));
            }
        }
        // the manifest first (after its folder), where JarInputStream looks for it; then the rest in order
        names.remove("META-INF/");
        names.remove("META-INF/MANIFEST.MF");
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            put(zip, "META-INF/", new byte[0]);
            put(zip, "META-INF/MANIFEST.MF", made.get("META-INF/MANIFEST.MF"));
            for (String name : names) {
                List<Part> parts = plan.get(name);
                byte[] bytes = parts == null ? made.getOrDefault(name, new byte[0])
                        : isConcatenated(name) ? concatenated(parts) : bytes(parts.getFirst());
                put(zip, name, bytes);
            }
        }
        return names.size() + 2;
    }

    /** Whether {@code in} is a multi-release jar; refuses a Class-Path, and versioned entries in a jar that is not. */
    private static boolean checkManifest(Input in) throws IOException {
        Attributes main = new Attributes();
        ZipEntry mf = in.zip().getEntry("META-INF/MANIFEST.MF");
        if (mf != null) {
            try (InputStream is = in.zip().getInputStream(mf)) {
                main = new Manifest(is).getMainAttributes();
            }
        }
        if (main.getValue(Attributes.Name.CLASS_PATH) != null) {
            throw new IllegalStateException(in.name() + "'s manifest has Class-Path: " + main.getValue(Attributes.Name.CLASS_PATH)
                    + ". On the class path the JVM adds the jars it names; the merged jar's manifest is a new one without it, so "
                    + "they would be missing. Make them dependencies of mosn-app (copied to lib/ and merged), then let "
                    + OneJar.class.getSimpleName() + " ignore this jar's Class-Path");
        }
        boolean multiRelease = "true".equalsIgnoreCase(String.valueOf(main.getValue(Attributes.Name.MULTI_RELEASE)).trim());
        if (!multiRelease) {
            List<String> versioned = entries(in).stream().map(ZipEntry::getName).filter(n -> kind(n) == Kind.VERSIONED).limit(3).toList();
            if (!versioned.isEmpty()) {
                throw new IllegalStateException(in.name() + " is not a multi-release jar but holds META-INF/versions/ entries (" + versioned
                        + "): the class loader ignores them there, and in a merged jar that is multi-release (as it is when any "
                        + "input is) they would replace the classes the class path loaded");
            }
        }
        return multiRelease;
    }

    private static Kind kind(String name) {
        if (name.endsWith("/")) {
            return Kind.DIRECTORY;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals("META-INF/MANIFEST.MF")) {
            return Kind.MANIFEST;
        }
        Matcher versioned = VERSIONED.matcher(name);
        String plain = versioned.matches() ? versioned.group(2) : name;
        if (plain.equals("module-info.class") || upper.equals("META-INF/INDEX.LIST")) {
            return Kind.DROPPED; // INDEX.LIST: a jar index names the jars it indexes, none of them there any more
        }
        if (upper.startsWith("META-INF/") && upper.indexOf('/', 9) < 0 && (upper.endsWith(".SF") || upper.endsWith(".RSA")
                || upper.endsWith(".DSA") || upper.endsWith(".EC") || upper.startsWith("META-INF/SIG-"))) {
            return Kind.SIGNATURE;
        }
        if (isConcatenated(name)) {
            return Kind.CONCATENATED;
        }
        if (!name.endsWith(".class") && LICENCE.matcher(name).matches()) {
            return Kind.LICENCE;
        }
        return versioned.matches() ? Kind.VERSIONED : Kind.PLAIN;
    }

    private static boolean isConcatenated(String name) {
        return CONCATENATED.contains(name) || (name.startsWith("META-INF/services/") && name.indexOf('/', 18) < 0 && name.length() > 18);
    }

    /** The plain entry a versioned one stands for: {@code a/B.class} for {@code META-INF/versions/11/a/B.class}. */
    private static String versionOf(String name) {
        Matcher m = VERSIONED.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name);
        }
        return m.group(2);
    }

    private static void firstWins(Map<String, List<Part>> plan, Part part, List<Shadowed> shadowed, List<String> conflicts) throws IOException {
        String name = part.entry().getName();
        List<Part> first = plan.putIfAbsent(name, List.of(part));
        if (first == null || same(first.getFirst(), part)) {
            return;
        }
        String kept = first.getFirst().from().name();
        if (name.endsWith(".class")) {
            shadowed.add(new Shadowed(name, kept, part.from().name()));
        } else if (!FIRST_WINS.matcher(name).matches()) {
            conflicts.add(name + " (" + kept + ", " + part.from().name() + ")");
        }
    }

    private static boolean same(Part a, Part b) throws IOException {
        return a.entry().getSize() == b.entry().getSize() && a.entry().getCrc() == b.entry().getCrc() && Arrays.equals(bytes(a), bytes(b));
    }

    /** The parts one after another, each ending with a line end: a services file's last line may lack one. */
    private static byte[] concatenated(List<Part> parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            byte[] b = bytes(p);
            out.write(b);
            if (b.length > 0 && b[b.length - 1] != '\n') {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    private static byte[] bytes(Part p) throws IOException {
        try (InputStream is = p.from().zip().getInputStream(p.entry())) {
            return is.readAllBytes();
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(TIME);
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static List<ZipEntry> entries(Input in) {
        List<ZipEntry> list = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = in.zip().entries(); e.hasMoreElements(); ) {
            list.add(e.nextElement());
        }
        return list;
    }
}
