package io.mosn4j.dist;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Lays out the archive's folder around the {@code lib/} the build copied: {@code bin/mosn},
 * {@code conf/}, {@code plugins/}, a {@code jlink}'d Java runtime, and the JDK AOT cache
 * ({@code lib/mosn.aot}, JEP 514/515) that a short training run of {@code bin/mosn} leaves: the
 * classes a start and the first requests load, linked and profiled, so the next start skips that
 * work. Before the training, classes too old for the cache (Java 5's: picocli's) are rewritten with
 * stack maps ({@link OldClasses}), Netty's native epoll library is put where the JVM finds it
 * without Netty copying it out of its jar at every start, and the jars but mosn-app's are merged
 * into one ({@link OneJar}, the libraries no request uses in a second), which a start opens and
 * defines packages for once instead of ~95 times.
 * The build runs this on the JDK 25 it selected (its toolchain), whose {@code jlink} makes the runtime.
 *
 * <p>Arguments: the image folder (with {@code lib/} filled), {@code bin/mosn}, the folder holding
 * {@code conf/} and {@code plugins/}.
 */
public final class ImageBuilder {
    /**
     * The runtime's modules: what the jars need ({@code jdeps} on lib/ says java.base, logging, xml,
     * naming, sql, management, jdk.unsupported, jdk.jfr, jdk.management), what is found only at run
     * time (DNS, zip file systems, extra charsets, the elliptic curve and PKCS#11 providers), what a
     * plugin may reasonably use (the HTTP client, java agents), and what operators reach for:
     * JFR, JMX, {@code jcmd}. And java.desktop, for two annotations of {@code java.beans}: Jackson's
     * databind looks them up as its mapper loads, and a class the runtime lacks is searched for on the
     * class path, which opens the merged jar (37,000 entries: ~30 ms of every start, the only reason a
     * start opened it). The module adds ~25 MB to the runtime on disk; a start loads those two annotations of it.
     */
    static final List<String> MODULES = List.of(
            "java.base", "java.logging", "java.xml", "java.naming", "java.sql", "java.management", "java.net.http",
            "java.instrument", "jdk.unsupported", "jdk.jfr", "jdk.management", "jdk.management.jfr", "jdk.management.agent",
            "jdk.crypto.ec", "jdk.crypto.cryptoki", "jdk.net", "jdk.naming.dns", "jdk.zipfs", "jdk.charsets", "jdk.jcmd",
            "java.desktop");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(180);
    private static final int TRAINING_REQUESTS = 300;
    private static final int CLOSING_REQUESTS = 20;
    private static final int LEAK_SAMPLING = 8;
    private static final int H2C_ROUNDS = 20;
    private static final int H2C_STREAMS = 50;

