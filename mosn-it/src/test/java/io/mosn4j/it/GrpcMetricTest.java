package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's {@code grpc_metric} through the real {@code bin/mosn}: grpc-java calls through the proxy
 * to a grpc-java server, and the admin's Prometheus page counts them per method with MOSN's names
 * ({@code grpc_request_total}, {@code grpc_response_succ_total}, {@code grpc_response_fail_total},
 * label {@code service}): successes, the server's errors, an unknown method, and the proxy's own
 * answer for a call no route takes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcMetricTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "grpc", "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [
                  {"match": {"prefix": "/pkg.Metric/"}, "route": {"cluster_name": "backend", "timeout": "10s"}}]}]}],
                "listeners": [{"name": "grpc", "address": "127.0.0.1:${PORT}",
                  "stream_filters": [{"type": "grpc_metric", "config": {}}],
                  "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http2", "router_config_name": "grpc"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BACKEND}"}]}]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    static final MethodDescriptor<byte[], byte[]> OK = GrpcProxyTest.method("pkg.Metric", "Ok", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> FAIL = GrpcProxyTest.method("pkg.Metric", "Fail", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> UNKNOWN = GrpcProxyTest.method("pkg.Metric", "Nope", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> UNROUTED = GrpcProxyTest.method("pkg.Elsewhere", "Call", MethodType.UNARY);

    private static Server backend;
    private static MosnProcess mosn;
    private static ManagedChannel channel;
    private static int admin;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("pkg.Metric")
                .addMethod(OK, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, out) -> out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException())))
                .build();
        backend = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).addService(service).build().start();
        int port = freePort();
        admin = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("PORT", port, "ADMIN", admin, "BACKEND", backend.getPort())))
                .waitFor(port, admin).start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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
        }
    }

    private static byte[] call(MethodDescriptor<byte[], byte[]> method) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                "hi".getBytes(StandardCharsets.UTF_8));
    }

    private static Status.Code failedCall(MethodDescriptor<byte[], byte[]> method) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> call(method)).getStatus().getCode();
    }

    @Test
    void callsAreCountedPerMethodWithMosnsNames() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(new String(call(OK), StandardCharsets.UTF_8)).isEqualTo("hi");
        }
        assertThat(failedCall(FAIL)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failedCall(FAIL)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failedCall(UNKNOWN)).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(failedCall(UNROUTED)).isEqualTo(Status.Code.UNIMPLEMENTED); // the proxy's 404, as gRPC maps it

        PromText stats = PromText.scrape(admin);
        assertThat(counts(stats, "/pkg.Metric/Ok")).containsExactly(3.0, 3.0, 0.0);
        assertThat(counts(stats, "/pkg.Metric/Fail")).containsExactly(2.0, 0.0, 2.0);
        assertThat(counts(stats, "/pkg.Metric/Nope")).containsExactly(1.0, 0.0, 1.0);
        assertThat(counts(stats, "/pkg.Elsewhere/Call")).containsExactly(1.0, 0.0, 1.0);
    }

    private static double[] counts(PromText stats, String method) {
        Map<String, String> l = Map.of("service", method);
        return new double[] {stats.value("grpc_request_total", l), stats.value("grpc_response_succ_total", l),
                stats.value("grpc_response_fail_total", l)};
    }
}
