package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.it.plugin.HeaderEditFilter;
import io.mosn4j.it.plugin.PluginJar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the archive {@code ./mvnw package} builds ({@code mosn-dist/target/mosn4j-VERSION-linux-x86_64.tar.gz}),
 * unpacked into an empty folder on a host where no JDK is on the PATH and JAVA_HOME is unset, serves
 * through {@code bin/mosn start -c conf/mosn.yaml} on its own runtime and AOT cache, its libraries merged
 * into one jar beside mosn-app's. Prints the time
 * from starting {@code bin/mosn} to the first proxied response, with the cache and without.
 */
class ArchiveTest {
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final int TIMED_STARTS = 3;

    @Test
    void unpackedArchiveServesThroughItsConfigWithNoJdkOnTheHost(@TempDir Path tmp) throws Exception {
        Path archive = archive();
        Path install = Files.createDirectories(tmp.resolve("opt"));
        Map<String, String> hostEnv = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Command.Result untar = Command.run(install, hostEnv, RUN, "tar", "-xzf", archive.toString());
        assertThat(untar.exitCode()).as(untar.output()).isZero();
        Path top;
        try (Stream<Path> s = Files.list(install)) {
            top = s.collect(java.util.stream.Collectors.toList()).getFirst();
        }
        assertThat(top.getFileName().toString()).matches("mosn4j-[0-9][^/]*");
        assertThat(top.resolve("bin/mosn")).isExecutable();
        assertThat(top.resolve("runtime/bin/java")).isExecutable();
        assertThat(top.resolve("runtime/bin/javac")).doesNotExist(); // a runtime, not a JDK
        assertThat(top.resolve("lib/mosn.aot")).isRegularFile();
        // three jars to open, not ~95: mosn-app's, and two the others were merged into (the second with the libraries no
        // request uses: xDS, gRPC, Bouncy Castle, ...), unsigned (Bouncy Castle's signatures hold for no merged jar), with
        // each jar's licences kept and service files whole
        try (Stream<Path> s = Files.list(top.resolve("lib"))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList())
                    .hasSize(3).contains("mosn4j-libs.jar", "mosn4j-other.jar").anyMatch(n -> n.matches("mosn-app-[0-9][^/]*\\.jar"));
        }
        try (JarFile other = new JarFile(top.resolve("lib/mosn4j-other.jar").toFile())) {
            List<String> names = Collections.list(other.entries()).stream().map(JarEntry::getName).toList();
            assertThat(names).as("signature files").noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"))
                    .contains("org/bouncycastle/jce/provider/BouncyCastleProvider.class", "io/grpc/ManagedChannel.class")
                    .noneMatch(n -> n.startsWith("io/netty/") || n.startsWith("io/mosn4j/") || n.startsWith("META-INF/services/"));
        }
        try (JarFile libs = new JarFile(top.resolve("lib/mosn4j-libs.jar").toFile())) {
            List<String> names = Collections.list(libs.entries()).stream().map(JarEntry::getName).toList();
            assertThat(names).as("signature files").noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"))
                    .contains("io/netty/channel/Channel.class", "io/mosn4j/server/MosnServer.class")
                    .noneMatch(n -> n.startsWith("org/bouncycastle/") || n.startsWith("io/envoyproxy/"))
                    .anyMatch(n -> n.matches("META-INF/licenses/threeten-extra-[^/]+\\.jar/.*")) // a library of the other jar: licences stay here
                    .anyMatch(n -> n.matches("META-INF/licenses/jackson-core-[^/]+\\.jar/META-INF/LICENSE"))
                    .anyMatch(n -> n.matches("META-INF/licenses/netty-tcnative-boringssl-static-[^/]+\\.jar/.*LICENSE\\.boringssl\\.txt"));
            assertThat(libs.getManifest().getEntries()).as("per-entry digests in the manifest").isEmpty();
            // a service file three jars had, whole: the RPC protocols a config's Auto listener recognizes
            try (InputStream in = libs.getInputStream(libs.getEntry("META-INF/services/io.mosn4j.api.protocol.XProtocol"))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("io.mosn4j.protocol.bolt.BoltProtocol\n",
                        "io.mosn4j.protocol.dubbo.DubboProtocol\n", "io.mosn4j.protocol.tars.TarsProtocol\n");
            }
        }
        assertThat(top.resolve("runtime/lib/libnetty_transport_native_epoll_x86_64.so")).isRegularFile();
        assertThat(top.resolve("runtime/lib/libnetty_tcnative_linux_x86_64.so")).isRegularFile();
        assertThat(top.resolve("plugins")).isDirectory();
        assertThat(Files.readString(top.resolve("conf/mosn.yaml"))).startsWith("#").contains("127.0.0.1:2045");