    private ImageBuilder() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: ImageBuilder IMAGE_DIR BIN_MOSN DIST_DIR");
        }
        Path image = Path.of(args[0]).toAbsolutePath();
        Path script = Path.of(args[1]);
        Path dist = Path.of(args[2]);
        Files.createDirectories(image.resolve("bin"));
        Files.copy(script, image.resolve("bin/mosn"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(image.resolve("bin/mosn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        copyTree(dist.resolve("conf"), image.resolve("conf"));
        copyTree(dist.resolve("plugins"), image.resolve("plugins"));
        long t0 = System.nanoTime();
        jlink(image.resolve("runtime"));
        long t1 = System.nanoTime();
        OldClasses.upgrade(image.resolve("lib"));
        nativeLibraries(image);
        OneJar.merge(image.resolve("lib"));
        servicesIndex(image.resolve("lib"));
        train(image);
        long t2 = System.nanoTime();
        System.out.printf("mosn-dist: runtime linked in %.1f s, AOT cache trained in %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    static void jlink(Path runtime) throws IOException {
        deleteTree(runtime);
        ToolProvider jlink = ToolProvider.findFirst("jlink")
                .orElseThrow(() -> new IllegalStateException("no jlink in " + System.getProperty("java.home") + ": a JDK is needed"));
        StringWriter out = new StringWriter();
        PrintWriter pw = new PrintWriter(out);
        int code = jlink.run(pw, pw, "--add-modules", String.join(",", MODULES), "--strip-debug", "--no-header-files",
                "--no-man-pages", "--output", runtime.toString());
        pw.flush();
        if (code != 0) {
            throw new IllegalStateException("jlink failed (" + code + "): " + out);
        }
        securityProviders(runtime);
    }

    /** The module of each security provider the JDK's {@code java.security} lists. */
    private static final Map<String, String> PROVIDER_MODULES = Map.ofEntries(
            Map.entry("SUN", "java.base"), Map.entry("SunRsaSign", "java.base"), Map.entry("SunEC", "java.base"),
            Map.entry("SunJSSE", "java.base"), Map.entry("SunJCE", "java.base"), Map.entry("SunJGSS", "java.security.jgss"),
            Map.entry("SunSASL", "java.security.sasl"), Map.entry("XMLDSig", "java.xml.crypto"), Map.entry("SunPCSC", "java.smartcardio"),
            Map.entry("JdkLDAP", "java.naming"), Map.entry("JdkSASL", "jdk.security.jgss"), Map.entry("SunPKCS11", "jdk.crypto.cryptoki"));

    /**
     * Lists in the runtime's {@code conf/security/java.security} only the providers whose modules it
     * links. The JDK looks a provider it cannot find among its modules up on the class path, making
     * every {@code java.security.Provider} registered there to compare names: the first TLS context
     * then made Bouncy Castle's two providers (~700 classes, ~0.3 s of a 2-core start) for the four
     * providers whose modules are left out (SunJGSS, XMLDSig, SunPCSC, JdkSASL: GSS-API, XML
     * signatures, smart cards).
     */
    static void securityProviders(Path runtime) throws IOException {
        Path file = runtime.resolve("conf/security/java.security");
        String release = Files.readString(runtime.resolve("release"));
        Matcher modules = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"").matcher(release);
        if (!modules.find()) {
            throw new IllegalStateException("no MODULES line in " + runtime.resolve("release"));
        }
        Set<String> linked = Set.of(modules.group(1).split(" "));
        Pattern entry = Pattern.compile("security\\.provider\\.\\d+=\\s*(\\S+).*");
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            Matcher m = entry.matcher(line);
            if (!m.matches()) {
                out.add(line);
                continue;
            }
            String module = PROVIDER_MODULES.get(m.group(1));
            if (module == null) {
                throw new IllegalStateException("java.security lists provider " + m.group(1) + ", whose module ImageBuilder does not know");
            }
            if (linked.contains(module)) {
                out.add("security.provider." + ++n + "=" + line.substring(line.indexOf('=') + 1));
            }
        }
        Files.write(file, out, StandardCharsets.ISO_8859_1);
    }

    /** The index file bin/mosn passes as {@code -Dmosn4j.services} when it is there. */
    static final String SERVICES_INDEX = "services.idx";

    /**
     * Writes {@code lib/services.idx}: the {@code META-INF/services} registrations of bin/mosn's class path
     * (see {@link io.mosn4j.api.Providers}), so that a start finds the built-in extensions without opening
     * the merged jar. The class path's order is bin/mosn's: mosn-app's jar, then the others by name.
     */
    static void servicesIndex(Path lib) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .sorted(Comparator.comparing((Path p) -> !p.getFileName().toString().startsWith("mosn-app-"))
                            .thenComparing(p -> p.getFileName().toString().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned))
                    .toList();
        }
        Files.writeString(lib.resolve(SERVICES_INDEX), io.mosn4j.api.Providers.index(jars));
    }

    /**
     * Netty's native libraries, copied from their jars in {@code lib/} to {@code runtime/lib/}: the
     * runtime's own library folder, where {@code System.loadLibrary} looks for every class loader.
     * Netty tries that first; otherwise it writes the library out of its jar to a temporary file and
     * loads that, at every start: for epoll ~10-20 ms of the start and 13 {@code UnsatisfiedLinkError}s;
     * for BoringSSL (netty-tcnative) 3 MB written at the first TLS context, and no BoringSSL at all
     * where the temporary folder is mounted {@code noexec} (the JDK's engine then, 4-6× the CPU per handshake).
     */
    static void nativeLibraries(Path image) throws IOException {
        nativeLibrary(image, "netty-transport-native-epoll-.*-linux-x86_64\\.jar", "libnetty_transport_native_epoll_x86_64.so");
        nativeLibrary(image, "netty-tcnative-boringssl-static-.*-linux-x86_64\\.jar", "libnetty_tcnative_linux_x86_64.so");
    }

    private static void nativeLibrary(Path image, String jarPattern, String name) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.list(image.resolve("lib"))) {
            jars = s.filter(p -> p.getFileName().toString().matches(jarPattern)).toList();
        }
        if (jars.size() != 1) {
            throw new IllegalStateException("expected one jar matching " + jarPattern + " in lib/, found " + jars);
        }
        try (ZipFile jar = new ZipFile(jars.getFirst().toFile())) {
            ZipEntry lib = jar.getEntry("META-INF/native/" + name);
            if (lib == null) {
                throw new IllegalStateException(jars.getFirst() + " holds no META-INF/native/" + name);
            }
            try (InputStream in = jar.getInputStream(lib)) {
                Files.copy(in, image.resolve("runtime/lib").resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Runs {@code bin/mosn start} on {@code conf/mosn.yaml} (moved to free ports, so a running mosn or
     * another build is no obstacle) with {@code -XX:AOTCacheOutput}, sends it requests through the
     * proxy, and stops it with SIGTERM: the JVM writes the cache as it exits.
     */
    static void train(Path image) throws IOException, InterruptedException {
        Path cache = image.resolve("lib/mosn.aot");
        Files.deleteIfExists(cache);
        Path work = Files.createTempDirectory("mosn-aot-training-");
        try {
            Map<Integer, Integer> ports = new LinkedHashMap<>();
            String config = onFreePorts(Files.readString(image.resolve("conf/mosn.yaml")), ports);
            Path configFile = work.resolve("mosn.yaml");
            Files.writeString(configFile, config);
            Path log = work.resolve("training.log");
            ProcessBuilder pb = new ProcessBuilder(image.resolve("bin/mosn").toString(), "start", "-c", configFile.toString())
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("JAVA_HOME");
            pb.environment().put("MOSN_PLUGINS", work.toString()); // no extension jars: the archive's own classes only
            // Netty's leak detector follows one buffer in LEAK_SAMPLING here (bin/mosn: one in 4096), so the classes of a
            // followed buffer join the cache: else the first one followed under load loaded them from the merged jar,
            // opening it on the event loop (its 37,000-entry directory: ~4 MiB of heap kept for good)
            pb.environment().put("MOSN_JAVA_OPTS", "-XX:AOTCacheOutput=" + cache + " -Dio.netty.leakDetection.samplingInterval=" + LEAK_SAMPLING);
            Process mosn = pb.start();
            try {
                int proxy = ports.getOrDefault(2045, ports.values().iterator().next());
                awaitPort(mosn, proxy, log);
                exercise(proxy);
                mosn.destroy(); // SIGTERM: mosn drains and exits, and the JVM writes the cache
                if (!mosn.waitFor(EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the training run did not exit within " + EXIT_TIMEOUT + ":\n" + Files.readString(log));
                }
                if (mosn.exitValue() != 0 || !Files.isRegularFile(cache)) {
                    throw new IllegalStateException("the training run exited " + mosn.exitValue() + " without " + cache + ":\n"
                            + Files.readString(log));
                }
            } finally {
                mosn.destroyForcibly();
            }
        } finally {
            deleteTree(work);
        }
    }

    /** {@code config} with every {@code 127.0.0.1:PORT} and {@code port_value: PORT} moved to a port free now. */
    static String onFreePorts(String config, Map<Integer, Integer> ports) throws IOException {
        Pattern p = Pattern.compile("(127\\.0\\.0\\.1:|port_value:\\s*)(\\d+)");
        Matcher m = p.matcher(config);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int port = Integer.parseInt(m.group(2));
            Integer free = ports.get(port);
            if (free == null) {
                free = freePort(ports.values());
                ports.put(port, free);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + free));
        }
        m.appendTail(sb);
        if (ports.isEmpty()) {
            throw new IllegalStateException("conf/mosn.yaml names no 127.0.0.1 port to train on");
        }
        return sb.toString();
    }

    private static int freePort(java.util.Collection<Integer> taken) throws IOException {
        for (int i = 0; i < 100; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (!taken.contains(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IllegalStateException("no free port");
    }

    private static void awaitPort(Process mosn, int port, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!mosn.isAlive()) {
                throw new IllegalStateException("the training run exited " + mosn.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the training run did not listen on " + port + " within " + START_TIMEOUT + ":\n"
                + Files.readString(log));
    }

    /** What a first user does: requests through the proxy, each answered by the stand-in behind it. */
    private static void exercise(int port) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        List<Integer> statuses = new ArrayList<>();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < TRAINING_REQUESTS; i++) {
                HttpRequest req = i % 3 == 2
                        ? HttpRequest.newBuilder(uri.resolve("/upload")).timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))).build()
                        : HttpRequest.newBuilder(uri.resolve("/path?i=" + i)).timeout(Duration.ofSeconds(10)).build();
                statuses.add(client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
        }
        // and as curl -H 'Connection: close' or an HTTP/1.0 client: the proxy closes the connection after the response
        // (without these, the classes of that path were loaded from the jar at the first such response)
        for (int i = 0; i < CLOSING_REQUESTS; i++) {
            String version = i % 2 == 0 ? "HTTP/1.1" : "HTTP/1.0";
            String response = rawExchange(port, "GET /close?i=" + i + " " + version + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            statuses.add(response.startsWith(version + " 200 ") ? 200 : -1); // answered in the version asked in
        }
        // a head that arrives in two reads, a chunked upload, a malformed head: what Netty's decoder reads (a client
        // on a slow link sends the first; without these, its classes came from the merged jar)
        statuses.add(status(rawExchange(port, "GET /split HTTP/1.1\r\nHost: 127.0.0.1\r\n", "Connection: close\r\n\r\n")));
        statuses.add(status(rawExchange(port, "POST /chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n3e8\r\n" + "x".repeat(1000) + "\r\n0\r\n\r\n")));
        String malformed = rawExchange(port, "GET /bad HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n");
        if (status(malformed) != 400) {
            throw new IllegalStateException("a malformed training request through conf/mosn.yaml got " + malformed.lines().findFirst());
        }
        // and as curl --http2-prior-knowledge or a gRPC client: h2c, which the Auto listener tells from its preface
        // (without these, the first such connection loaded the ~250 classes of HTTP/2 from the merged jar)
        exerciseH2c(port, statuses);
        if (statuses.stream().anyMatch(s -> s != 200)) {
            throw new IllegalStateException("training requests through conf/mosn.yaml got " + statuses.stream().distinct().toList());
        }
    }

    /**
     * Writes {@code parts} to a new connection to {@code port}, the next after a pause (each its own read at the
     * proxy), and returns what came back until the proxy closed the connection.
     */
    private static String rawExchange(int port, String... parts) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    Thread.sleep(50);
                }
                s.getOutputStream().write(parts[i].getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** The status code of an HTTP/1 response's first line, or -1. */
    private static int status(String response) {
        Matcher m = Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ").matcher(response);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * {@link #H2C_ROUNDS} rounds of {@link #H2C_STREAMS} concurrent requests (GETs, one in 25 a POST with a body) on one
     * h2c connection with prior knowledge, through Netty's HTTP/2 client codec on an {@link EmbeddedChannel} whose bytes
     * this thread moves over a blocking socket: a status per request to {@code statuses}. Many streams at once, as a
     * client under load sends them: the JIT starts from the method profiles this run leaves in the cache, and those of
     * 10 rounds of 10 streams, a third of them POSTs, cost h2c ~8% more CPU per request under h2load than classes
     * profiled from scratch (sliced A/B runs); these, none.
     */
    private static void exerciseH2c(int port, List<Integer> statuses) throws IOException {
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE); // not logback's default, which prints Netty's debug lines
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1 << 30)).build();
        Http2ChannelDuplexHandler streams = new Http2ChannelDuplexHandler() {}; // makes the codec's new streams
        EmbeddedChannel h2 = new EmbeddedChannel(codec, streams);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            InputStream in = s.getInputStream();
            h2.writeOutbound(new DefaultHttp2WindowUpdateFrame(1 << 30)); // the responses never wait for the connection's window
            for (int round = 0; round < H2C_ROUNDS; round++) {
                Set<Http2FrameStream> open = new HashSet<>();
                for (int i = 0; i < H2C_STREAMS; i++) {
                    // the last round's last request a POST larger than a frame (16 KiB) and than the default window (64 KiB)
                    boolean large = round == H2C_ROUNDS - 1 && i == H2C_STREAMS - 1;
                    int body = large ? 70_000 : i % 25 == 24 ? 1000 : 0;
                    Http2FrameStream stream = streams.newStream();
                    Http2Headers headers = new DefaultHttp2Headers().method(body > 0 ? "POST" : "GET").scheme("http")
                            .path("/h2?i=" + (round * H2C_STREAMS + i)).authority("127.0.0.1");
                    headers.add("user-agent", "mosn4j-training").add("accept", "*/*");
                    h2.write(new DefaultHttp2HeadersFrame(headers, body == 0).stream(stream));
                    if (body > 0) {
                        h2.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[body]), true).stream(stream));
                    }
                    open.add(stream);
                }
                h2.flush();
                byte[] read = new byte[16_384];
                while (!open.isEmpty()) {
                    sendWritten(h2, out);
                    int n = in.read(read);
                    if (n < 0) {
                        throw new IllegalStateException("h2c training connection closed with " + open.size() + " requests open");
                    }
                    h2.writeInbound(Unpooled.copiedBuffer(read, 0, n));
                    for (Object frame; (frame = h2.readInbound()) != null; ReferenceCountUtil.release(frame)) {
                        if (frame instanceof Http2HeadersFrame hf && hf.headers().status() != null) {
                            statuses.add(Integer.parseInt(hf.headers().status().toString()));
                        }
                        if (frame instanceof Http2StreamFrame sf && sf.stream() != null
                                && (frame instanceof Http2HeadersFrame hf && hf.isEndStream() || frame instanceof Http2DataFrame df && df.isEndStream())) {
                            open.remove(sf.stream());
                        }
                        if (frame instanceof Http2ResetFrame || frame instanceof Http2GoAwayFrame) {
                            throw new IllegalStateException("h2c training request: " + frame);
                        }
                    }
                }
            }
            h2.writeOutbound(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            sendWritten(h2, out);
        } finally {
            h2.finishAndReleaseAll();
        }
    }

    /** Sends what the codec wrote on {@code h2} so far to the socket. */
    private static void sendWritten(EmbeddedChannel h2, OutputStream out) throws IOException {
        for (ByteBuf b; (b = h2.readOutbound()) != null; b.release()) {
            b.readBytes(out, b.readableBytes());
        }
        out.flush();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
