package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's {@code dsl} stream filter through the real {@code bin/mosn}: MOSN's
 * examples/codes/dsl-sample/config.json as MOSN ships it but for addresses (127.0.0.1 and free ports
 * instead of 0.0.0.0:2046/2402 and the admin's 34901, pprof's 34902), answering curl as the sample's
 * README says; then what each expression did, seen by a real HTTP backend; then on bolt, between a
 * SOFABolt client and server; then a bad expression refused at start naming its key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DslFilterTest {
    static {
        // as BoltProxyTest: keep SOFABolt's own logging setup (which fails on logback 1.5) out of the way
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
    }

    /** examples/codes/dsl-sample/config.json, addresses changed only. */
    static final String SAMPLE = """
            {
                "servers": [
                    {
                        "default_log_path": "stdout",
                        "default_log_level": "INFO",
                        "routers": [
                            {
                                "router_config_name": "server_router",
                                "virtual_hosts": [
                                    {
                                        "domains": [
                                            "*"
                                        ],
                                        "routers": [
                                            {
                                                "match": {
                                                    "prefix": "/"
                                                },
                                                "route": {
                                                    "cluster_name": "serverCluster"
                                                }
                                            }
                                        ]
                                    }
                                ]
                            },
                            {
                                "router_config_name": "client_router",
                                "virtual_hosts": [
                                    {
                                        "domains": [
                                            "*"
                                        ],
                                        "routers": [
                                            {
                                                "match": {
                                                    "path": "/dsl"
                                                },
                                                "direct_response": {
                                                    "status": 200,
                                                    "body": "hello DSL!"
                                                }
                                            }
                                        ]
                                    }
                                ]
                            }
                        ],
                        "listeners": [
                            {
                                "name": "serverListener",
                                "address": "127.0.0.1:${SERVER_PORT}",
                                "bind_port": true,
                                "log_path": "stdout",
                                "filter_chains": [
                                    {
                                        "filters": [
                                            {
                                                "type": "proxy",
                                                "config": {
                                                    "downstream_protocol": "Auto",
                                                    "upstream_protocol": "Auto",
                                                    "router_config_name": "server_router"
                                                }
                                            }
                                        ]
                                    }
                                ],
                                "listener_filters": [],
                                "stream_filters": [
                                    {
                                        "type": "dsl",
                                        "config": {
                                            "before_router_by_dsl": "ctx.rewrite_request_url(\\"/dsl\\") && ctx.add_request_header(\\"dsl\\", \\"dsl\\")",
                                            "after_router_by_dsl": "conditional((request.host == \\"dslhost\\") && (request.headers[\\"dsl\\"] | \\"empty\\" == \\"dsl\\"), ctx.rewrite_request_url(\\"/dsl\\"), ctx.rewrite_request_url(\\"/dsl1\\"))",
                                            "after_balancer_by_dsl": "conditional(string(destination.ip) == \\"127.0.0.1\\", ctx.add_request_header(\\"upstream_addr\\", \\"localhost\\"), ctx.add_request_header(\\"upstream_addr\\", \\"nolocalhost\\"))"
                                        }
                                    }
                                ]
                            },
                            {
                                "name": "clientListener",
                                "address": "127.0.0.1:${CLIENT_PORT}",
                                "bind_port": true,
                                "log_path": "stdout",
                                "filter_chains": [
                                    {
                                        "tls_context": {},
                                        "filters": [
                                            {
                                                "type": "proxy",
                                                "config": {
                                                    "downstream_protocol": "Auto",
                                                    "upstream_protocol": "Auto",
                                                    "router_config_name": "client_router"
                                                }
                                            }
                                        ]
                                    }
                                ],
                                "stream_filters": [
                                    {
                                        "type": "dsl",
                                        "config": {
                                            "send_router_by_dsl": "conditional(response.headers[\\"dsl0\\"] == \\"dsl0\\", ctx.add_response_header(\\"dsl1\\", \\"dsl1\\"), ctx.add_response_header(\\"dsl2\\", \\"dsl2\\"))"
                                        }
                                    }
                                ]
                            }
                        ]
                    }
                ],
                "cluster_manager": {
                    "clusters": [
                        {
                            "Name": "serverCluster",
                            "type": "SIMPLE",
                            "lb_type": "LB_RANDOM",
                            "max_request_per_conn": 1024,
                            "conn_buffer_limit_bytes": 32768,
                            "hosts": [
                                {
                                    "address": "127.0.0.1:${CLIENT_PORT}"
                                }
                            ]
                        }
                    ]
                },
                "admin": {
                    "address": {
                        "socket_address": {
                            "address": "127.0.0.1",
                            "port_value": ${ADMIN_PORT}
                        }
                    }
                },
                "pprof": {
                    "debug": true,
                    "port_value": ${PPROF_PORT}
                }
            }            """;

    @Test
    void mosnsDslSampleAnswersAsItsReadmeSays() throws Exception {
        int server = freePort();
        int client = freePort();
        String config = render(SAMPLE, vars("SERVER_PORT", server, "CLIENT_PORT", client, "ADMIN_PORT", freePort(), "PPROF_PORT", freePort()));
        try (MosnProcess mosn = MosnProcess.startHttp(config, server, client)) {
            // scenario 1: the URL is rewritten to /dsl before routing and kept after it (host dslhost,
            // the header added before routing is there): the client listener's /dsl route answers
            Curl.Result hello = Curl.run("-i", "http://127.0.0.1:" + server + "/", "-H", "host:dslhost");
            assertThat(hello.stdout()).as(hello.stderr()).startsWith("HTTP/1.1 200").endsWith("hello DSL!");
            // the same over HTTP/2 (the listeners are Auto)
            Curl.Result h2 = Curl.run("-i", "--http2-prior-knowledge", "http://127.0.0.1:" + server + "/", "-H", "host:dslhost");
            assertThat(h2.stdout()).as(h2.stderr()).startsWith("HTTP/2 200").endsWith("hello DSL!");
            // scenario 2: another host: rewritten to /dsl1 after routing, which the client listener has no route for
            Curl.Result notFound = Curl.run("-i", "http://127.0.0.1:" + server + "/");
            assertThat(notFound.stdout()).as(notFound.stderr()).startsWith("HTTP/1.1 404");
            // the client listener's "send_router_by_dsl" is not a key MOSN reads: warned, not acted on
            assertThat(mosn.output()).contains("send_router_by_dsl").contains("did you mean send_filter_by_dsl");
        }
    }

    static final String EFFECTS = """
            {"servers": [{"default_log_path": "stdout", "processor": 1,
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                {"match": {"prefix": "/routed"}, "direct_response": {"status": 200, "body": "chosen by the rewritten URL"}},
                {"match": {"prefix": "/b"}, "direct_response": {"status": 200, "body": "rerouted after routing"}},
                {"match": {"prefix": "/"}, "route": {"cluster_name": "backend"}}]}]}],
              "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}",
                "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}],
                "stream_filters": [{"type": "dsl", "config": {
                  "before_router_by_dsl": "conditional(request.path == \\"/before\\", ctx.rewrite_request_url(\\"/routed\\"), ctx.add_request_header(\\"x-seen\\", request.headers[\\"x-in\\"] | \\"none\\"))",
                  "after_router_by_dsl": "request.url_path == \\"/a\\" && ctx.rewrite_request_url(\\"/b\\")",
                  "after_balancer_by_dsl": "ctx.add_request_header(\\"upstream_addr\\", destination.ip) && ctx.del_request_header(\\"x-drop\\")",
                  "send_filter_by_dsl": "ctx.add_response_header(\\"x-code\\", string(response.code)) && ctx.del_response_header(\\"x-backend\\")"}}]}]}],
             "cluster_manager": {"clusters": [{"name": "backend", "type": "SIMPLE", "lb_type": "LB_RANDOM",
               "hosts": [{"address": "127.0.0.1:${BACKEND}"}]}]}}
            """;

    @Test
    void eachExpressionActsAtItsMoment() throws Exception {
        ConcurrentLinkedQueue<NettyHttpBackend.Request> seen = new ConcurrentLinkedQueue<>();
        try (NettyHttpBackend backend = NettyHttpBackend.start("b", r -> {
            seen.add(r);
            return NettyHttpBackend.Response.text(200, "backend " + r.uri());
        })) {
            int port = freePort();
            try (MosnProcess mosn = MosnProcess.startHttp(render(EFFECTS, vars("PORT", port, "BACKEND", backend.port())), port)) {
                String base = "http://127.0.0.1:" + port;
                // rewritten before routing: the rewritten URL's route answers
                assertThat(Curl.run(base + "/before").stdout()).isEqualTo("chosen by the rewritten URL");
                // rewritten after routing: the route is chosen again
                assertThat(Curl.run(base + "/a?q=1").stdout()).isEqualTo("rerouted after routing");
                // headers added and removed on the way up, response headers on the way back
                Curl.Result r = Curl.run("-i", base + "/up?x=1", "-H", "x-in: hello", "-H", "x-drop: 1");
                assertThat(r.stdout()).startsWith("HTTP/1.1 200").contains("x-code: 200").doesNotContain("x-backend")
                        .endsWith("backend /up?x=1");
                NettyHttpBackend.Request up = seen.poll();
                assertThat(up.headers().get("x-seen")).isEqualTo("hello");
                assertThat(up.headers().get("upstream_addr")).isEqualTo("127.0.0.1");
                assertThat(up.headers().contains("x-drop")).isFalse();
                Curl.run(base + "/up");
                assertThat(seen.poll().headers().get("x-seen")).isEqualTo("none");
            }
        }
    }

    static final String BOLT = """
            {"servers": [{"default_log_path": "stdout", "processor": 1,
              "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                {"match": {"headers": [{"name": "service", "value": "svc.dsl"}]}, "route": {"cluster_name": "bolt"}}]}]}],
              "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}",
                "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "router_config_name": "rpc"}}]}],
                "stream_filters": [{"type": "dsl", "config": {
                  "before_router_by_dsl": "request.headers[\\"service\\"] == \\"svc.in\\" && ctx.add_request_header(\\"service\\", \\"svc.dsl\\")"}}]}]}],
             "cluster_manager": {"clusters": [{"name": "bolt", "type": "SIMPLE", "lb_type": "LB_RANDOM",
               "hosts": [{"address": "127.0.0.1:${BOLT_PORT}"}]}]}}
            """;

    @Test
    void onBoltTheHeaderMapIsWhatExpressionsReadAndChange() throws Exception {
        BoltHeaderSerializer.register();
        int boltPort = freePort();
        RpcServer server = new RpcServer("127.0.0.1", boltPort);
        server.registerUserProcessor(new BoltProxyTest.EchoProcessor());
        server.startup();
        RpcClient client = new RpcClient();
        client.startup();
        int port = freePort();
        try (MosnProcess mosn = MosnProcess.builder().config(render(BOLT, vars("PORT", port, "BOLT_PORT", boltPort))).waitFor(port).start()) {
            // svc.in has no route: the expression renames the service before routing, and the server sees the new name
            BoltEcho req = BoltEcho.of("dsl", "p");
            assertThat(client.invokeSync("127.0.0.1:" + port, req, BoltProxyTest.service("svc.in"), 5000)).isEqualTo(req.expectedReply("svc.dsl"));
        } finally {
            client.shutdown();
            server.shutdown();
        }
    }

    @Test
    void aBadExpressionIsRefusedAtStartNamingItsKey() throws Exception {
        String config = render(EFFECTS, vars("PORT", freePort(), "BACKEND", freePort()))
                .replace("request.url_path == ", "request.url_path === ");
        Path file = MosnProcess.writeTemp("dsl.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains("servers[0].listeners[0].stream_filters[0].config.after_router_by_dsl: invalid CEL expression");
        assertThat(r.all()).doesNotContain("Exception");
    }
}
