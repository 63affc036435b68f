package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.deadPort;
import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * gRPC through the real {@code bin/mosn}: a grpc-java client and a grpc-java server (plaintext
 * h2c, no protoc: hand-written {@link MethodDescriptor}s over raw bytes) on either side of an
 * {@code Http2 -> Http2} proxy listener. The four call kinds, metadata both ways, deadlines and
 * cancellation reaching the server, 100 MiB each way under flow control (mosn with -Xmx256m, its RSS
 * sampled and bounded as in {@link StreamingTest}), a server that pushes back,
 * route timeouts vs. client streams, and the proxy answering gRPC clients in gRPC terms
 * (unreachable upstream, {@code grpc-timeout}).
 *
 * <p>Two listeners: {@code plain} (defaults) and {@code tuned} (MOSN's {@code http2_use_stream}
 * form, and the smallest HTTP/2 windows, 65,535 bytes, downstream and upstream, so flow control
 * stops and restarts the peers all the time).
 *
 * <p>The backend strips {@code grpc-timeout} before grpc-java's server reads it (a
 * {@link ServerStreamTracer.Factory} sees the request headers first), so the backend never ends a
 * call on its own deadline: a cancellation it observes came over the wire from the proxy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcProxyTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "grpc",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/dead.Echo/"}, "route": {"cluster_name": "dead", "timeout": "10s"}},
                    {"match": {"prefix": "/pkg.Echo/", "headers": [{"name": "x-route", "value": "short"}]},
                     "route": {"cluster_name": "backend", "timeout": "1s"}},
                    {"match": {"prefix": "/pkg.Echo/"}, "route": {"cluster_name": "backend", "timeout": "30s"}}
                  ]}]
                }, {
                  "router_config_name": "grpc_tuned",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "backend_small_windows", "timeout": "30s"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "plain", "address": "127.0.0.1:${PLAIN}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "grpc"}}]}]},
                  {"name": "tuned", "address": "127.0.0.1:${TUNED}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "grpc_tuned",
                               "extend_config": {"Http2": {"http2_use_stream": true,
                                 "initial_stream_window_size": 65535, "initial_connection_window_size": 65535}}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BACKEND}"}]},
                {"name": "backend_small_windows", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN",
                 "http2_protocol_options": {"initial_stream_window_size": 65535, "initial_connection_window_size": 65535},
                 "hosts": [{"address": "127.0.0.1:${BACKEND}"}]},
                {"name": "dead", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1s",
                 "hosts": [{"address": "127.0.0.1:${DEAD}"}]}
              ]}
            }
            """;

    // ---- the service, by hand: raw byte[] messages ----

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL.withCause(e).asRuntimeException();
            }
        }
    };

    static MethodDescriptor<byte[], byte[]> method(String service, String name, MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    static final String SERVICE = "pkg.Echo";
    /** Echoes the request. */
    static final MethodDescriptor<byte[], byte[]> ECHO = method(SERVICE, "Echo", MethodType.UNARY);
    /** Request: a 4-byte count N; answers "msg-0" .. "msg-(N-1)". */
    static final MethodDescriptor<byte[], byte[]> COUNT = method(SERVICE, "Count", MethodType.SERVER_STREAMING);
    /** Answers the concatenation of every request message. */
    static final MethodDescriptor<byte[], byte[]> CONCAT = method(SERVICE, "Concat", MethodType.CLIENT_STREAMING);
    /** Answers each message as soon as it arrives. */
    static final MethodDescriptor<byte[], byte[]> PING_PONG = method(SERVICE, "PingPong", MethodType.BIDI_STREAMING);
    /** Never answers; records its cancellation. */
    static final MethodDescriptor<byte[], byte[]> NEVER = method(SERVICE, "Never", MethodType.UNARY);
    /** Sends "tick-N" every 20 ms until cancelled (at most 1500). */
    static final MethodDescriptor<byte[], byte[]> FOREVER = method(SERVICE, "Forever", MethodType.SERVER_STREAMING);
    /** Answers count (8 bytes), total bytes (8) and the SHA-256 (32) of every message received. */
    static final MethodDescriptor<byte[], byte[]> DIGEST = method(SERVICE, "Digest", MethodType.CLIENT_STREAMING);
    /** Request: seed (8 bytes) and count (4); streams count messages of {@link #CHUNK} random bytes from Random(seed). */
    static final MethodDescriptor<byte[], byte[]> DOWNLOAD = method(SERVICE, "Download", MethodType.SERVER_STREAMING);
    /** As {@link #DIGEST}, but the server asks for one message at a time, every 2 ms: it pushes back. */
    static final MethodDescriptor<byte[], byte[]> SLOW_DIGEST = method(SERVICE, "SlowDigest", MethodType.CLIENT_STREAMING);
    /** Routed to a cluster whose only host refuses connections. */
    static final MethodDescriptor<byte[], byte[]> DEAD_ECHO = method("dead.Echo", "Echo", MethodType.UNARY);

    static final Metadata.Key<String> CALL_ID = Metadata.Key.of("x-call-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> X_CLIENT = Metadata.Key.of("x-client", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<byte[]> X_BLOB = Metadata.Key.of("x-blob-bin", Metadata.BINARY_BYTE_MARSHALLER);
    static final Metadata.Key<String> X_SERVER_HEADER = Metadata.Key.of("x-server-header", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> X_SERVER_TRAILER = Metadata.Key.of("x-server-trailer", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> X_ROUTE = Metadata.Key.of("x-route", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<Metadata> REQUEST_HEADERS = Context.key("request-headers");

    static final int CHUNK = 64 * 1024;
    static final int BIG_COUNT = 1600; // 1600 x 64 KiB = 100 MiB

    // ---- what the backend saw, per x-call-id ----

    static final Map<String, CompletableFuture<Void>> STARTED = new ConcurrentHashMap<>();
    static final Map<String, CompletableFuture<Void>> CANCELLED = new ConcurrentHashMap<>();
    /** The status the backend's HTTP/2 stream closed with (CANCELLED = RST_STREAM from the proxy). */
    static final Map<String, CompletableFuture<Status>> CLOSED = new ConcurrentHashMap<>();
    /** The grpc-timeout header as it reached the backend (before it is stripped). */
    static final Map<String, String> TIMEOUTS = new ConcurrentHashMap<>();
    static final AtomicInteger FOREVER_TICKS = new AtomicInteger();

    static CompletableFuture<Void> started(String id) {
        return STARTED.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    static CompletableFuture<Void> cancelled(String id) {
        return CANCELLED.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    static CompletableFuture<Status> closed(String id) {
        return CLOSED.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    private static ScheduledExecutorService ticker;
    private static Server backend;
    private static MosnProcess mosn;
    private static int plainPort;
    private static int tunedPort;
    private static final Map<String, ManagedChannel> CHANNELS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("grpc-ticker").unstarted(r));
        backend = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service(), new MetadataInterceptor()))
                .addStreamTracerFactory(new DeadlineStripper())
                .build().start();
        plainPort = freePort();
        tunedPort = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PLAIN", plainPort, "TUNED", tunedPort,
                        "BACKEND", backend.getPort(), "DEAD", deadPort())))
                .javaOpts("-Xmx256m").waitFor(plainPort, tunedPort).probe(plainPort, tunedPort).start();
        CHANNELS.put("plain", channel(plainPort));
        CHANNELS.put("tuned", channel(tunedPort));
    }

    static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (ManagedChannel c : CHANNELS.values()) {
                c.shutdownNow();
            }
            for (ManagedChannel c : CHANNELS.values()) {
                c.awaitTermination(5, TimeUnit.SECONDS);
            }
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (backend != null) {
                backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (ticker != null) {
                ticker.shutdownNow();
            }
        }
    }

    // ---- the backend ----

    static ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    int n = ByteBuffer.wrap(req).getInt();
                    for (int i = 0; i < n; i++) {
                        out.onNext(("msg-" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    out.onCompleted();
                }))
                .addMethod(CONCAT, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    final ByteArrayOutputStream all = new ByteArrayOutputStream();

                    @Override
                    public void onNext(byte[] value) {
                        all.writeBytes(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onNext(all.toByteArray());
                        out.onCompleted();
                    }
                }))
                .addMethod(PING_PONG, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .addMethod(NEVER, ServerCalls.asyncUnaryCall((req, out) -> {
                    String id = callId();
                    ((ServerCallStreamObserver<byte[]>) out).setOnCancelHandler(() -> cancelled(id).complete(null));
                    started(id).complete(null);
                }))
                .addMethod(FOREVER, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    String id = callId();
                    ServerCallStreamObserver<byte[]> s = (ServerCallStreamObserver<byte[]>) out;
                    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
                    s.setOnCancelHandler(() -> cancelled(id).complete(null));
                    AtomicInteger n = new AtomicInteger();
                    task.set(ticker.scheduleAtFixedRate(() -> {
                        if (s.isCancelled() || n.get() >= 1500) {
                            task.get().cancel(false);
                            if (!s.isCancelled()) {
                                s.onCompleted();
                            }
                            return;
                        }
                        s.onNext(("tick-" + n.getAndIncrement()).getBytes(StandardCharsets.UTF_8));
                        FOREVER_TICKS.incrementAndGet();
                    }, 20, 20, TimeUnit.MILLISECONDS));
                    started(id).complete(null);
                }))
                .addMethod(DIGEST, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    final MessageDigest sha = sha256();
                    long count;
                    long bytes;

                    @Override
                    public void onNext(byte[] value) {
                        sha.update(value);
                        count++;
                        bytes += value.length;
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onNext(ByteBuffer.allocate(48).putLong(count).putLong(bytes).put(sha.digest()).array());
                        out.onCompleted();
                    }
                }))
                .addMethod(SLOW_DIGEST, ServerCalls.asyncClientStreamingCall(out -> {
                    ServerCallStreamObserver<byte[]> s = (ServerCallStreamObserver<byte[]>) out;
                    s.disableAutoRequest();
                    s.request(1);
                    return new StreamObserver<byte[]>() {
                        final MessageDigest sha = sha256();
                        long count;
                        long bytes;

                        @Override
                        public void onNext(byte[] value) {
                            sha.update(value);
                            count++;
                            bytes += value.length;
                            ticker.schedule(() -> s.request(1), 2, TimeUnit.MILLISECONDS);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {
                            out.onNext(ByteBuffer.allocate(48).putLong(count).putLong(bytes).put(sha.digest()).array());
                            out.onCompleted();
                        }
                    };
                }))
                .addMethod(DOWNLOAD, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    ByteBuffer in = ByteBuffer.wrap(req);
                    Random random = new Random(in.getLong());
                    int count = in.getInt();
                    ServerCallStreamObserver<byte[]> s = (ServerCallStreamObserver<byte[]>) out;
                    AtomicInteger sent = new AtomicInteger();
                    AtomicBoolean completed = new AtomicBoolean();
                    s.setOnCancelHandler(() -> {});
                    // flow control: write only while the transport wants more (onReady runs serialized)
                    s.setOnReadyHandler(() -> {
                        while (s.isReady() && sent.get() < count) {
                            byte[] chunk = new byte[CHUNK];
                            random.nextBytes(chunk);
                            s.onNext(chunk);
                            sent.incrementAndGet();
                        }
                        if (sent.get() == count && completed.compareAndSet(false, true)) {
                            s.onCompleted();
                        }
                    });
                }))
                .build();
    }

    static String callId() {
        Metadata h = REQUEST_HEADERS.get();
        String id = h == null ? null : h.get(CALL_ID);
        return id == null ? "" : id;
    }

    /** Puts the request headers in the Context; echoes {@code x-client} in a response header and a trailer. */
    static final class MetadataInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String client = headers.get(X_CLIENT);
            byte[] blob = headers.get(X_BLOB);
            ServerCall<Q, R> answering = client == null ? call : new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.put(X_SERVER_HEADER, "hdr-" + client);
                    if (blob != null) {
                        byte[] reversed = new byte[blob.length];
                        for (int i = 0; i < blob.length; i++) {
                            reversed[i] = blob[blob.length - 1 - i];
                        }
                        responseHeaders.put(X_BLOB, reversed);
                    }
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(X_SERVER_TRAILER, "trl-" + client);
                    super.close(status, trailers);
                }
            };
            return Contexts.interceptCall(Context.current().withValue(REQUEST_HEADERS, headers), answering, headers, next);
        }
    }

    /**
     * Sees each request's headers before grpc-java's server builds the call's Context from them:
     * records and removes {@code grpc-timeout} (so only the proxy or the client can end a call on a
     * deadline), and records the status the HTTP/2 stream closed with.
     */
    static final class DeadlineStripper extends ServerStreamTracer.Factory {
        @Override
        public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
            String id = headers.get(CALL_ID);
            String timeout = headers.get(GRPC_TIMEOUT);
            headers.discardAll(GRPC_TIMEOUT);
            if (id != null && timeout != null) {
                TIMEOUTS.put(id, timeout);
            }
            return new ServerStreamTracer() {
                @Override
                public void streamClosed(Status status) {
                    if (id != null) {
                        closed(id).complete(status);
                    }
                }
            };
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- client helpers ----

    static Channel withHeaders(Channel channel, Metadata extra) {
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(extra));
    }

    static Channel withCallId(Channel channel, String id) {
        Metadata m = new Metadata();
        m.put(CALL_ID, id);
        return withHeaders(channel, m);
    }

    static CallOptions deadline(long seconds) {
        return CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A client-streaming observer: the single response, or the error. */
    static final class Single<R> implements StreamObserver<R> {
        final CompletableFuture<R> result = new CompletableFuture<>();
        private R value;

        @Override
        public void onNext(R v) {
            value = v;
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            result.complete(value);
        }
    }

    // ---- (1)-(4) the four call kinds, through both listeners ----

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tuned"})
    void unaryEchoCarriesPayloadsAndMetadataBothWays(String listener) {
        Channel channel = CHANNELS.get(listener);
        Random random = new Random(1);
        int[] sizes = {0, 1, 5, 100, 16_383, 16_384, 16_385, 65_535, 65_536, 300_000, 1 << 20};
        for (int i = 0; i < sizes.length; i++) {
            byte[] payload = new byte[sizes[i]];
            random.nextBytes(payload);
            Metadata extra = new Metadata();
            extra.put(X_CLIENT, listener + "-" + i);
            byte[] blob = {0, 1, (byte) 0xff, (byte) i, '\n', ':'};
            extra.put(X_BLOB, blob);
            AtomicReference<Metadata> headers = new AtomicReference<>();
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            Channel c = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(extra),
                    MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
            byte[] answer;
            try {
                answer = ClientCalls.blockingUnaryCall(c, ECHO, deadline(10), payload);
            } catch (StatusRuntimeException e) {
                throw new AssertionError("unary echo of " + sizes[i] + " bytes via " + listener + " failed: " + e.getStatus(), e);
            }
            assertThat(answer).as("echo of %d bytes", sizes[i]).isEqualTo(payload);
            assertThat(headers.get().get(X_SERVER_HEADER)).as("response header made from the request's x-client")
                    .isEqualTo("hdr-" + listener + "-" + i);
            assertThat(headers.get().get(X_BLOB)).as("binary metadata both ways")
                    .isEqualTo(new byte[] {':', '\n', (byte) i, (byte) 0xff, 1, 0});
            assertThat(trailers.get().get(X_SERVER_TRAILER)).as("response trailer").isEqualTo("trl-" + listener + "-" + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tuned"})
    void serverStreamingDeliversAThousandMessagesInOrder(String listener) {
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(CHANNELS.get(listener), COUNT, deadline(30),
                ByteBuffer.allocate(4).putInt(1000).array());
        int i = 0;
        while (it.hasNext()) {
            assertThat(new String(it.next(), StandardCharsets.UTF_8)).isEqualTo("msg-" + i);
            i++;
            assertThat(i).as("no more than asked for").isLessThanOrEqualTo(1000);
        }
        assertThat(i).isEqualTo(1000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tuned"})
    void clientStreamingConcatenatesAThousandMessages(String listener) throws Exception {
        Single<byte[]> response = new Single<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
                CHANNELS.get(listener).newCall(CONCAT, deadline(30)), response);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String part = "part-" + i + ";";
            expected.append(part);
            requests.onNext(utf8(part));
        }
        requests.onCompleted();
        assertThat(new String(response.result.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tuned"})
    void bidiPingPongEachReplyBeforeTheNextRequest(String listener) throws Exception {
        BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                CHANNELS.get(listener).newCall(PING_PONG, deadline(30)), new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        replies.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        try {
            for (int i = 0; i < 200; i++) {
                byte[] ping = utf8("ping-" + i);
                requests.onNext(ping);
                // the next ping goes only after this pong: a proxy holding messages back hangs here
                byte[] pong = replies.poll(5, TimeUnit.SECONDS);
                assertThat(pong).as("reply to ping %d within 5 s (done: %s)", i, done).isNotNull();
                assertThat(pong).isEqualTo(ping);
            }
            requests.onCompleted();
            done.get(10, TimeUnit.SECONDS);
            assertThat(replies).isEmpty();
        } finally {
            if (!done.isDone()) {
                requests.onError(Status.CANCELLED.withDescription("test over").asRuntimeException());
            }
        }
    }

    // ---- (5) deadline: the client gives up, and the server hears about it ----

    @Test
    void deadlineExceededReachesTheClientAndTheCancelReachesTheServer() throws Exception {
        Channel channel = CHANNELS.get("plain");
        String id = id("deadline");
        long t0 = System.nanoTime();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                withCallId(channel, id), NEVER, CallOptions.DEFAULT.withDeadlineAfter(500, TimeUnit.MILLISECONDS), new byte[0]));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(e).as("the call fails").isNotNull();
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(took).isLessThan(Duration.ofSeconds(3));
        started(id).get(5, TimeUnit.SECONDS);
        assertThat(TIMEOUTS.get(id)).as("grpc-timeout forwarded to the backend").isNotNull();
        cancelled(id).get(5, TimeUnit.SECONDS);
        Status closedWith = closed(id).get(5, TimeUnit.SECONDS);
        assertThat(closedWith.getCode()).as("the backend's stream was reset by the proxy: %s", closedWith)
                .isEqualTo(Status.Code.CANCELLED);
        // the channel still works
        assertThat(ClientCalls.blockingUnaryCall(channel, ECHO, deadline(10), utf8("after deadline"))).isEqualTo(utf8("after deadline"));
    }

    // ---- (6) cancellation mid-stream ----

    @Test
    void cancellingAServerStreamReachesTheServerAndTheChannelKeepsWorking() throws Exception {
        ManagedChannel channel = CHANNELS.get("plain");
        // make sure the channel is connected, then watch for it leaving READY
        assertThat(ClientCalls.blockingUnaryCall(channel, ECHO, deadline(10), utf8("warm"))).isEqualTo(utf8("warm"));
        assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);
        AtomicBoolean leftReady = new AtomicBoolean();
        channel.notifyWhenStateChanged(ConnectivityState.READY, () -> leftReady.set(true));

        String id = id("cancel");
        BlockingQueue<byte[]> ticks = new LinkedBlockingQueue<>();
        CompletableFuture<Status> clientClosed = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = withCallId(channel, id).newCall(FOREVER, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                ticks.add(message);
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                clientClosed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(new byte[0]);
        call.halfClose();
        for (int i = 0; i < 5; i++) {
            byte[] tick = ticks.poll(5, TimeUnit.SECONDS);
            assertThat(tick).as("tick %d", i).isNotNull();
            assertThat(new String(tick, StandardCharsets.UTF_8)).isEqualTo("tick-" + i);
        }
        call.cancel("the test is done with it", null);
        assertThat(clientClosed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        cancelled(id).get(5, TimeUnit.SECONDS);
        assertThat(closed(id).get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        // the server stops producing
        int ticksAfter = FOREVER_TICKS.get();
        Thread.sleep(200);
        assertThat(FOREVER_TICKS.get() - ticksAfter).as("ticks produced after the cancel reached the server").isLessThanOrEqualTo(1);

        assertThat(ClientCalls.blockingUnaryCall(channel, ECHO, deadline(10), utf8("next"))).isEqualTo(utf8("next"));
        assertThat(leftReady).as("the channel's connection survived the stream's cancellation").isFalse();
    }

    // ---- (7) 100 MB each way, flow-controlled ----

    @Test
    void hundredMegabytesUpClientStreamingWithFlowControl() throws Exception {
        try (RssSampler rss = new RssSampler(mosn)) {
            upload("plain", DIGEST, BIG_COUNT, 50);
            rss.close();
            assertRssBounded(rss, "100 MiB up");
        }
    }

    /** The same bound as {@link StreamingTest}'s: mosn runs with -Xmx256m here too. */
    private static void assertRssBounded(RssSampler rss, String what) {
        System.out.printf("GrpcProxyTest: max RSS of mosn during %s: %d MiB%n", what, rss.maxMib());
        assertThat(rss.maxKib()).as("max RSS of mosn during %s (KiB)", what).isPositive().isLessThan(StreamingTest.RSS_LIMIT_KIB);
    }

    /** The server reads one message per 2 ms: the proxy must stop and restart the client over and over. */
    @ParameterizedTest
    @ValueSource(strings = {"plain", "tuned"})
    void uploadToAServerThatPushesBackCompletes(String listener) throws Exception {
        upload(listener, SLOW_DIGEST, 512, 12);
    }

    private static void upload(String listener, MethodDescriptor<byte[], byte[]> method, int messages, int seconds) throws Exception {
        long seed = 20250101L + messages;
        MessageDigest sent = sha256();
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        AtomicInteger maxUnacked = new AtomicInteger();
        long t0 = System.nanoTime();
        ClientCalls.asyncClientStreamingCall(CHANNELS.get(listener).newCall(method, deadline(seconds)),
                new ClientResponseObserver<byte[], byte[]>() {
                    private final Random random = new Random(seed);
                    private ClientCallStreamObserver<byte[]> requests;
                    private int count;
                    private boolean halfClosed;
                    private byte[] value;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> r) {
                        requests = r;
                        r.setOnReadyHandler(this::pump);
                    }

                    private void pump() {
                        int burst = 0;
                        while (requests.isReady() && count < messages) {
                            byte[] chunk = new byte[CHUNK];
                            random.nextBytes(chunk);
                            sent.update(chunk);
                            requests.onNext(chunk);
                            count++;
                            burst++;
                        }
                        maxUnacked.accumulateAndGet(burst, Math::max);
                        if (count == messages && !halfClosed) {
                            halfClosed = true;
                            requests.onCompleted();
                        }
                    }

                    @Override
                    public void onNext(byte[] v) {
                        value = v;
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.complete(value);
                    }
                });
        ByteBuffer answer;
        try {
            answer = ByteBuffer.wrap(result.get(seconds + 5, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(method.getBareMethodName() + " of " + messages + " x 64 KiB via " + listener + " failed: "
                    + Status.fromThrowable(e.getCause()), e.getCause());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("GrpcProxyTest: %s %d x 64 KiB up via %s in %d ms (largest burst between onReady: %d messages)%n",
                method.getBareMethodName(), messages, listener, took.toMillis(), maxUnacked.get());
        assertThat(answer.getLong()).as("messages the server got").isEqualTo(messages);
        assertThat(answer.getLong()).as("bytes the server got").isEqualTo((long) messages * CHUNK);
        byte[] digest = new byte[32];
        answer.get(digest);
        assertThat(HexFormat.of().formatHex(digest)).as("SHA-256 of what was sent").isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    @Test
    void hundredMegabytesDownServerStreamingWithFlowControl() throws Exception {
        try (RssSampler rss = new RssSampler(mosn)) {
            download100MiB();
            rss.close();
            assertRssBounded(rss, "100 MiB down");
        }
    }

    private static void download100MiB() throws Exception {
        long seed = 77L;
        long t0 = System.nanoTime();
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(CHANNELS.get("plain"), DOWNLOAD, deadline(50),
                ByteBuffer.allocate(12).putLong(seed).putInt(BIG_COUNT).array());
        MessageDigest got = sha256();
        int count = 0;
        long bytes = 0;
        while (it.hasNext() && count <= BIG_COUNT) {
            byte[] m = it.next();
            got.update(m);
            count++;
            bytes += m.length;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("GrpcProxyTest: 100 MiB down in %d ms%n", took.toMillis());
        assertThat(count).isEqualTo(BIG_COUNT);
        assertThat(bytes).isEqualTo((long) BIG_COUNT * CHUNK);
        Random random = new Random(seed);
        MessageDigest expected = sha256();
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < BIG_COUNT; i++) {
            random.nextBytes(chunk);
            expected.update(chunk);
        }
        assertThat(HexFormat.of().formatHex(got.digest())).as("SHA-256 of the 100 MiB").isEqualTo(HexFormat.of().formatHex(expected.digest()));
    }

    /**
     * A route timeout bounds the wait for the response once the request has ended; it must not cut
     * a client stream that is still sending, with or without a (longer) gRPC deadline.
     */
    @Test
    void routeTimeoutDoesNotCutAClientStreamStillSendingWithinItsDeadline() throws Exception {
        Metadata shortRoute = new Metadata();
        shortRoute.put(X_ROUTE, "short"); // route timeout 1s
        Channel channel = withHeaders(CHANNELS.get("plain"), shortRoute);
        for (CallOptions options : new CallOptions[] {CallOptions.DEFAULT, deadline(30)}) {
            Single<byte[]> response = new Single<>();
            StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(channel.newCall(CONCAT, options), response);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 15 && !response.result.isDone(); i++) { // 1.5 s of sending, longer than the route timeout
                String part = "slow-" + i + ";";
                expected.append(part);
                requests.onNext(utf8(part));
                Thread.sleep(100);
            }
            requests.onCompleted();
            byte[] answer;
            try {
                answer = response.result.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("a client stream sending for 1.5 s (route timeout 1s, call deadline "
                        + options.getDeadline() + ") failed: " + Status.fromThrowable(e.getCause()), e.getCause());
            }
            assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        }
    }

    // ---- (8) unreachable upstream: UNAVAILABLE, in gRPC's terms ----

    @Test
    void unreachableUpstreamIsUnavailableToAGrpcClient() {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(CHANNELS.get("plain"), DEAD_ECHO, deadline(10), utf8("anyone?")));
        assertThat(e).as("the call fails").isNotNull();
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE);
        // the same channel keeps working for a reachable route
        assertThat(ClientCalls.blockingUnaryCall(CHANNELS.get("plain"), ECHO, deadline(10), utf8("still here"))).isEqualTo(utf8("still here"));
    }

    /**
     * grpc-java maps a bare HTTP 502 to UNAVAILABLE too, so this checks the wire: a gRPC answer is
     * HTTP 200 with {@code grpc-status: 14} (trailers-only), not an HTTP error status.
     */
    @Test
    void unreachableUpstreamAnswersTrailersOnlyGrpcStatus14() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(plainPort)) {
            H2Peers.Response r = c.request(grpcRequest("/dead.Echo/Echo", null), new byte[5], null).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).as("HTTP status (headers %s)", r.headers()).isEqualTo(200);
            assertThat(grpcHeader(r, "grpc-status")).as("grpc-status (headers %s, trailers %s)", r.headers(), r.trailers()).isEqualTo("14");
            assertThat(String.valueOf(r.headers().get("content-type"))).startsWith("application/grpc");
            assertThat(grpcHeader(r, "grpc-message")).as("grpc-message").isNotBlank();
        }
    }

    // ---- (9) the proxy itself honours grpc-timeout ----

    @Test
    void proxyAnswersDeadlineExceededWhenGrpcTimeoutPasses() throws Exception {
        String viaProxy = id("grpc-timeout");
        String direct = id("grpc-timeout-direct");
        try (H2Peers.Client proxied = new H2Peers.Client(plainPort); H2Peers.Client control = new H2Peers.Client(backend.getPort())) {
            // control: the backend alone does not answer on grpc-timeout (it is stripped there)
            CompletableFuture<H2Peers.Response> unanswered = control.request(grpcRequest("/pkg.Echo/Never", direct)
                    .add("grpc-timeout", "300m"), new byte[5], null);
            long t0 = System.nanoTime();
            CompletableFuture<H2Peers.Response> f = proxied.request(grpcRequest("/pkg.Echo/Never", viaProxy)
                    .add("grpc-timeout", "300m"), new byte[5], null);
            started(viaProxy).get(5, TimeUnit.SECONDS);
            H2Peers.Response r;
            try {
                r = f.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no answer from the proxy 10 s after a request with grpc-timeout: 300m (route timeout 30s)");
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(r.resetCode()).as("answered, not reset").isNull();
            assertThat(r.status()).as("HTTP status (headers %s)", r.headers()).isEqualTo(200);
            assertThat(grpcHeader(r, "grpc-status")).as("grpc-status (headers %s, trailers %s)", r.headers(), r.trailers()).isEqualTo("4");
            assertThat(took).as("answered on the 300 ms grpc-timeout, not the 30 s route timeout").isLessThan(Duration.ofSeconds(3));
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(unanswered).as("control: the backend itself did not end its call on grpc-timeout").isNotDone();
            // and the proxy let go of the upstream call
            cancelled(viaProxy).get(5, TimeUnit.SECONDS);
        }
    }

    static Http2Headers grpcRequest(String path, String callId) {
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority("127.0.0.1")
                .add("content-type", "application/grpc").add("te", "trailers");
        if (callId != null) {
            h.add("x-call-id", callId);
        }
        return h;
    }

    /** A header of a gRPC response: in the only HEADERS frame (trailers-only) or in the trailers. */
    static String grpcHeader(H2Peers.Response r, String name) {
        CharSequence v = r.trailers() != null ? r.trailers().get(name) : null;
        if (v == null && r.headers() != null) {
            v = r.headers().get(name);
        }
        return v == null ? null : v.toString();
    }
}
