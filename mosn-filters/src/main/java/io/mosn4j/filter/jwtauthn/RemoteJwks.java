package io.mosn4j.filter.jwtauthn;

import io.mosn4j.api.stats.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's {@code remoteJwks}: the key set fetched from {@code httpUri.uri} when a token needs
 * it, kept for {@code cacheDuration}. A fetch runs on a virtual thread (never an event loop), one
 * at a time however many requests wait for it, bounded in time ({@code httpUri.timeout}) and size
 * ({@link #MAX_BYTES}). After a failed fetch, requests fail at once for {@link #RETRY_AFTER_NANOS}
 * instead of each starting a fetch of its own. Shared by the event loops.
 */
final class RemoteJwks {
    private static final Logger log = LoggerFactory.getLogger(RemoteJwks.class);
    static final int MAX_BYTES = 256 * 1024;
    static final long RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The one client of every remote JWKS: its own work runs on virtual threads. */
    private static final class Client {
        static final HttpClient HTTP = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Keys and until when ({@link System#nanoTime()}) they hold; or a failure and until when it is reported without a new fetch. */
    private record State(JwksKeys keys, long untilNanos) {}

    private final URI uri;
    private final Duration timeout;
    private final long cacheNanos;
    private final Counter fetched;
    private final Counter failed;
    private volatile State state = new State(null, System.nanoTime()); // stale from the start
    private final AtomicReference<CompletableFuture<Void>> inflight = new AtomicReference<>();

    RemoteJwks(URI uri, Duration timeout, Duration cacheDuration, Counter fetched, Counter failed) {
        this.uri = uri;
        this.timeout = timeout;
        this.cacheNanos = cacheDuration.toNanos();
        this.fetched = fetched;
        this.failed = failed;
    }

    /** Whether {@link #keys()} answers now without a fetch (keys that hold, or a failure just seen). */
    boolean fresh() {
        return System.nanoTime() - state.untilNanos < 0;
    }

    /** The keys, or null when the last fetch failed (or none ran yet). */
    JwksKeys keys() {
        State s = state;
        return System.nanoTime() - s.untilNanos < 0 ? s.keys : null;
    }

    /** Starts a fetch unless one runs; completes (never exceptionally) when it ended. */
    CompletableFuture<Void> refresh() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = inflight.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        Thread.ofVirtual().name("jwks-fetch").start(() -> {
            try {
                JwksKeys keys = fetch();
                state = new State(keys, System.nanoTime() + cacheNanos);
                fetched.inc();
            } catch (Exception e) {
                failed.inc();
                state = new State(null, System.nanoTime() + RETRY_AFTER_NANOS);
                log.warn("jwt_authn: fetching the JWKS from {} failed: {}", uri, e.toString());
            } finally {
                inflight.set(null);
                mine.complete(null);
            }
        });
        return mine;
    }

    private JwksKeys fetch() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<HttpResponse<InputStream>> call = Client.HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response;
        try {
            response = call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            call.cancel(true);
            throw new IOException("no response within " + timeout.toMillis() + "ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("status " + response.statusCode());
            }
            // the body's read is bounded by the same deadline: a stalled server has the stream closed under it
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    body.close();
                } catch (InterruptedException | IOException ignored) {
                    // the read finished first
                }
            });
            byte[] bytes;
            try {
                bytes = body.readNBytes(MAX_BYTES + 1);
            } finally {
                watchdog.interrupt();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the body did not arrive within " + timeout.toMillis() + "ms");
            }
            if (bytes.length > MAX_BYTES) {
                throw new IOException("the JWKS is larger than " + MAX_BYTES + " bytes");
            }
            try {
                return JwksKeys.parse(new String(bytes, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage());
            }
        }
    }

    URI uri() {
        return uri;
    }
}
