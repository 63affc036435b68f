package io.mosn4j.filter.grpcmetric;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.Headers;
import org.junit.jupiter.api.Test;

class GrpcMetricFilterTest {

    @Test
    void onlyGrpcRequestsHaveAMethod() {
        Headers grpc = Headers.request("POST", "/pkg.Svc/Call", "x");
        grpc.add("content-type", "application/grpc+proto");
        assertThat(GrpcMetricFilterFactory.Filter.grpcMethod(grpc)).isEqualTo("/pkg.Svc/Call");
        Headers json = Headers.request("POST", "/pkg.Svc/Call", "x");
        json.add("content-type", "application/json");
        assertThat(GrpcMetricFilterFactory.Filter.grpcMethod(json)).isNull();
        assertThat(GrpcMetricFilterFactory.Filter.grpcMethod(null)).isNull();
    }

    @Test
    void methodsAreBoundedAndTheRestShareOneGroup() {
        GrpcMetricFilterFactory.Methods methods = new GrpcMetricFilterFactory.Methods(Stats.NONE);
        for (int i = 0; i < GrpcMetricFilterFactory.MAX_METHODS; i++) {
            methods.of("/m" + i);
        }
        GrpcMetricFilterFactory.Counters other = methods.of("/one-more");
        assertThat(methods.of("/and-another")).isSameAs(other);
        assertThat(methods.of("/m7")).isNotSameAs(other);
    }
}
