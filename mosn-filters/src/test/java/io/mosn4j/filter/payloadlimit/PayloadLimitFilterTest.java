package io.mosn4j.filter.payloadlimit;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.stream.StreamMessage;
import io.mosn4j.filter.FilterHarness;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadLimitFilterTest {
    private final PayloadLimitFilterFactory factory = new PayloadLimitFilterFactory();

    private FilterHarness stream(String json) {
        FilterHarness h = new FilterHarness(null).create(factory, config(json));
        h.route = FilterHarness.route("c1", Map.of());
        return h;
    }

    private static Headers post(Long contentLength) {
        Headers h = Headers.request("POST", "/upload", "example.com");
        if (contentLength != null) {
            h.add("content-length", Long.toString(contentLength));
        }
        return h;
    }

    private static FilterStatus data(FilterHarness h, int bytes, boolean end) {
        ByteBuf b = Unpooled.buffer(bytes).writeZero(bytes);
        try {
            return h.filter().onRequestData(b, end);
        } finally {
            b.release();
        }
    }

    @Test
    void readsBothSpellingsOfTheSize() {
        assertThat(PayloadLimitConfig.parse(config("{\"max_entity_size\": 100, \"http_status\": 500}")))
                .isEqualTo(new PayloadLimitConfig(100, 500));
        // MOSN's JSON tag has a trailing space: the only spelling MOSN itself honours
        assertThat(PayloadLimitConfig.parse(config("{\"max_entity_size \": 100}")))
                .isEqualTo(new PayloadLimitConfig(100, 413));
        assertThat(PayloadLimitConfig.parse(config("{}"))).isEqualTo(new PayloadLimitConfig(0, 413));
    }

    @Test
    void badFieldsAreRefusedWithTheirPath() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"max_entity_size\": -1}")).startsWith(at + "max_entity_size: must be 0 (no limit) or more");
        assertThat(error("{\"max_entity_size\": \"big\"}")).startsWith(at + "max_entity_size");
        assertThat(error("{\"max_entity_size\": 10, \"http_status\": 200}")).startsWith(at + "http_status: must be an HTTP error status 400..599");
        assertThat(error("{\"max_entity_size\": 10, \"max_entity_size \": 10}")).startsWith(at + "max_entity_size : given twice");
        assertThat(error("7")).startsWith("servers[0].listeners[0].stream_filters[0].config: must be an object");
    }

    private static String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> PayloadLimitConfig.parse(config(json))).getMessage();
    }

    @Test
    void runsAfterRouting() {
        assertThat(stream("{\"max_entity_size\": 10}").phases).containsExactly(ReceiverPhase.AFTER_ROUTE);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedUpFront() {
        FilterHarness h = stream("{\"max_entity_size\": 10}");
        assertThat(h.filter().onRequestHeaders(post(11L), false)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.status()).isEqualTo(413);
        assertThat(h.reply.rpcError()).isEqualTo(ProxyError.PAYLOAD_TOO_LARGE);
        assertThat(h.hasFlag(ResponseFlag.REQUEST_ENTITY_TOO_LARGE)).isTrue();

        FilterHarness exact = stream("{\"max_entity_size\": 10}");
        assertThat(exact.filter().onRequestHeaders(post(10L), false)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(data(exact, 10, true)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(exact.reply).isNull();
    }

    @Test
    void aBodyWithoutLengthIsCountedAsItStreams() {
        FilterHarness h = stream("{\"max_entity_size\": 10, \"http_status\": 400}");
        assertThat(h.filter().onRequestHeaders(post(null), false)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(data(h, 6, false)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(data(h, 4, false)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(h.reply).isNull();
        assertThat(data(h, 1, false)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.status()).isEqualTo(400);
    }

    @Test
    void anRpcCallCountsThePayloadInItsFrame() {
        FilterHarness h = stream("{\"max_entity_size\": 100}");
        Headers rpc = new Headers();
        rpc.add("service", "svc");
        rpc.setMessage(new StreamMessage() {
            @Override
            public void release() {}

            @Override
            public long payloadLength() {
                return 101;
            }
        });
        assertThat(h.filter().onRequestHeaders(rpc, true)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.rpcError()).isEqualTo(ProxyError.PAYLOAD_TOO_LARGE);
    }

    @Test
    void zeroMeansNoLimitAndARouteMaySetOne() {
        FilterHarness h = stream("{\"max_entity_size\": 0}");
        assertThat(h.filter().onRequestHeaders(post(1L << 40), false)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(data(h, 4096, true)).isEqualTo(FilterStatus.CONTINUE);

        FilterHarness routed = stream("{}");
        routed.route = FilterHarness.route("c1", Map.of("payload_limit",
                factory.parseRouteConfig(config("{\"max_entity_size \": 5, \"http_status\": 507}"))));
        assertThat(routed.filter().onRequestHeaders(post(6L), false)).isEqualTo(FilterStatus.STOP);
        assertThat(routed.reply.status()).isEqualTo(507);
    }
}
