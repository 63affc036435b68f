package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the README's two commands, unchanged, on a fresh clone of this repository's committed
 * HEAD, with a Java older than 25 first on the PATH and JAVA_HOME unset, as on most Linux machines
 * today: the build finds a JDK 25 itself (Maven toolchains), and {@code bin/mosn start} finds one too.
 * The test command is bounded to one small module ({@code -pl mosn-api}); the build command runs in the
 * clone only on request ({@code -Dmosn.it.firstRun.package=true}: minutes), else the tree's own bin/mosn starts;
 * Maven runs offline on the local repository the build running this test has filled, so nothing is
 * downloaded and nothing of this clone is installed into it.
 */
class FirstRunTest {
    private static final Duration BUILD = Duration.ofMinutes(8);

    @Test
    void readmeCommandsWorkOnAFreshCloneWithAnOlderJavaOnThePath(@TempDir Path tmp) throws Exception {
        Path oldJdk = olderJdk();
        assumeTrue(oldJdk != null, "no JDK older than 25 under /usr/lib/jvm to put first on the PATH");
        Path clone = tmp.resolve("mosn4j");
        Map<String, String> env = new HashMap<>();
        env.put("PATH", oldJdk.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", System.getProperty("user.home")); // ~/.m2: the wrapper's Maven and the dependencies
        env.put("MAVEN_ARGS", "-o"); // Maven 3.9 adds these to every command line: the commands stay as written
        Command.Result git = Command.run(tmp, env, Duration.ofMinutes(2), "git", "clone", "--quiet", "--no-hardlinks",
                MosnProcess.root().toString(), clone.toString());
        assertThat(git.exitCode()).as(git.output()).isZero();

        Command.Result java = Command.run(clone, env, Duration.ofSeconds(30), "java", "-version");
        assertThat(java.output()).as("java on the PATH").doesNotContain("version \"25");

        // the README's test command, bounded to one module
        Command.Result verify = Command.run(clone, env, BUILD, "./mvnw", "-q", "verify", "-pl", "mosn-api");
        assertThat(verify.exitCode()).as(Command.tail(verify.output())).isZero();
        try (Stream<Path> reports = Files.list(clone.resolve("mosn-api/target/surefire-reports"))) {
            assertThat(reports.filter(p -> p.toString().endsWith(".xml")).count()).as("tests ran").isPositive();
        }
        // the README's build command: the whole build again takes 3-5 minutes on two cores, which the suite cannot
        // afford on every run; CI builds a fresh clone with that command anyway (whatever Java its PATH holds), so
        // here it runs on request (-Dmosn.it.firstRun.package=true), and otherwise bin/mosn below is the one this
        // build made, started with the same PATH
        Path home = MosnProcess.root();
        if (Boolean.getBoolean("mosn.it.firstRun.package")) {
            Command.Result pkg = Command.run(clone, env, BUILD, "./mvnw", "-q", "-DskipTests", "package");
            assertThat(pkg.exitCode()).as(Command.tail(pkg.output())).isZero();
            assertThat(clone.resolve("mosn-app/target/mosn-app.jar")).isRegularFile();
            try (Stream<Path> s = Files.list(clone.resolve("mosn-dist/target"))) {
                assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("mosn4j-.*-linux-x86_64\\.tar\\.gz"));
            }
            System.out.printf("FirstRunTest: ./mvnw -q -DskipTests package %d s%n", pkg.took().toSeconds());
            home = clone;
        }
        System.out.printf("FirstRunTest: ./mvnw -q verify -pl mosn-api %d s%n", verify.took().toSeconds());

        // ... && bin/mosn start: the built-in demo on 127.0.0.1:2045, on the runtime the build linked
        assumeTrue(free(2045) && free(2046), "127.0.0.1:2045 or :2046 is taken on this machine: bin/mosn start not tried");
        Path log = tmp.resolve("mosn.log");
        ProcessBuilder pb = new ProcessBuilder("bin/mosn", "start").directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process mosn = pb.start();
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> resp = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (resp == null && System.nanoTime() < deadline && mosn.isAlive()) {
                try {
                    resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:2045/")).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            assertThat(resp).as("bin/mosn start: %s", MosnProcess.read(log)).isNotNull();
            assertThat(resp.body()).isEqualTo("Hello from the mosn4j demo upstream\n");
            mosn.destroy();
            assertThat(mosn.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(mosn.exitValue()).as(MosnProcess.read(log)).isZero();
        } finally {
            mosn.destroyForcibly();
        }
    }

    /** A JDK under /usr/lib/jvm whose release is older than 25 (the machine's default Java here is 17). */
    private static Path olderJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        Pattern version = Pattern.compile("JAVA_VERSION=\"(\\d+)");
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(d -> Files.isExecutable(d.resolve("bin/javac")) && !Files.isSymbolicLink(d)).filter(d -> {
                try {
                    Matcher m = version.matcher(Files.readString(d.resolve("release")));
                    return m.find() && Integer.parseInt(m.group(1)) < 25;
                } catch (IOException e) {
                    return false;
                }
            }).min(Comparator.naturalOrder()).orElse(null);
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
