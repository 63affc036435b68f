package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11: the router is protocol-neutral. ONE route table, in one process, serves HTTP/1.1, h2c,
 * a gRPC-shaped h2c request, real grpc-java calls, bolt and dubbo: its routes match the {@code service} header (an RPC
 * call's service travels as a header; HTTP clients send it as one), a CEL expression over
 * {@code request.headers}, and pick their cluster from the {@code x-cluster} header; a route
 * header is added on the way (bolt writes it into its header map, the SOFABolt server reads it).
 * A bolt call is mirrored to a second copy. The table's last route matches on a path prefix, which RPC calls never have: a call no header
 * route matches gets the protocol's "no route" answer, never that route.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RouterNeutralityTest {
    static {
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
    }

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "neutral",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                    {"name": "echo", "match": {"headers": [{"name": "service", "value": "com.example.Echo"}]},
                     "route": {"cluster_header": "x-cluster", "timeout": "5s",
                               "request_headers_to_add": [{"header": {"key": "x-routed-by", "value": "echo"}}]}},
                    {"name": "dsl", "match": {"dsl_expressions": [
                       {"expression": "request.headers['service'] == 'com.example.Other' && request.headers['method'].startsWith('say')"}]},
                     "route": {"cluster_header": "x-cluster", "timeout": "5s",
                               "request_headers_to_add": [{"header": {"key": "x-routed-by", "value": "dsl"}}]}},
                    {"name": "mirrored", "match": {"headers": [{"name": "service", "value": "com.example.Mirrored"}]},
                     "route": {"cluster_name": "bolt_server", "request_headers_to_add": [{"header": {"key": "x-routed-by", "value": "mirrored"}}]},
                     "request_mirror_policies": {"cluster": "bolt_server", "percent": 100}},
                    {"name": "grpc-path", "match": {"prefix": "/com.example.Greeter/"},
                     "route": {"cluster_name": "grpc", "request_headers_to_add": [{"header": {"key": "x-routed-by", "value": "grpc-path"}}]}},
                    {"name": "path", "match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "path route"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "neutral"}}]}]},
                  {"name": "h2c", "address": "127.0.0.1:${H2C}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "neutral"}}]}]},
                  {"name": "grpc", "address": "127.0.0.1:${GRPC}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "neutral"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "neutral"}}]}]},
                  {"name": "dubbo", "address": "127.0.0.1:${DUBBO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "X", "upstream_protocol": "X", "router_config_name": "neutral",
                               "extend_config": {"sub_protocol": "dubbo"}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "http", "type": "SIMPLE", "hosts": [{"address": "${HTTP}"}]},
                {"name": "grpc", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:${GRPC_SERVER}"}]},
                {"name": "bolt_server", "type": "SIMPLE", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]},
                {"name": "empty", "type": "SIMPLE", "hosts": []}
              ]}
            }
            """;

    /** What the SOFABolt server received, by payload: the bolt header map. */
    private static final Map<String, Map<String, String>> boltHeaders = new ConcurrentHashMap<>();
    /** How many times the SOFABolt server received each payload. */
    private static final Map<String, java.util.concurrent.atomic.AtomicInteger> boltCounts = new ConcurrentHashMap<>();

    private static NettyHttpBackend http;
    private static RpcServer boltServer;
    private static io.grpc.Server grpcServer;
    private static io.grpc.ManagedChannel grpcChannel;
    /** The metadata of the last call the gRPC server got, by method. */
    private static final Map<String, io.grpc.Metadata> grpcHeaders = new ConcurrentHashMap<>();
    private static int grpc;
    private static MosnProcess mosn;
    private static int h1;
    private static int h2c;
    private static int bolt;
    private static int dubbo;

    @BeforeAll
    static void start() throws Exception {
        BoltHeaderSerializer.register();
        http = NettyHttpBackend.start("http");
        int boltServerPort = freePort();
        boltServer = new RpcServer("127.0.0.1", boltServerPort);
        boltServer.registerUserProcessor(new AsyncUserProcessor<BoltEcho>() {
            @Override
            public void handleRequest(BizContext biz, AsyncContext async, BoltEcho req) {
                boltHeaders.put(req.payload(), req.headers());
                boltCounts.computeIfAbsent(req.payload(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                async.sendResponse(req.expectedReply(req.headers().get("service")));
            }

            @Override
            public String interest() {
                return BoltEcho.class.getName();
            }
        });
        boltServer.startup();
        int grpcServerPort = freePort();
        io.grpc.ServerServiceDefinition.Builder services = io.grpc.ServerServiceDefinition.builder("com.example.Other");
        services.addMethod(GrpcProxyTest.method("com.example.Other", "sayHello", io.grpc.MethodDescriptor.MethodType.UNARY),
                io.grpc.stub.ServerCalls.asyncUnaryCall((byte[] req, io.grpc.stub.StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }));
        io.grpc.ServerServiceDefinition.Builder greeter = io.grpc.ServerServiceDefinition.builder("com.example.Greeter");
        greeter.addMethod(GrpcProxyTest.method("com.example.Greeter", "SayHi", io.grpc.MethodDescriptor.MethodType.UNARY),
                io.grpc.stub.ServerCalls.asyncUnaryCall((byte[] req, io.grpc.stub.StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }));
        io.grpc.ServerInterceptor capture = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                                                                       io.grpc.ServerCallHandler<Q, R> next) {
                grpcHeaders.put(call.getMethodDescriptor().getFullMethodName(), headers);
                return next.startCall(call, headers);
            }
        };
        grpcServer = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", grpcServerPort))
                .addService(io.grpc.ServerInterceptors.intercept(services.build(), capture))
                .addService(io.grpc.ServerInterceptors.intercept(greeter.build(), capture)).build().start();
        grpc = freePort();
        h1 = freePort();
        h2c = freePort();
        bolt = freePort();
        dubbo = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("H1", h1, "H2C", h2c, "GRPC", grpc, "BOLT", bolt, "DUBBO", dubbo,
                "HTTP", http.address(), "GRPC_SERVER", grpcServerPort, "BOLT_SERVER", boltServerPort)))
                .waitFor(h1, h2c, grpc, bolt, dubbo).probe(h1).start();
        grpcChannel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (http != null) {
                http.close();
            }
            if (boltServer != null) {
                boltServer.shutdown();
            }
            if (grpcChannel != null) {
                grpcChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (grpcServer != null) {
                grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    static NettyHttpBackend.Request lastHttp() {
        NettyHttpBackend.Request r = null;
        for (NettyHttpBackend.Request x : http.seen) {
            r = x;
        }
        return r;
    }

    @Test
    void http1() throws Exception {
        http.resetCounters();
        try (RawHttpClient c = RawHttpClient.connect(h1)) {
            c.send("GET /svc HTTP/1.1\r\nHost: h\r\nservice: com.example.Echo\r\nx-cluster: http\r\n\r\n");
            assertThat(c.readResponse().header("x-backend")).isEqualTo("http");
            assertThat(lastHttp().headers().get("x-routed-by")).isEqualTo("echo");
            c.send("POST /svc HTTP/1.1\r\nHost: h\r\nservice: com.example.Other\r\nmethod: sayHi\r\nx-cluster: http\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.readResponse().header("x-backend")).isEqualTo("http");
            assertThat(lastHttp().headers().get("x-routed-by")).isEqualTo("dsl");
            c.send("GET /svc HTTP/1.1\r\nHost: h\r\nservice: com.example.Unknown\r\n\r\n");
            assertThat(c.readResponse().bodyText()).as("HTTP has a path: the prefix route").isEqualTo("path route");
        }
    }

    @Test
    void h2cAndGrpcShapedRequests() throws Exception {
        http.resetCounters();
        try (H2Peers.Client c = new H2Peers.Client(h2c)) {
            Http2Headers plain = new DefaultHttp2Headers().method("GET").scheme("http").path("/svc").authority("h")
                    .add("service", "com.example.Echo").add("x-cluster", "http");
            H2Peers.Response r = c.request(plain, null, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(lastHttp().headers().get("x-routed-by")).isEqualTo("echo");
            // a gRPC call: its service and method are in :path, and as metadata headers here
            Http2Headers grpc = new DefaultHttp2Headers().method("POST").scheme("http").path("/com.example.Other/sayHello").authority("h")
                    .add("content-type", "application/grpc").add("te", "trailers")
                    .add("service", "com.example.Other").add("method", "sayHello").add("x-cluster", "http");
            byte[] message = {0, 0, 0, 0, 2, 8, 1}; // one length-prefixed message
            r = c.request(grpc, message, null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            NettyHttpBackend.Request seen = lastHttp();
            assertThat(seen.uri()).isEqualTo("/com.example.Other/sayHello");
            assertThat(seen.headers().get("x-routed-by")).isEqualTo("dsl");
            assertThat(seen.body()).isEqualTo(message);
        }
    }

    /** A real grpc-java client and server: gRPC metadata are headers, and a gRPC method is a path. */
    @Test
    void grpc() throws Exception {
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("service", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "com.example.Other");
        md.put(io.grpc.Metadata.Key.of("method", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "sayHello");
        md.put(io.grpc.Metadata.Key.of("x-cluster", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "grpc");
        io.grpc.Channel withMetadata = io.grpc.ClientInterceptors.intercept(grpcChannel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
        byte[] reply = io.grpc.stub.ClientCalls.blockingUnaryCall(withMetadata,
                GrpcProxyTest.method("com.example.Other", "sayHello", io.grpc.MethodDescriptor.MethodType.UNARY),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hi".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("hi");
        io.grpc.Metadata.Key<String> routedBy = io.grpc.Metadata.Key.of("x-routed-by", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
        assertThat(grpcHeaders.get("com.example.Other/sayHello").get(routedBy)).as("the CEL route on service and method").isEqualTo("dsl");
        reply = io.grpc.stub.ClientCalls.blockingUnaryCall(grpcChannel,
                GrpcProxyTest.method("com.example.Greeter", "SayHi", io.grpc.MethodDescriptor.MethodType.UNARY),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "yo".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("yo");
        assertThat(grpcHeaders.get("com.example.Greeter/SayHi").get(routedBy)).as("the prefix route on the gRPC path").isEqualTo("grpc-path");
    }

    @Test
    void bolt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", bolt)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(BoltWire.echoRequest(1, 5000, Map.of("service", "com.example.Echo", "x-cluster", "bolt_server"), BoltEcho.of("n", "b1")));
            BoltWire.Response r = BoltWire.read(in);
            assertThat(r.status()).isZero();
            assertThat(r.contentObject()).isEqualTo("echo:b1|service=com.example.Echo");
            assertThat(boltHeaders.get("b1")).containsEntry("x-routed-by", "echo").containsEntry("x-cluster", "bolt_server");
            out.write(BoltWire.echoRequest(2, 5000, Map.of("service", "com.example.Other", "method", "sayHi", "x-cluster", "bolt_server"),
                    BoltEcho.of("n", "b2")));
            r = BoltWire.read(in);
            assertThat(r.status()).isZero();
            assertThat(boltHeaders.get("b2")).containsEntry("x-routed-by", "dsl");
            out.write(BoltWire.echoRequest(3, 5000, Map.of("service", "com.example.Unknown"), BoltEcho.of("n", "b3")));
            r = BoltWire.read(in);
            assertThat(r.status()).as("no path: the prefix route never matches an RPC call; bolt's no-processor").isEqualTo(6);
            assertThat(boltHeaders).doesNotContainKey("b3");
            // a mirrored call: the server gets it twice, the copy with its own id and the route's header
            out.write(BoltWire.echoRequest(4, 5000, Map.of("service", "com.example.Mirrored"), BoltEcho.of("n", "b4")));
            r = BoltWire.read(in);
            assertThat(r.status()).isZero();
            assertThat(r.id()).isEqualTo(4);
            for (int i = 0; i < 100 && (boltCounts.get("b4") == null || boltCounts.get("b4").get() < 2); i++) {
                Thread.sleep(20);
            }
            assertThat(boltCounts.get("b4").get()).as("the call and its mirror").isEqualTo(2);
            assertThat(boltHeaders.get("b4")).containsEntry("x-routed-by", "mirrored");
        }
    }

    @Test
    void dubbo() throws Exception {
        try (Socket s = new Socket("127.0.0.1", dubbo)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            // matched by the service route, sent to the cluster its attachment names (empty: no host)
            out.write(DubboWire.request(7, "com.example.Echo", null, "echo", "Ljava/lang/String;", Map.of("x-cluster", "empty"), "hi"));
            DubboWire.Frame f = DubboWire.read(in);
            assertThat(f.id()).isEqualTo(7);
            assertThat(f.status()).isEqualTo(60);
            assertThat(new String(f.body(), StandardCharsets.ISO_8859_1)).contains("502|");
            // matched by the CEL route on service and method
            out.write(DubboWire.request(8, "com.example.Other", null, "sayHello", "Ljava/lang/String;", Map.of("x-cluster", "empty"), "hi"));
            f = DubboWire.read(in);
            assertThat(f.status()).isEqualTo(60);
            assertThat(new String(f.body(), StandardCharsets.ISO_8859_1)).contains("502|");
            // matched by nothing: the path route is not for RPC calls
            out.write(DubboWire.request(9, "com.example.Unknown", null, "echo", "Ljava/lang/String;", Map.of(), "hi"));
            f = DubboWire.read(in);
            assertThat(f.status()).isEqualTo(60);
            assertThat(new String(f.body(), StandardCharsets.ISO_8859_1)).contains("404|");
        }
    }
}