        // a host with no java at all: a PATH of the few tools bin/mosn uses, and nothing else
        Path bin = Command.pathOf(tmp.resolve("bin"), "bash", "sed", "sort", "paste", "dirname", "readlink", "head");
        Map<String, String> env = Map.of("PATH", bin.toString(), "HOME", tmp.toString());
        assertThat(Command.which("java")).as("this test wants a JDK around only to show it is not used").isNotNull();

        Command.Result version = Command.run(top, env, RUN, "bin/mosn", "version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("mosn4j version ").contains("(Java 25");

        // the cache is the one the JVM maps: the app's classes come from it
        Command.Result mapped = Command.run(top, with(env, "MOSN_JAVA_OPTS", "-Xlog:class+load=info"), RUN, "bin/mosn", "version");
        assertThat(mapped.output()).contains("io.mosn4j.app.Main source: shared objects file")
                // picocli's classes too: compiled for Java 5, they are left out of the cache unless packaging rewrites them
                .contains("picocli.CommandLine source: shared objects file")
                .doesNotContain("source: file:");
        // options pass as written, a word with a file pattern's characters too (the JDK's GC log option)
        Path gcLog = tmp.resolve("gc.log");
        Command.Result logged = Command.run(top, with(env, "MOSN_JAVA_OPTS", "-Xlog:gc*:file=" + gcLog + ":uptime"), RUN, "bin/mosn",
                "version");
        assertThat(logged.output()).isEqualTo(version.output());
        assertThat(Files.readString(gcLog)).contains("Using Serial");
        // options that change the object layout the cache was trained with: the JVM would refuse the cache with
        // "[error][aot]" lines on stdout; bin/mosn leaves it out instead, and the output is the command's own
        for (String layout : List.of("-XX:-UseCompactObjectHeaders", "-XX:+UseCompactObjectHeaders", "-XX:-UseCompressedOops",
                "-Xmx40g")) { // one of the first two is bin/mosn's default, the other is not
            Command.Result other = Command.run(top, with(env, "MOSN_JAVA_OPTS", layout), RUN, "bin/mosn", "version");
            assertThat(other.exitCode()).as(other.output()).isZero();
            assertThat(other.output()).as(layout).isEqualTo(version.output());
        }

        // conf/mosn.yaml as shipped, on ports reserved for this test
        int proxy = MosnProcess.freePort();
        int standIn = MosnProcess.freePort();
        int admin = MosnProcess.freePort();
        Path conf = top.resolve("conf/mosn.yaml");
        // whole port numbers only: a free port such as 20468, put in for 2045, must not then be taken for 2046
        Files.writeString(conf, Files.readString(conf).replaceAll("127\\.0\\.0\\.1:2045\\b", "127.0.0.1:" + proxy)
                .replaceAll("127\\.0\\.0\\.1:2046\\b", "127.0.0.1:" + standIn)
                .replaceAll("port_value: 34901\\b", "port_value: " + admin));
        Command.Result valid = Command.run(top, env, RUN, "bin/mosn", "validate", "-c", "conf/mosn.yaml");
        assertThat(valid.exitCode()).as(valid.output()).isZero();
        assertThat(valid.output()).contains("conf/mosn.yaml: valid, 2 listeners");
        // an extension jar's filter is found beside the built-ins that lib/services.idx lists, and only with the jar
        Path pluginConfig = tmp.resolve("plugin.json");
        Files.writeString(pluginConfig, """
                {"servers": [{"routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                   "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200}}]}]}],
                 "listeners": [{"name": "l", "address": "127.0.0.1:%d",
                   "stream_filters": [{"type": "%s", "config": {"set": {"x-plugin": "1"}}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Auto", "router_config_name": "r"}}]}]}]}]}
                """.formatted(proxy, HeaderEditFilter.NAME));
        Command.Result withPlugin = Command.run(top, env, RUN, "bin/mosn", "validate", "-c", pluginConfig.toString(),
                "--plugins", PluginJar.folder().toString());
        assertThat(withPlugin.exitCode()).as(withPlugin.output()).isZero();
        Command.Result withoutPlugin = Command.run(top, env, RUN, "bin/mosn", "validate", "-c", pluginConfig.toString());
        assertThat(withoutPlugin.exitCode()).as(withoutPlugin.output()).isEqualTo(1);
        assertThat(withoutPlugin.output()).contains("stream_filters[0].type").contains(HeaderEditFilter.NAME);

        // Netty's epoll library is loaded from runtime/lib/, not copied out of its jar into Netty's work folder (kept
        // there when it would be, by deleteLibAfterLoading=false); and the start and first response never opened the
        // merged jars (the AOT cache holds the classes, lib/services.idx the ServiceLoader registrations: reading the
        // jars' 37,000-entry directory was ~30 ms of every start and ~4 MiB of heap for good). Nor did the requests
        // after it that a packaging's training sent too: h2c (the HTTP/2 codec's ~250 classes, ~150 ms of the first
        // request's event loop when they came from the jar), a head split over two reads and a malformed one (Netty's
        // decoder reads those), and buffers the leak detector follows (one in 4096 by default; here every one)
        Path workdir = tmp.resolve("netty-workdir");
        firstResponseMillis(top, env, proxy, "-Dio.netty.native.workdir=" + workdir + " -Dio.netty.native.deleteLibAfterLoading=false"
                + " -Dio.netty.leakDetection.samplingInterval=1", "(epoll)", (pid, log) -> { // while it runs: the JVM deletes such copies as it exits
                    try (Stream<Path> s = Files.exists(workdir) ? Files.list(workdir) : Stream.empty()) {
                        assertThat(s.toList()).as("libraries Netty copied out of its jars").isEmpty();
                    }
                    try (H2Peers.Client h2c = new H2Peers.Client(proxy)) {
                        H2Peers.Response r = h2c.request(H2Peers.get("/h2c", proxy).method("POST"),
                                "x".repeat(1000).getBytes(StandardCharsets.US_ASCII), null).get(10, TimeUnit.SECONDS);
                        assertThat(r.status()).isEqualTo(200);
                        assertThat(r.text()).startsWith("Hello from the service behind mosn4j");
                    } catch (InterruptedException | ExecutionException | TimeoutException e) {
                        throw new AssertionError("h2c request through conf/mosn.yaml", e);
                    }
                    try (RawHttpClient split = RawHttpClient.connect(proxy)) {
                        split.send("GET /split HTTP/1.1\r\nHost: app\r\n");
                        Thread.sleep(50); // the rest in a read of its own
                        assertThat(split.send("Connection: close\r\n\r\n").readResponse().status()).isEqualTo(200);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    try (RawHttpClient malformed = RawHttpClient.connect(proxy)) {
                        assertThat(malformed.send("GET /bad HTTP/1.1\r\nHost: app\r\nBad Header: x\r\n\r\n").readResponse().status())
                                .isEqualTo(400);
                    }
                    // mosn-app's jar is open (the class path's first: what main and version read), the merged ones not
                    assertThat(openFiles(pid)).as("files open after the first response and the requests after it")
                            .anyMatch(f -> f.toString().matches(".*/lib/mosn-app-[^/]*\\.jar"))
                            .noneMatch(f -> f.toString().endsWith("/lib/mosn4j-libs.jar") || f.toString().endsWith("/lib/mosn4j-other.jar"));
                });

        // the pages of the JVM's mapped files the start touched (its library, the module image) are given up once it has
        // run (here 1 s after the start, every 5 s after): RSS falls by megabytes, and the proxy serves on, reading back
        // what it needs; no merged jar is opened for it
        firstResponseMillis(top, env, proxy, "-Dmosn4j.filePages=5", "released", (pid, log) -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Matcher m;
            while (!(m = RELEASED.matcher(MosnProcess.read(log))).find()) {
                assertThat(System.nanoTime()).as("no release logged: %s", MosnProcess.read(log)).isLessThan(deadline);
                sleep(50);
            }
            long before = Long.parseLong(m.group(2)), after = Long.parseLong(m.group(3));
            assertThat(Long.parseLong(m.group(1))).as("KiB released").isGreaterThan(4096);
            assertThat(after).as("RSS after the release, KiB (before: %d)", before).isLessThan(before - 2048);
            for (int i = 0; i < 20; i++) {
                assertThat(get(proxy)).startsWith("HTTP/1.1 200");
            }
            assertThat(openFiles(pid)).noneMatch(f -> f.toString().endsWith("/lib/mosn4j-libs.jar") || f.toString().endsWith("/lib/mosn4j-other.jar"));
        });

        // BoringSSL (netty-tcnative) likewise from runtime/lib/: a TLS listener's start writes no 3 MB copy of it into
        // Netty's work folder (where a temporary folder mounted noexec would refuse it, leaving the JDK's slower engine)
        servesHttpsOnBoringSslFromTheRuntime(top, env, tmp);

        List<Long> cached = new ArrayList<>();
        List<Long> uncached = new ArrayList<>();
        for (int i = 0; i < TIMED_STARTS; i++) { // alternated, so both see the machine alike
            cached.add(firstResponseMillis(top, env, proxy, "", "", (pid, log) -> {}));
            uncached.add(firstResponseMillis(top, env, proxy, "-XX:AOTMode=off", "", (pid, log) -> {}));
        }
        cached.sort(null);
        uncached.sort(null);
        System.out.printf("ArchiveTest: bin/mosn start to first proxied response, ms (min / median / max of %d): "
                        + "AOT cache %d / %d / %d, without %d / %d / %d; archive %.1f MiB%n", TIMED_STARTS,
                cached.getFirst(), cached.get(TIMED_STARTS / 2), cached.getLast(),
                uncached.getFirst(), uncached.get(TIMED_STARTS / 2), uncached.getLast(), Files.size(archive) / 1048576.0);
    }

    /**
     * Starts {@code bin/mosn start -c conf/mosn.yaml}, times its first 200 through the proxy, stops it with SIGTERM (exit 0),
     * and checks its log holds {@code mustLog}; {@code whileUp} checks the running process after the response.
     */
    private static long firstResponseMillis(Path top, Map<String, String> env, int port, String javaOpts, String mustLog,
            WhileUp whileUp) throws Exception {
        Path log = Files.createTempFile("mosn-archive-", ".log");
        ProcessBuilder pb = new ProcessBuilder("bin/mosn", "start", "-c", "conf/mosn.yaml").directory(top.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(with(env, "MOSN_JAVA_OPTS", javaOpts));
        long start = System.nanoTime();
        Process mosn = pb.start();
        try {
            String response = null;
            long deadline = start + Duration.ofSeconds(30).toNanos();
            while (response == null && System.nanoTime() < deadline) {
                assertThat(mosn.isAlive()).as("mosn exited: %s", MosnProcess.read(log)).isTrue();
                response = get(port);
                if (response == null) {
                    Thread.sleep(2);
                }
            }
            long took = (System.nanoTime() - start) / 1_000_000;
            assertThat(response).as("no response within 30 s; log:\n%s", MosnProcess.read(log)).isNotNull();
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("Hello from the service behind mosn4j (conf/mosn.yaml: "
                    + "point cluster app at yours)\n");
            whileUp.check(mosn.pid(), log); // bin/mosn execs the JVM: the same process
            mosn.destroy();
            assertThat(mosn.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(mosn.exitValue()).as(MosnProcess.read(log)).isZero();
            assertThat(MosnProcess.read(log)).doesNotContain("Exception").doesNotContain("[warning]").doesNotContain("SLF4J").contains(mustLog);
            return took;
        } finally {
            mosn.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static void servesHttpsOnBoringSslFromTheRuntime(Path top, Map<String, String> env, Path tmp) throws Exception {
        TestCerts certs = TestCerts.create(tmp.resolve("certs"), TestCerts.Kind.EC, "archive-ca");
        TestCerts.Issued server = certs.server("localhost");
        int port = MosnProcess.freePort();
        Path config = tmp.resolve("tls.json");
        Files.writeString(config, """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "over BoringSSL"}}]}]}],
                  "listeners": [{"name": "tls", "address": "127.0.0.1:%d",
                    "filter_chains": [{"tls_context": {"status": true, "cert_chain": "%s", "private_key": "%s"},
                      "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}]}
                """.formatted(port, server.cert(), server.key()));
        Path workdir = tmp.resolve("netty-workdir-tls");
        Path classes = tmp.resolve("tls-classes.txt");
        Path log = tmp.resolve("tls.log");
        ProcessBuilder pb = new ProcessBuilder("bin/mosn", "start", "-c", config.toString()).directory(top.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(with(env, "MOSN_JAVA_OPTS",
                "-Dio.netty.native.workdir=" + workdir + " -Dio.netty.native.deleteLibAfterLoading=false -Xlog:class+load=info:file=" + classes));
        Process mosn = pb.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!MosnProcess.read(log).contains("mosn4j started")) {
                assertThat(mosn.isAlive()).as("mosn exited: %s", MosnProcess.read(log)).isTrue();
                assertThat(System.nanoTime()).as("not started within 30 s: %s", MosnProcess.read(log)).isLessThan(deadline);
                Thread.sleep(20);
            }
            Curl.Result r = Curl.run("--cacert", certs.ca().cert().toString(), "https://127.0.0.1:" + port + "/");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("over BoringSSL");
            try (Stream<Path> s = Files.exists(workdir) ? Files.list(workdir) : Stream.empty()) {
                assertThat(s.toList()).as("libraries Netty copied out of its jars").isEmpty();
            }
            assertThat(MosnProcess.read(log)).contains("TLS engine: BoringSSL (netty-tcnative)");
            // no Bouncy Castle provider made (only SM2 uses it): neither by mosn4j nor by the JDK looking up on the
            // class path a security provider the runtime lacks, which made both of Bouncy Castle's (~0.3 s of a start)
            assertThat(Files.readString(classes)).contains("io.netty.handler.ssl.OpenSsl ")
                    .doesNotContain("org.bouncycastle.jce.provider.BouncyCastleProvider ")
                    .doesNotContain("org.bouncycastle.pqc.jcajce.provider.BouncyCastlePQCProvider ");
            mosn.destroy();
            assertThat(mosn.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(mosn.exitValue()).as(MosnProcess.read(log)).isZero();
        } finally {
            mosn.destroyForcibly();
        }
    }

    private static final Pattern RELEASED =
            Pattern.compile("released (\\d+) KiB of mapped files' pages the start touched \\(RSS (\\d+) -> (\\d+) KiB\\)");

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @FunctionalInterface
    private interface WhileUp {
        void check(long pid, Path log) throws IOException;
    }

    /** The files process {@code pid} has open (its /proc fd links). */
    private static List<Path> openFiles(long pid) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    files.add(Files.readSymbolicLink(fd));
                } catch (IOException closedSinceListed) {
                    // a socket or file closed between the listing and the read
                }
            }
        }
        return files;
    }

    /** One {@code GET /} with {@code Connection: close}; null while nothing listens. */
    private static String get(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.net.ConnectException notYet) {
            return null;
        }
    }

    static Path archive() throws IOException {
        Path target = MosnProcess.root().resolve("mosn-dist/target");
        try (Stream<Path> s = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            List<Path> found = s.filter(p -> p.getFileName().toString().matches("mosn4j-.*-linux-x86_64\\.tar\\.gz")).toList();
            assertThat(found).as("the archive in %s: run ./mvnw -DskipTests package first", target).hasSize(1);
            return found.getFirst();
        }
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> m = new HashMap<>(env);
        m.put(key, value);
        return m;
    }
}
