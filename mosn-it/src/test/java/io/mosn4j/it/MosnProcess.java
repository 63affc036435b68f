package io.mosn4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real {@code bin/mosn} process under test. Writes the config into a temp directory, starts
 * {@code bin/mosn start -c FILE} with paranoid leak detection, captures stdout and stderr into one
 * file, and waits until the given ports accept connections. Every test ends the process it started
 * the same way, {@link #stopCleanly()}: a forced GC and a touch of every listener so Netty reports
 * what the GC found, SIGTERM, a 0 exit, and no Netty "LEAK:" line in the output. A test that sends
 * the signal itself calls {@link #provokeLeakReports()} first and {@link #awaitCleanExit} after.
 * {@link #close()} always kills what is left, so use try-with-resources or an after-hook.
 */
final class MosnProcess implements AutoCloseable {
    static final String LEAK_OPTS = "-Dio.netty.leakDetection.level=paranoid -Dio.netty.leakDetection.targetRecords=4";
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final Path dir;
    private final Path configFile;
    private final Path output;
    private final Process process;
    private final List<Integer> ports;
    private final List<Integer> httpProbePorts;
    private Integer exitCode;

    private MosnProcess(Builder b) throws IOException {
        this.dir = Files.createTempDirectory("mosn-it-");
        this.output = dir.resolve("mosn.out");
        this.ports = List.copyOf(b.waitPorts);
        this.httpProbePorts = List.copyOf(b.probePorts);
        List<String> cmd = new ArrayList<>();
        if (b.fileLimit > 0) {
            // the shell lowers its RLIMIT_NOFILE, then becomes bin/mosn, which becomes java: one pid throughout
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + b.fileLimit + " && exec \"$0\" \"$@\""));
        }
        cmd.add(mosnScript().toString());
        cmd.add("start");
        if (b.config != null) {
            this.configFile = dir.resolve(b.fileName);
            Files.writeString(configFile, b.config);
            cmd.add("-c");
            cmd.add(configFile.toString());
        } else {
            this.configFile = null;
        }
        cmd.addAll(b.extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        environment(pb, b.javaOpts);
        this.process = pb.start();
        LIVE.add(process);
    }

    static Builder builder() {
        return new Builder();
    }

    /** Starts mosn with {@code config} and waits for {@code ports}; HTTP listener ports are also leak-probed at stop. */
    static MosnProcess startHttp(String config, int... httpPorts) throws IOException {
        Builder b = builder().config(config);
        for (int p : httpPorts) {
            b.waitFor(p).probe(p);
        }
        return b.start();
    }

    static final class Builder {
        private String config;
        private String fileName = "mosn.json";
        private String javaOpts = "";
        private final List<Integer> waitPorts = new ArrayList<>();
        private final List<Integer> probePorts = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(20);
        private int fileLimit;

        Builder config(String text) {
            this.config = text;
            return this;
        }

        Builder fileName(String name) {
            this.fileName = name;
            return this;
        }

        /** JVM options added after the leak-detection ones (e.g. {@code -Xmx256m}). */
        Builder javaOpts(String opts) {
            this.javaOpts = opts;
            return this;
        }

        Builder waitFor(int... ports) {
            for (int p : ports) {
                waitPorts.add(p);
            }
            return this;
        }

        /** Ports of HTTP listeners to send one request to after a forced GC at stop, to surface leak reports. */
        Builder probe(int... ports) {
            for (int p : ports) {
                probePorts.add(p);
            }
            return this;
        }

        Builder args(String... args) {
            extraArgs.addAll(Arrays.asList(args));
            return this;
        }

        Builder startTimeout(Duration d) {
            this.startTimeout = d;
            return this;
        }

        /** Starts mosn with at most {@code n} open files ({@code ulimit -n}), to reach EMFILE on purpose. */
        Builder fileLimit(int n) {
            this.fileLimit = n;
            return this;
        }

        MosnProcess start() throws IOException {
            MosnProcess p = new MosnProcess(this);
            try {
                p.awaitPorts(startTimeout);
            } catch (RuntimeException | Error e) {
                p.close();
                throw e;
            }
            return p;
        }
    }

    // ---- locations ----

    static Path root() {
        String prop = System.getProperty("mosn4j.root");
        Path r = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..");
        return r.toAbsolutePath().normalize();
    }

    static Path mosnScript() {
        Path script = root().resolve("bin/mosn");
        assertThat(script).as("bin/mosn under %s", root()).isExecutable();
        assertThat(root().resolve("mosn-app/target/mosn-app.jar"))
                .as("mosn-app.jar: run ./mvnw -DskipTests package -pl mosn-api,mosn-core,mosn-app first").exists();
        return script;
    }

    private static void environment(ProcessBuilder pb, String extraOpts) {
        Map<String, String> env = pb.environment();
        env.put("MOSN_JAVA_OPTS", (LEAK_OPTS + " " + extraOpts).trim());
        if (env.get("JAVA_HOME") == null || env.get("JAVA_HOME").isBlank()) {
            env.put("JAVA_HOME", System.getProperty("java.home"));
        }
    }

    // ---- one-shot commands (version, broken configs) ----

    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }

        List<String> stderrLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** Runs {@code bin/mosn ARGS} to completion (bounded), stdout and stderr kept apart. */
    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        Path d = Files.createTempDirectory("mosn-it-run-");
        Path out = d.resolve("stdout");
        Path err = d.resolve("stderr");
        List<String> cmd = new ArrayList<>();
        cmd.add(mosnScript().toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(d.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        environment(pb, "");
        Process p = pb.start();
        LIVE.add(p);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail("bin/mosn " + String.join(" ", args) + " did not finish within " + timeout + "; output:\n"
                        + read(out) + read(err));
            }
            return new Result(p.exitValue(), read(out), read(err));
        } finally {
            LIVE.remove(p);
            deleteTree(d);
        }
    }

    /** Writes {@code config} to a temp file named {@code fileName} and returns its path (for run()). */
    static Path writeTemp(String fileName, String config) throws IOException {
        Path d = Files.createTempDirectory("mosn-it-cfg-");
        d.toFile().deleteOnExit();
        Path f = d.resolve(fileName);
        Files.writeString(f, config);
        f.toFile().deleteOnExit(); // deleted before its directory (reverse order)
        return f;
    }

    // ---- the running process ----

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path configFile() {
        return configFile;
    }

    String output() {
        return read(output);
    }

    /** File descriptors the process has open (entries of /proc/PID/fd), or -1 when it is gone. */
    long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return fds.count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** CPU time (user + system) the process has used so far, in milliseconds, from /proc/PID/stat; -1 when it is gone. */
    long cpuMillis() {
        try {
            String stat = Files.readAllLines(Path.of("/proc/" + pid() + "/stat")).get(0); // (not readString: /proc reports size 0)
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            return ticks * 10; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The java process's resident set size in KiB (VmRSS), or -1 when it is gone. */
    long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    Matcher m = Pattern.compile("(\\d+)").matcher(line);
                    return m.find() ? Long.parseLong(m.group(1)) : -1;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Whether the process was started with SIGINT ignored (bit 2 of SigIgn in /proc/PID/status). A shell without job
     * control starts background commands that way, the JVM keeps an inherited "ignore" for its shutdown signals, and
     * nothing inside can undo it: such a mosn cannot be stopped by SIGINT, only by SIGTERM.
     */
    boolean ignoresSigint() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Waits up to {@code timeout} for a log line matching {@code regex} (a counter can be read before the line that
     * explains it reaches the output), then returns the output for the caller's assertion either way.
     */
    String awaitOutput(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!p.matcher(output()).find() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return output();
    }

    private void awaitPorts(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int port : ports) {
            while (true) {
                if (!process.isAlive()) {
                    fail("mosn exited with " + process.exitValue() + " before port " + port + " opened; output:\n" + output());
                }
                if (canConnect(port)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("mosn did not open port " + port + " within " + timeout + "; output:\n" + output());
                }
                sleep(50);
            }
        }
    }

    static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends SIGTERM and returns at once (for drain tests). */
    void sigterm() {
        process.destroy();
    }

    /** Waits for the exit; fails if it takes longer than {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            String out = output();
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            LIVE.remove(process);
            fail("mosn did not exit within " + timeout + " after SIGTERM; output:\n" + out);
        }
        LIVE.remove(process);
        exitCode = process.exitValue();
        return exitCode;
    }

    /**
     * The end of every test that started mosn: forces a GC in mosn and touches its listeners so
     * Netty's leak detector reports what the GC found, SIGTERMs, waits for the exit (45 s), and
     * asserts a 0 exit code and no "LEAK:" line.
     */
    void stopCleanly() throws InterruptedException {
        stopCleanly(Duration.ofSeconds(45));
    }

    void stopCleanly(Duration timeout) throws InterruptedException {
        int code = stop(timeout);
        assertThat(code).as("mosn's exit code after SIGTERM; output tail:\n%s", tail()).isZero();
    }

    /** For an {@code @AfterAll}: {@link #stopCleanly()} then {@link #close()} a process that started (null: none did). */
    static void stopCleanly(MosnProcess p) throws InterruptedException {
        if (p != null) {
            try {
                p.stopCleanly();
            } finally {
                p.close();
            }
        }
    }

    /**
     * For tests that sent the signal themselves (after {@link #provokeLeakReports()}): waits for
     * the exit and asserts a 0 exit code and no "LEAK:" line.
     */
    void awaitCleanExit(Duration timeout) throws InterruptedException {
        int code = awaitExit(timeout);
        assertThat(code).as("mosn's exit code after the signal; output tail:\n%s", tail()).isZero();
        assertNoLeaks();
    }

    /** As {@link #stopCleanly()}, but returns the exit code instead of asserting it. */
    int stop() throws InterruptedException {
        return stop(Duration.ofSeconds(45));
    }

    int stop(Duration timeout) throws InterruptedException {
        if (exitCode != null) {
            assertNoLeaks();
            return exitCode;
        }
        if (process.isAlive()) {
            provokeLeakReports();
        }
        sigterm();
        int code = awaitExit(timeout);
        assertNoLeaks();
        return code;
    }

    void assertNoLeaks() {
        String out = output();
        List<String> leaks = out.lines().filter(l -> l.contains("LEAK:")).toList();
        if (!leaks.isEmpty()) {
            fail("mosn reported " + leaks.size() + " Netty LEAK line(s):\n" + out);
        }
    }

    String tail() {
        String out = output();
        return out.length() > 6000 ? "..." + out.substring(out.length() - 6000) : out;
    }

    /**
     * Forces a GC in mosn ({@code jcmd GC.run}), then makes it allocate on every listener: Netty's
     * leak detector reports buffers the GC found unreleased only when it tracks a new one. Every
     * port mosn was waited for gets a connection that is closed at once (its EOF read allocates a
     * buffer, whatever the protocol); the HTTP ports also get one request.
     */
    void provokeLeakReports() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.run")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (IOException e) {
                // no jcmd: the leak check is weaker but still runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleep(300);
        }
        for (int port : ports) {
            touch(port);
        }
        for (int port : httpProbePorts) {
            probe(port);
        }
        sleep(200);
    }

    private static void touch(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void probe(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(3000);
            OutputStream o = s.getOutputStream();
            o.write("GET /__leak_probe HTTP/1.1\r\nHost: leak-probe\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // drain
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Kills mosn if it still runs and removes its temp dir (failures already carry the output). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(process);
        deleteTree(dir);
    }

    // ---- helpers ----

    /**
     * A port on 127.0.0.1 for mosn to listen on, reserved for this JVM: chosen outside the kernel's
     * ephemeral range (so no outgoing connection or port-0 bind is ever given it between now and
     * mosn's bind), free when chosen, never handed out twice, and locked in a file under the temp
     * directory against other test JVMs on this machine for as long as this JVM runs.
     */
    static synchronized int freePort() {
        int[] range = RESERVABLE;
        if (range == null) {
            return kernelChosenPort(); // no room outside the ephemeral range: the old way
        }
        int span = range[1] - range[0];
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = range[0] + (start + i) % span;
            if (GIVEN.contains(port)) {
                continue;
            }
            FileChannel lock = lock(port);
            if (lock == null) {
                continue; // another test JVM holds it
            }
            if (bindable(port)) {
                GIVEN.add(port);
                HELD.add(lock); // released when this JVM exits
                return port;
            }
            closeQuietly(lock);
        }
        throw new IllegalStateException("no free port in " + range[0] + ".." + range[1]);
    }

    /**
     * A port where connections are refused, for upstreams that must stay dead: a socket of this JVM
     * is bound to it and never listens, so the kernel refuses connections to it and gives the port
     * to nobody else while this JVM runs.
     */
    static synchronized int deadPort() {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            DEAD.add(s);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Path PORT_LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "mosn4j-it-ports");
    private static final Set<Integer> GIVEN = new HashSet<>();
    private static final List<FileChannel> HELD = new ArrayList<>();
    private static final List<Socket> DEAD = new ArrayList<>();
    private static final int[] RESERVABLE = reservableRange();

    /** Ports 20000 and up below the ephemeral range (or above it), when there are enough of them. */
    private static int[] reservableRange() {
        int low = 32768;
        int high = 60999;
        try {
            // (Files.readString trusts the size /proc reports and reads one byte)
            String[] r = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            int l = Integer.parseInt(r[0]);
            high = Integer.parseInt(r[1]);
            low = l;
        } catch (IOException | RuntimeException e) {
            // not Linux: assume its defaults
        }
        if (low - 20_000 >= 2000) {
            return new int[] {20_000, low};
        }
        if (65_535 - high >= 2000) {
            return new int[] {high + 1, 65_536};
        }
        return null;
    }

    private static FileChannel lock(int port) {
        FileChannel ch = null;
        try {
            Files.createDirectories(PORT_LOCKS);
            ch = FileChannel.open(PORT_LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (ch.tryLock() != null) {
                return ch;
            }
        } catch (IOException | OverlappingFileLockException e) {
            // held or unusable: try another port
        }
        closeQuietly(ch);
        return null;
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelChosenPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Replaces each {@code ${NAME}} in {@code template}; fails on a placeholder left over. */
    static String render(String template, Map<String, ?> vars) {
        String out = template;
        for (var e : vars.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", String.valueOf(e.getValue()));
        }
        Matcher m = Pattern.compile("\\$\\{[A-Za-z0-9_]+}").matcher(out);
        if (m.find()) {
            throw new IllegalArgumentException("unreplaced placeholder " + m.group() + " in config:\n" + out);
        }
        return out;
    }

    static Map<String, Object> vars(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Counter {@code name} from the admin API on {@code adminPort} ({@code /api/v1/stats}), 0 when it is not there. */
    static long stat(int adminPort, String name) throws IOException, InterruptedException {
        try (java.net.http.HttpClient h = java.net.http.HttpClient.newHttpClient()) {
            String body = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort + "/api/v1/stats"))
                    .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get(name);
            return n == null ? 0 : n.asLong();
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "<cannot read " + p + ": " + e + ">";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir
        }
    }
}
