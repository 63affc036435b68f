package io.mosn4j.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command other than {@code bin/mosn start} run to completion, bounded in time, with exactly the
 * environment given (nothing inherited: no JAVA_HOME, no PATH unless given), stdout and stderr in
 * one file. For the first-run tests, which must see what a fresh machine or shell would.
 */
final class Command {
    private Command() {}

    record Result(int exitCode, String output, Duration took) {}

    static Result run(Path dir, Map<String, String> env, Duration timeout, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("mosn-it-cmd-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", cmd) + " did not finish within " + timeout + "; output:\n" + tail(MosnProcess.read(out)));
            }
            return new Result(p.exitValue(), MosnProcess.read(out), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A folder of links to {@code tools} found on this JVM's PATH, to be a PATH holding those and nothing else (no java). */
    static Path pathOf(Path dir, String... tools) throws IOException {
        Files.createDirectories(dir);
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            Path found = which(tool);
            if (found == null) {
                missing.add(tool);
            } else {
                Files.createSymbolicLink(dir.resolve(tool), found);
            }
        }
        if (!missing.isEmpty()) {
            fail("not on PATH: " + missing);
        }
        return dir;
    }

    static Path which(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    static String tail(String s) {
        return s.length() <= 6000 ? s : "...\n" + s.substring(s.length() - 6000);
    }
}
