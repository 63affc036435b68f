package io.mosn4j.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code openssl s_client} as an independent TLS client: what it negotiated, as it prints it. */
final class OpenSslClient {
    private OpenSslClient() {}

    /** What one {@code s_client} run printed. */
    record Session(int exitCode, String output) {
        /** The server certificate's subject CN, or null when the handshake failed. */
        String subjectCn() {
            return find("subject=.*?CN ?= ?([^,/\\n]+)");
        }

        /** {@code TLSv1.3}, ... (from "New, TLSv1.3, Cipher is ..."), or null. */
        String protocol() {
            return find("(?:New|Reused), (TLSv[0-9.]+), Cipher is");
        }

        String cipher() {
            return find("(?:New|Reused), TLSv[0-9.]+, Cipher is (\\S+)");
        }

        /** The ALPN protocol agreed, or null when none was. */
        String alpn() {
            return find("ALPN protocol: (\\S+)");
        }

        boolean reused() {
            return output.contains("Reused, TLSv");
        }

        boolean handshakeDone() {
            return protocol() != null && !output.contains("Cipher is (NONE)");
        }

        private String find(String regex) {
            Matcher m = Pattern.compile(regex).matcher(output);
            return m.find() ? m.group(1).strip() : null;
        }
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static void assumeAvailable() {
        assumeTrue(available(), "openssl is not on PATH");
    }

    /**
     * Runs {@code openssl s_client -connect 127.0.0.1:PORT ARGS}, sending {@code input} then
     * waiting for the server to close (or 15 s); stdout and stderr together.
     */
    static Session connect(int port, String input, String... args) throws IOException, InterruptedException {
        assumeAvailable();
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.complete("");
            }
        });
        try (var in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.US_ASCII));
            in.flush();
            Thread.sleep(500); // let the handshake, an answer and a TLS 1.3 session ticket arrive before the EOF
        } catch (IOException e) {
            // the server closed first
        }
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        try {
            return new Session(p.exitValue(), out.get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            return new Session(p.exitValue(), "");
        }
    }
}
