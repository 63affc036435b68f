package io.mosn4j.filter.dsl;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.filter.FilterHarness;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class DslFilterTest {
    private final DslFilterFactory factory = new DslFilterFactory();

    /** The dsl-sample's server listener config, as MOSN ships it. */
    private static final String SAMPLE = """
            {"before_router_by_dsl": "ctx.rewrite_request_url(\\"/dsl\\") && ctx.add_request_header(\\"dsl\\", \\"dsl\\")",
             "after_router_by_dsl": "conditional((request.host == \\"dslhost\\") && (request.headers[\\"dsl\\"] | \\"empty\\" == \\"dsl\\"), ctx.rewrite_request_url(\\"/dsl\\"), ctx.rewrite_request_url(\\"/dsl1\\"))",
             "after_balancer_by_dsl": "conditional(string(destination.ip) == \\"127.0.0.1\\", ctx.add_request_header(\\"upstream_addr\\", \\"localhost\\"), ctx.add_request_header(\\"upstream_addr\\", \\"nolocalhost\\"))"}
            """;

    private FilterHarness stream(String json, Headers request) {
        FilterHarness h = new FilterHarness(null).create(factory, config(json));
        h.requestHeaders = request;
        return h;
    }

    private static void runRequest(FilterHarness h, Headers request) {
        for (var f : h.filters) {
            assertThat(f.onRequestHeaders(request, true)).isEqualTo(FilterStatus.CONTINUE);
        }
    }

    @Test
    void eachExpressionRunsInItsPhase() {
        FilterHarness h = stream(SAMPLE, null);
        assertThat(h.phases).containsExactly(ReceiverPhase.BEFORE_ROUTE, ReceiverPhase.AFTER_ROUTE, ReceiverPhase.AFTER_CHOOSE_HOST);
        assertThat(h.senders).isEmpty();
        assertThat(stream("{\"send_filter_by_dsl\": \"true\"}", null).phases).isEmpty();
        assertThat(stream("{\"send_filter_by_dsl\": \"true\"}", null).senders).hasSize(1);
    }

    @Test
    void theSampleRewritesAndAddsHeaders() {
        Headers req = Headers.request("GET", "/?a=1", "dslhost");
        FilterHarness h = stream(SAMPLE, req);
        h.local = new InetSocketAddress("127.0.0.1", 2046);
        runRequest(h, req);
        assertThat(req.path()).isEqualTo("/dsl?a=1"); // the query stays
        assertThat(req.get("dsl")).isEqualTo("dsl");
        assertThat(req.get("upstream_addr")).isEqualTo("localhost");
        assertThat(h.reroutes).isEqualTo(1); // rewritten after routing: routed again

        Headers other = Headers.request("GET", "/", "localhost:2046");
        FilterHarness h2 = stream(SAMPLE, other);
        h2.local = new InetSocketAddress("10.0.0.1", 2046);
        runRequest(h2, other);
        assertThat(other.path()).isEqualTo("/dsl1");
        assertThat(other.get("upstream_addr")).isEqualTo("nolocalhost");
    }

    @Test
    void responseExpressionsChangeUpstreamAndLocalReplies() {
        String json = "{\"send_filter_by_dsl\": \"conditional(response.headers[\\\"dsl0\\\"] | \\\"\\\" == \\\"dsl0\\\","
                + " ctx.add_response_header(\\\"dsl1\\\", \\\"dsl1\\\"), ctx.del_response_header(\\\"server\\\"))\"}";
        FilterHarness h = stream(json, Headers.request("GET", "/", "h"));
        Headers resp = Headers.response(200);
        resp.add("dsl0", "dsl0");
        h.senders.getFirst().onResponseHeaders(resp, true);
        assertThat(resp.get("dsl1")).isEqualTo("dsl1");

        LocalReply r = h.senders.getFirst().onLocalReply(LocalReply.direct(200, "hello DSL!").withHeader("server", "mosn"));
        assertThat(r.body()).isEqualTo("hello DSL!");
        assertThat(r.headers()).isNull(); // "server" removed, no dsl0: nothing left
    }

    @Test
    void aResponseHeaderCallBeforeTheResponseDoesNothing() {
        Headers req = Headers.request("GET", "/", "h");
        FilterHarness h = stream("{\"before_router_by_dsl\": \"ctx.add_response_header(\\\"a\\\", \\\"b\\\") || ctx.add_request_header(\\\"c\\\", \\\"d\\\")\"}", req);
        runRequest(h, req);
        assertThat(req.get("a")).isNull();
        assertThat(req.get("c")).isEqualTo("d");
    }

    @Test
    void anRpcRequestHasNoUrlToRewriteButHeadersToChange() {
        Headers bolt = new Headers();
        bolt.add("service", "com.example.Echo");
        FilterHarness h = stream("{\"before_router_by_dsl\": \"conditional(ctx.rewrite_request_url(\\\"/x\\\"), false,"
                + " ctx.add_request_header(\\\"route\\\", request.headers[\\\"service\\\"]))\"}", bolt);
        runRequest(h, bolt);
        assertThat(bolt.contains(Headers.PATH)).isFalse();
        assertThat(bolt.get("route")).isEqualTo("com.example.Echo");
    }

    @Test
    void aFailingExpressionLetsTheRequestThrough() {
        Headers req = Headers.request("GET", "/", "h");
        FilterHarness h = stream("{\"before_router_by_dsl\": \"conditional(request.headers[\\\"missing\\\"] == \\\"x\\\", ctx.add_request_header(\\\"c\\\", \\\"d\\\"), false)\"}", req);
        runRequest(h, req);
        assertThat(req.get("c")).isNull();
    }

    @Test
    void badExpressionsAreRefusedNamingTheirKey() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"before_router_by_dsl\": \"ctx.rewrite_request_url(\"}"))
                .startsWith(at + "before_router_by_dsl: invalid CEL expression");
        assertThat(error("{\"after_balancer_by_dsl\": \"ctx.no_such_call()\"}"))
                .startsWith(at + "after_balancer_by_dsl: invalid CEL expression").contains("no_such_call");
        assertThat(error("{\"send_filter_by_dsl\": \"response.nope == 1\"}")).startsWith(at + "send_filter_by_dsl: invalid CEL");
        assertThat(error("{\"log_filter_by_dsl\": {\"a\": 1}}")).startsWith(at + "log_filter_by_dsl: must be a CEL expression");
        assertThat(error("[1]")).startsWith("servers[0].listeners[0].stream_filters[0].config: must be an object");
    }

    private String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> factory.create(config(json))).getMessage();
    }
}
