package io.mosn4j.api.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GrpcTest {
    @Test
    void grpcTimeoutUnitsAsTheSpecDefinesThem() {
        assertThat(Grpc.timeout("1H")).isEqualTo(Duration.ofHours(1));
        assertThat(Grpc.timeout("2M")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Grpc.timeout("3S")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Grpc.timeout("300m")).isEqualTo(Duration.ofMillis(300));
        assertThat(Grpc.timeout("99999999u")).isEqualTo(Duration.ofNanos(99_999_999_000L));
        assertThat(Grpc.timeout("7n")).isEqualTo(Duration.ofNanos(7));
    }

    @Test
    void malformedGrpcTimeoutIsIgnored() {
        assertThat(Grpc.timeout(null)).isNull();
        assertThat(Grpc.timeout("")).isNull();
        assertThat(Grpc.timeout("S")).isNull();
        assertThat(Grpc.timeout("100")).isNull(); // no unit
        assertThat(Grpc.timeout("1x")).isNull();
        assertThat(Grpc.timeout("-1S")).isNull();
        assertThat(Grpc.timeout("123456789S")).isNull(); // more than 8 digits
    }

    @Test
    void recognisesGrpcContentTypesOnly() {
        assertThat(Grpc.isGrpc(request("application/grpc"))).isTrue();
        assertThat(Grpc.isGrpc(request("application/grpc+proto"))).isTrue();
        assertThat(Grpc.isGrpc(request("Application/GRPC;charset=utf-8"))).isTrue();
        assertThat(Grpc.isGrpc(request("application/grpc-web"))).isFalse();
        assertThat(Grpc.isGrpc(request("application/json"))).isFalse();
        assertThat(Grpc.isGrpc(request(null))).isFalse();
    }

    @Test
    void localRepliesToGrpcCallsCarryTheirGrpcStatus() {
        assertThat(grpcStatusOf(LocalReply.error(ProxyError.NO_HEALTHY_UPSTREAM, "x"))).isEqualTo("14");
        assertThat(grpcStatusOf(LocalReply.error(ProxyError.OVERFLOW, "x"))).isEqualTo("14");
        assertThat(grpcStatusOf(LocalReply.error(ProxyError.TIMEOUT, "x"))).isEqualTo("4");
        assertThat(grpcStatusOf(LocalReply.error(ProxyError.NO_ROUTE, "x"))).isEqualTo("12");
        assertThat(grpcStatusOf(LocalReply.error(ProxyError.UNKNOWN, "x"))).isEqualTo("2");
        assertThat(grpcStatusOf(LocalReply.error(403, "denied"))).isEqualTo("7");
    }

    @Test
    void hugeTimeoutsSaturateInsteadOfOverflowing() {
        assertThat(Grpc.timeout("99999999H")).isEqualTo(Grpc.MAX_TIMEOUT);
        assertThat(Grpc.timeout("99999999n")).isEqualTo(java.time.Duration.ofNanos(99_999_999));
    }

    private static String grpcStatusOf(LocalReply reply) {
        Headers[] sent = new Headers[1];
        reply.sendAsHttp(new StreamSender() {
            @Override
            public void sendHeaders(Headers headers, boolean endStream) {
                assertThat(endStream).isTrue(); // trailers-only
                sent[0] = headers;
            }

            @Override
            public void sendData(io.netty.buffer.ByteBuf data, boolean endStream) {
                data.release();
                throw new AssertionError("a gRPC error has no body");
            }

            @Override
            public void sendTrailers(Headers trailers) {}

            @Override
            public void reset(ResetReason reason) {}

            @Override
            public void readDisable(boolean disable) {}

            @Override
            public boolean isWritable() {
                return true;
            }
        }, true);
        assertThat(sent[0].status()).isEqualTo(200);
        return sent[0].get("grpc-status");
    }

    @Test
    void trailersOnlyResponseCarriesStatusAndEncodedMessage() {
        Headers h = Grpc.trailersOnly(14, "upstream connect error (127.0.0.1:1)");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.get("content-type")).isEqualTo("application/grpc");
        assertThat(h.get("grpc-status")).isEqualTo("14");
        assertThat(h.get("grpc-message")).isEqualTo("upstream%20connect%20error%20%28127.0.0.1%3A1%29");
    }

    private static Headers request(String contentType) {
        Headers h = Headers.request("POST", "/pkg.Svc/M", "x");
        if (contentType != null) {
            h.add("content-type", contentType);
        }
        return h;
    }
}
